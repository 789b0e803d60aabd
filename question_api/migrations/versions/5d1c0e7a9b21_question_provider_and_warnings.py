"""each question names its provider; a set keeps its review warnings

Revision ID: 5d1c0e7a9b21
Revises: 82adba4c66ff
Create Date: 2026-12-01 07:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1c0e7a9b21"
down_revision: str | None = "82adba4c66ff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("question_sets") as batch:
        batch.add_column(sa.Column("warnings", sa.JSON(), nullable=True))
    op.execute("UPDATE question_sets SET warnings = '[]'")
    with op.batch_alter_table("question_sets") as batch:
        batch.alter_column("warnings", existing_type=sa.JSON(), nullable=False)
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("provider", sa.String(length=32), nullable=True))
    # Until now every question of a set came from the set's provider.
    op.execute(
        "UPDATE questions SET provider = "
        "(SELECT provider FROM question_sets WHERE question_sets.id = questions.question_set_id)"
    )
    with op.batch_alter_table("questions") as batch:
        batch.alter_column("provider", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("provider")
    with op.batch_alter_table("question_sets") as batch:
        batch.drop_column("warnings")
