"""Alembic environment of the question API (run through `shared.migrations`)."""

from question_api.questions import models
from shared.migrations import run_env

run_env("question_api", models.Base.metadata)
