"""a question set's compliance settings, and the notice versions sets have named

Revision ID: 9c3f5a1d2e84
Revises: 5d1c0e7a9b21
Create Date: 2026-12-01 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db import ID_LENGTH, UTCDateTime

revision: str = "9c3f5a1d2e84"
down_revision: str | None = "5d1c0e7a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch copy: on SQLite a batch would recreate question_sets and
    # the drop would cascade to every question.
    op.add_column(
        "question_sets", sa.Column("compliance_notice_version", sa.String(64), nullable=True)
    )
    op.add_column("question_sets", sa.Column("compliance_notice_text", sa.Text(), nullable=True))
    op.add_column("question_sets", sa.Column("retention_days", sa.Integer(), nullable=True))
    op.add_column("question_sets", sa.Column("analysis_policy", sa.String(16), nullable=True))
    op.add_column(
        "question_sets",
        sa.Column("bias_audit", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "question_set_notice_versions",
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("question_set_id", sa.String(ID_LENGTH), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_question_set_notice_versions")),
    )


def downgrade() -> None:
    op.drop_table("question_set_notice_versions")
    for column in (
        "bias_audit",
        "analysis_policy",
        "retention_days",
        "compliance_notice_text",
        "compliance_notice_version",
    ):
        op.drop_column("question_sets", column)  # SQLite 3.35+ drops a column in place
