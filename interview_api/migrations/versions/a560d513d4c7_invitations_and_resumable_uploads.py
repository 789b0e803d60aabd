"""invitations and resumable uploads

Revision ID: a560d513d4c7
Revises: c4d2e8a91f07
Create Date: 2026-12-01 07:07:51.007705
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shared.db

revision: str = "a560d513d4c7"
down_revision: str | None = "c4d2e8a91f07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("question_set_id", sa.String(length=128), nullable=False),
        sa.Column("role_title", sa.String(length=300), nullable=True),
        sa.Column("candidate_name", sa.String(length=200), nullable=False),
        sa.Column("candidate_email", sa.String(length=320), nullable=True),
        sa.Column("candidate_id", sa.String(length=128), nullable=True),
        sa.Column("answer_seconds", sa.Integer(), nullable=False),
        sa.Column("think_seconds", sa.Integer(), nullable=False),
        sa.Column("retakes", sa.Integer(), nullable=False),
        sa.Column("practice", sa.Boolean(), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("expires_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_given", sa.Boolean(), nullable=True),
        sa.Column("notice_version", sa.String(length=64), nullable=True),
        sa.Column("notice_text", sa.Text(), nullable=True),
        sa.Column("consent_recorded_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_invitations_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("interview_id", name=op.f("uq_invitations_interview_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_invitations_question_set_id"), ["question_set_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_invitations_status"), ["status"], unique=False)

    op.create_table(
        "resumable_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("invitation_id", sa.String(length=32), nullable=False),
        sa.Column("interview_id", sa.String(length=32), nullable=False),
        sa.Column("question_id", sa.String(length=128), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("filetype", sa.String(length=128), nullable=True),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("recording_id", sa.String(length=32), nullable=True),
        sa.Column(
            "multipart",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_resumable_uploads_interview_id_interviews"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_resumable_uploads_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resumable_uploads")),
    )
    with op.batch_alter_table("resumable_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resumable_uploads_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resumable_uploads_interview_id"), ["interview_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_resumable_uploads_invitation_id"), ["invitation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("resumable_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resumable_uploads_invitation_id"))
        batch_op.drop_index(batch_op.f("ix_resumable_uploads_interview_id"))
        batch_op.drop_index(batch_op.f("ix_resumable_uploads_expires_at"))

    op.drop_table("resumable_uploads")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_status"))
        batch_op.drop_index(batch_op.f("ix_invitations_question_set_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_expires_at"))
        batch_op.drop_index(batch_op.f("ix_invitations_created_at"))

    op.drop_table("invitations")
