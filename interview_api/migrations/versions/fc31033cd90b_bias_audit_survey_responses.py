"""bias audit survey responses

Revision ID: fc31033cd90b
Revises: f3b8d2c6a1e9
Create Date: 2026-12-01 10:25:56.332612
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.db

revision: str = "fc31033cd90b"
down_revision: str | None = "f3b8d2c6a1e9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The candidates' self-declared answers, apart from every table reviewers read; keyed by
    # the interview id without a foreign key, so an erasure leaves a cleared tombstone.
    op.create_table(
        "bias_survey_responses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("interview_id", sa.String(length=36), nullable=False),
        sa.Column("sex", sa.String(length=48), nullable=True),
        sa.Column("race_ethnicity", sa.String(length=48), nullable=True),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("erased_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bias_survey_responses")),
        sa.UniqueConstraint("interview_id", name=op.f("uq_bias_survey_responses_interview_id")),
    )


def downgrade() -> None:
    op.drop_table("bias_survey_responses")
