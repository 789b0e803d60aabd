"""Alembic environment of the shared audit trail (run through `shared.migrations`)."""

from shared.audit import models as _audit  # noqa: F401 (registers the table)
from shared.migrations import run_env

run_env("audit")
