"""initial schema

Revision ID: 82adba4c66ff
Revises:
Create Date: 2026-11-21 06:16:51.236572
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "82adba4c66ff"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "question_sets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("notice", sa.Text(), nullable=True),
        sa.Column("job_description", sa.Text(), nullable=False),
        sa.Column("role_title", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=50), nullable=True),
        sa.Column("seniority", sa.String(length=16), nullable=True),
        sa.Column("output_language", sa.String(length=16), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_sets")),
    )
    with op.batch_alter_table("question_sets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_question_sets_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("question_set_id", sa.String(length=36), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_set_id"],
            ["question_sets.id"],
            name=op.f("fk_idempotency_keys_question_set_id_question_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "question_review_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("question_set_id", sa.String(length=36), nullable=False),
        sa.Column("question_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_set_id"],
            ["question_sets.id"],
            name=op.f("fk_question_review_events_question_set_id_question_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_review_events")),
    )
    with op.batch_alter_table("question_review_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_question_review_events_question_set_id"),
            ["question_set_id"],
            unique=False,
        )

    op.create_table(
        "questions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("question_set_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("subtype", sa.String(length=16), nullable=False),
        sa.Column("competency", sa.String(length=200), nullable=False),
        sa.Column("expected_points", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_set_id"],
            ["question_sets.id"],
            name=op.f("fk_questions_question_set_id_question_sets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint(
            "question_set_id", "position", name=op.f("uq_questions_question_set_id")
        ),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questions_question_set_id"), ["question_set_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_question_set_id"))

    op.drop_table("questions")
    with op.batch_alter_table("question_review_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_review_events_question_set_id"))

    op.drop_table("question_review_events")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("question_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_sets_created_at"))

    op.drop_table("question_sets")
