"""Alembic environment of the shared key store (run through `shared.migrations`)."""

from shared.keys import models as _keys  # noqa: F401 (registers the table)
from shared.migrations import run_env

run_env("keys")
