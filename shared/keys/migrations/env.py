"""Alembic environment of the shared key store (run through `shared.migrations`)."""

from shared.keys import models
from shared.migrations import run_env

run_env("keys", models.Base.metadata)
