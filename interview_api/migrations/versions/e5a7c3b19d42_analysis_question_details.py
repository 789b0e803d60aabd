"""the question's position, competency and expected points on each analysis; transcription and
evaluation steps for the analyses still unfinished

Revision ID: e5a7c3b19d42
Revises: e7a1c3f50b92
Create Date: 2026-12-01 07:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import shared.db

revision: str = "e5a7c3b19d42"
down_revision: str | None = "e7a1c3f50b92"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "analyses",
        sa.Column(
            "question_details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
    )
    # a job queued before this version has no row for the new steps; a worker would take the
    # missing row for an erased analysis
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    analyses = sa.table("analyses", sa.column("id", sa.String), sa.column("status", sa.String))
    steps = sa.table(
        "analysis_provider_steps",
        sa.column("analysis_id", sa.String),
        sa.column("provider", sa.String),
        sa.column("status", sa.String),
        sa.column("state", json),
        sa.column("attempts", sa.Integer),
        sa.column("notes", json),
        sa.column("updated_at", shared.db.UTCDateTime()),
    )
    bind = op.get_bind()
    unfinished = bind.execute(
        sa.select(analyses.c.id).where(analyses.c.status.in_(("queued", "running")))
    ).scalars()
    now = datetime.now(UTC)
    rows = [
        {
            "analysis_id": analysis_id,
            "provider": provider,
            "status": "pending",
            "state": {},
            "attempts": 0,
            "notes": [],
            "updated_at": now,
        }
        for analysis_id in unfinished
        for provider in ("transcription", "evaluation")
    ]
    if rows:
        op.bulk_insert(steps, rows)


def downgrade() -> None:
    op.execute(
        "DELETE FROM analysis_provider_steps WHERE provider IN ('transcription', 'evaluation')"
    )
    with op.batch_alter_table("analyses") as batch_op:
        batch_op.drop_column("question_details")
