"""each question names its provider; a set keeps its review warnings

Revision ID: 5d1c0e7a9b21
Revises: 82adba4c66ff
Create Date: 2026-12-01 07:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "5d1c0e7a9b21"
down_revision: str | None = "82adba4c66ff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN with a default, never a batch copy: on SQLite a batch would drop and
    # recreate question_sets, and the drop would cascade to every question and stored answer.
    op.add_column(
        "question_sets", sa.Column("warnings", sa.JSON(), nullable=False, server_default="[]")
    )
    op.add_column(
        "questions",
        sa.Column("provider", sa.String(length=32), nullable=False, server_default="offline"),
    )
    # Until now every question of a set came from the set's provider.
    op.execute(
        "UPDATE questions SET provider = "
        "(SELECT provider FROM question_sets WHERE question_sets.id = questions.question_set_id)"
    )
    if not context.is_offline_mode():
        _replays_name_their_providers()


def _replays_name_their_providers() -> None:
    """A stored answer replayed for a repeated Idempotency-Key gets the new fields too."""
    keys = sa.table("idempotency_keys", sa.column("key", sa.String), sa.column("response", sa.JSON))
    connection = op.get_bind()
    for key, response in connection.execute(sa.select(keys.c.key, keys.c.response)).all():
        answer = dict(response)
        answer.setdefault("warnings", [])
        answer["questions"] = [
            {**question, "provider": question.get("provider", answer.get("provider"))}
            for question in answer.get("questions", [])
        ]
        connection.execute(keys.update().where(keys.c.key == key).values(response=answer))


def downgrade() -> None:
    op.drop_column("questions", "provider")  # SQLite 3.35+ drops a column in place
    op.drop_column("question_sets", "warnings")
