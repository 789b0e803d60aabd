"""api key ids are UUIDs like every other id: the column widens to 36 characters; keys made
before keep their 12 hex digits, the id `keys list` showed and `keys revoke` takes

Revision ID: 7c2e9d4b1a36
Revises: 5b1f0c2d9e7a
Create Date: 2026-12-01 08:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c2e9d4b1a36"
down_revision: str | None = "5b1f0c2d9e7a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # no table refers to api_keys, so SQLite's copy of the table loses nothing
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.alter_column("id", existing_type=sa.String(length=16), type_=sa.String(length=36))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.alter_column("id", existing_type=sa.String(length=36), type_=sa.String(length=16))
