"""one durable outbox for provider-side deletions, file deletions and webhooks; the analysis
tables' constraints named by the one naming convention

Revision ID: c4d2e8a91f07
Revises: b91e9af27f32
Create Date: 2026-12-01 07:40:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shared.db

revision: str = "c4d2e8a91f07"
down_revision: str | None = "b91e9af27f32"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    outbox = op.create_table(
        "analysis_outbox",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("interview_id", sa.String(length=36), nullable=True),
        sa.Column("analysis_id", sa.String(length=36), nullable=True),
        sa.Column("provider", sa.String(length=32), nullable=True),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("due_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_outbox")),
    )
    with op.batch_alter_table("analysis_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_analysis_outbox_interview_id", ["interview_id"], unique=False)
        batch_op.create_index("ix_analysis_outbox_status_due", ["status", "due_at"], unique=False)

    # deletions still pending carry on in the outbox; the attempt log of webhooks is dropped
    old = sa.table(
        "analysis_remote_deletions",
        sa.column("interview_id", sa.String),
        sa.column("provider", sa.String),
        sa.column("state", JSON),
        sa.column("status", sa.String),
        sa.column("attempts", sa.Integer),
        sa.column("last_error", sa.Text),
        sa.column("created_at", shared.db.UTCDateTime(timezone=True)),
        sa.column("updated_at", shared.db.UTCDateTime(timezone=True)),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(old)).mappings().all()
    if rows:
        op.bulk_insert(
            outbox,
            [
                {
                    "id": str(uuid.uuid4()),
                    "kind": "remote_deletion",
                    "interview_id": row["interview_id"],
                    "analysis_id": None,
                    "provider": row["provider"],
                    "payload": {"state": row["state"]},
                    "status": row["status"],
                    "attempts": row["attempts"],
                    "last_error": row["last_error"],
                    "last_status_code": None,
                    "due_at": row["updated_at"],
                    "created_at": row["created_at"],
                    "updated_at": row["updated_at"],
                    "completed_at": row["updated_at"] if row["status"] == "done" else None,
                }
                for row in rows
            ],
        )

    with op.batch_alter_table("analysis_webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_webhook_deliveries_analysis_id"))
    op.drop_table("analysis_webhook_deliveries")
    with op.batch_alter_table("analysis_remote_deletions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_remote_deletions_interview_id"))
    op.drop_table("analysis_remote_deletions")
    _rename_constraints(RENAMED)


# PostgreSQL's default names of the analysis tables' constraints -> the naming convention's,
# where a database was made before the analysis tables had it. (SQLite keeps these constraints
# unnamed; nothing refers to them there.)
RENAMED = {
    ("analyses", "analyses_pkey"): "pk_analyses",
    ("analyses", "analyses_recording_id_key"): "uq_analyses_recording_id",
    ("analysis_provider_steps", "analysis_provider_steps_pkey"): "pk_analysis_provider_steps",
    (
        "analysis_provider_steps",
        "analysis_provider_steps_analysis_id_fkey",
    ): "fk_analysis_provider_steps_analysis_id_analyses",
}


def _rename_constraints(names: dict[tuple[str, str], str]) -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    existing = set(
        connection.execute(
            sa.text(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                "WHERE connamespace = current_schema()::regnamespace"
            )
        ).all()
    )
    for (table, old), new in names.items():
        if (table, old) in existing:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old}" TO "{new}"')


def downgrade() -> None:
    _rename_constraints({(table, new): old for (table, old), new in RENAMED.items()})
    op.create_table(
        "analysis_remote_deletions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("interview_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("state", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("analysis_remote_deletions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_analysis_remote_deletions_interview_id", ["interview_id"], unique=False
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
            "ix_analysis_webhook_deliveries_analysis_id", ["analysis_id"], unique=False
        )
    op.drop_index("ix_analysis_outbox_status_due", table_name="analysis_outbox")
    op.drop_index("ix_analysis_outbox_interview_id", table_name="analysis_outbox")
    op.drop_table("analysis_outbox")
