"""the audit log moves to the trail both services share (shared/audit, beside the keys)

Revision ID: f3c8a1d6b2e9
Revises: fc31033cd90b
Create Date: 2026-12-01 10:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "f3c8a1d6b2e9"
down_revision: str | None = "fc31033cd90b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Entries already recorded move into the shared trail at the next start-up or
    # `interview-backend migrate` (shared.audit.trail.carry_over_legacy), which then drops the
    # table: an audit log is never dropped with entries in it.
    if op.get_bind().execute(sa.text("SELECT 1 FROM audit_log LIMIT 1")).first() is None:
        op.drop_table("audit_log")


def downgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("audit_log"):
        return
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("interview_id", sa.String(length=36), nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"])
    op.create_index(op.f("ix_audit_log_interview_id"), "audit_log", ["interview_id"])
