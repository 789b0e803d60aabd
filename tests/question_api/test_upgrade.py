"""A database written before questions named their provider still answers after the upgrade."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection

from question_api.main import build_app
from shared.db import Database, UTCDateTime
from shared.migrations import alembic_config
from shared.settings import Settings
from tests.question_api.conftest import serve

BEFORE = "82adba4c66ff"
WHEN = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
OLD_QUESTION: dict[str, Any] = {
    "id": "q1",
    "position": 1,
    "text": "How do you use Django?",
    "type": "technical",
    "subtype": "tech_stack",
    "competency": "Django",
    "expected_points": ["a", "b"],
    "status": "pending",
}
OLD_ANSWER: dict[str, Any] = {
    "question_set_id": "s1",
    "status": "draft",
    "provider": "offline",
    "model": "offline-v1",
    "notice": None,
    "file": "generated_questions/questions_s1.txt",
    "job_description": "Python developer with Django.",
    "role_title": None,
    "language": None,
    "seniority": None,
    "output_language": "en",
    "created_at": "2026-11-30T10:00:00Z",
    "updated_at": "2026-11-30T10:00:00Z",
    "questions": [OLD_QUESTION],
}


def _table(name: str, *columns: tuple[str, Any]) -> sa.TableClause:
    return sa.table(name, *(sa.column(column, kind) for column, kind in columns))


SETS = _table(
    "question_sets",
    *[(c, sa.String) for c in ("id", "status", "provider", "model", "job_description")],
    ("output_language", sa.String),
    ("created_at", UTCDateTime),
    ("updated_at", UTCDateTime),
)
QUESTIONS = _table(
    "questions",
    *[(c, sa.String) for c in ("id", "question_set_id", "text", "type", "subtype")],
    *[(c, sa.String) for c in ("competency", "status")],
    ("position", sa.Integer),
    ("expected_points", sa.JSON),
    ("created_at", UTCDateTime),
    ("updated_at", UTCDateTime),
)
KEYS = _table(
    "idempotency_keys",
    *[(c, sa.String) for c in ("key", "request_hash", "question_set_id")],
    ("status_code", sa.Integer),
    ("response", sa.JSON),
    ("created_at", UTCDateTime),
)


def _to_old_schema(url: str) -> Any:
    def run(connection: Connection) -> None:
        config = alembic_config("question_api", url)
        config.attributes["connection"] = connection
        command.upgrade(config, BEFORE)

    return run


async def test_old_sets_and_stored_replays_gain_provider_and_warnings(
    settings: Settings, data_dir: Path
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.database_url_for("question_api")
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_to_old_schema(url))
            await conn.execute(
                SETS.insert().values(
                    id="s1",
                    status="draft",
                    provider="offline",
                    model="offline-v1",
                    job_description=OLD_ANSWER["job_description"],
                    output_language="en",
                    created_at=WHEN,
                    updated_at=WHEN,
                )
            )
            fields = {k: v for k, v in OLD_QUESTION.items() if k != "id"}
            await conn.execute(
                QUESTIONS.insert().values(
                    id="q1", question_set_id="s1", created_at=WHEN, updated_at=WHEN, **fields
                )
            )
            await conn.execute(
                KEYS.insert().values(
                    key="k1",
                    request_hash="h",
                    question_set_id="s1",
                    status_code=201,
                    response=OLD_ANSWER,
                    created_at=WHEN,
                )
            )

        async with serve(build_app(settings)) as client:  # upgrades to the newest revision
            stored = (await client.get("/question-sets/s1")).json()

        async with db.engine.connect() as conn:
            replay = (
                await conn.execute(sa.select(KEYS.c.response).where(KEYS.c.key == "k1"))
            ).scalar_one()
    finally:
        await db.dispose()

    assert stored["warnings"] == []
    assert stored["questions"][0]["provider"] == "offline"
    replay = json.loads(replay) if isinstance(replay, str) else replay
    assert replay["warnings"] == []
    assert replay["questions"][0]["provider"] == "offline"
