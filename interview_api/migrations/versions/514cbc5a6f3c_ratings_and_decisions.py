"""ratings and decisions

Revision ID: 514cbc5a6f3c
Revises: e5a7c3b19d42
Create Date: 2026-12-01 07:57:39.727531
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "514cbc5a6f3c"
down_revision: str | None = "e5a7c3b19d42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interview_decisions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_interview_decisions_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_decisions")),
    )
    with op.batch_alter_table("interview_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interview_decisions_decided_at"), ["decided_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_interview_decisions_interview_id"), ["interview_id"], unique=False
        )

    op.create_table(
        "recording_ratings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("recording_id", sa.String(length=32), nullable=False),
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_recording_ratings_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_recording_ratings_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_ratings")),
        sa.UniqueConstraint(
            "recording_id", "reviewer", name=op.f("uq_recording_ratings_recording_id")
        ),
    )
    with op.batch_alter_table("recording_ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recording_ratings_interview_id"), ["interview_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recording_ratings_recording_id"), ["recording_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("recording_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_ratings_recording_id"))
        batch_op.drop_index(batch_op.f("ix_recording_ratings_interview_id"))

    op.drop_table("recording_ratings")
    with op.batch_alter_table("interview_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_decisions_interview_id"))
        batch_op.drop_index(batch_op.f("ix_interview_decisions_decided_at"))

    op.drop_table("interview_decisions")
