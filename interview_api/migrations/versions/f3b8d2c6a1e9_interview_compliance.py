"""each interview keeps the compliance settings it started with; each analysis its policy

Revision ID: f3b8d2c6a1e9
Revises: e5b7c3d9a2f4
Create Date: 2026-12-01 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "f3b8d2c6a1e9"
down_revision: str | None = "e5b7c3d9a2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Interviews and analyses from before keep NULL: the global settings apply to them.
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.add_column("interviews", sa.Column("compliance", json, nullable=True))
    op.add_column("analyses", sa.Column("analysis_policy", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("analyses", "analysis_policy")  # SQLite 3.35+ drops a column in place
    op.drop_column("interviews", "compliance")
