"""initial schema

Revision ID: b91e9af27f32
Revises:
Create Date: 2026-11-21 06:16:51.279058
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shared.db

revision: str = "b91e9af27f32"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interviews",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("candidate_id", sa.String(length=128), nullable=True),
        sa.Column("question_set_id", sa.String(length=128), nullable=True),
        sa.Column("consent_given", sa.Boolean(), nullable=True),
        sa.Column("consent_notice_version", sa.String(length=64), nullable=True),
        sa.Column("consent_recorded_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "questions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("started_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
    )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interviews_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_interviews_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_interviews_status"), ["status"], unique=False)

    op.create_table(
        "recordings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=128), nullable=True),
        sa.Column("question_text", sa.Text(), nullable=True),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("container", sa.String(length=16), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("analysis_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_recordings_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recordings_interview_id"), ["interview_id"], unique=False
        )
    # identical bytes for one question are one recording, even when two uploads race
    op.create_index(
        "uq_recordings_content",
        "recordings",
        ["interview_id", sa.text("coalesce(question_id, '')"), "sha256"],
        unique=True,
    )

    op.create_table(
        "analyses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("interview_id", sa.String(length=36), nullable=False),
        sa.Column("recording_id", sa.String(length=36), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=True),
        sa.Column("question_text", sa.Text(), nullable=True),
        sa.Column("recording_key", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("container", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_expires_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recording_id"),
    )
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analyses_interview_id"), ["interview_id"], unique=False
        )
        batch_op.create_index("ix_analyses_status_created", ["status", "created_at"], unique=False)

    op.create_table(
        "analysis_remote_deletions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("interview_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("analysis_remote_deletions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analysis_remote_deletions_interview_id"), ["interview_id"], unique=False
        )

    op.create_table(
        "analysis_webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("analysis_id", sa.String(length=36), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("analysis_webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analysis_webhook_deliveries_analysis_id"), ["analysis_id"], unique=False
        )

    op.create_table(
        "analysis_provider_steps",
        sa.Column("analysis_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column(
            "section",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "notes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("started_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("analysis_id", "provider"),
    )


def downgrade() -> None:
    op.drop_table("analysis_provider_steps")
    with op.batch_alter_table("analysis_webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_webhook_deliveries_analysis_id"))

    op.drop_table("analysis_webhook_deliveries")
    with op.batch_alter_table("analysis_remote_deletions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_remote_deletions_interview_id"))

    op.drop_table("analysis_remote_deletions")
    with op.batch_alter_table("analyses", schema=None) as batch_op:
        batch_op.drop_index("ix_analyses_status_created")
        batch_op.drop_index(batch_op.f("ix_analyses_interview_id"))

    op.drop_table("analyses")
    op.drop_index("uq_recordings_content", table_name="recordings")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordings_interview_id"))

    op.drop_table("recordings")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interviews_status"))
        batch_op.drop_index(batch_op.f("ix_interviews_started_at"))
        batch_op.drop_index(batch_op.f("ix_interviews_candidate_id"))

    op.drop_table("interviews")
