"""Alembic environment of the question API (run through `shared.migrations`)."""

from question_api.questions import models as _questions  # noqa: F401 (registers tables)
from shared.migrations import run_env

run_env("question_api")
