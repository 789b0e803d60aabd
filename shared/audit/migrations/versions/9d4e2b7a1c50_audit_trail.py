"""the audit trail both services write

Revision ID: 9d4e2b7a1c50
Revises:
Create Date: 2026-12-01 10:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "9d4e2b7a1c50"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_trail",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("service", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("interview_id", sa.String(length=36), nullable=True),
        sa.Column("question_set_id", sa.Text(), nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("details", shared.db.Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_trail")),
    )
    op.create_index(op.f("ix_audit_trail_at"), "audit_trail", ["at"])
    op.create_index(op.f("ix_audit_trail_action"), "audit_trail", ["action"])
    op.create_index(op.f("ix_audit_trail_interview_id"), "audit_trail", ["interview_id"])
    op.create_index(op.f("ix_audit_trail_question_set_id"), "audit_trail", ["question_set_id"])


def downgrade() -> None:
    op.drop_table("audit_trail")
