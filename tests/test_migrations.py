"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and
`interview-backend migrate` applies them."""

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

from analysis import models as analysis_models
from interview_api.models import Base as InterviewBase
from question_api.questions.models import Base as QuestionBase
from shared.db import Database
from shared.keys.models import Base as KeysBase
from shared.migrations import upgrade
from shared.serve import main as cli
from shared.settings import Settings

METADATA: dict[str, list[MetaData]] = {
    "question_api": [QuestionBase.metadata],
    "interview_api": [InterviewBase.metadata, analysis_models.metadata],
    "keys": [KeysBase.metadata],
}


def _merged(metadata: list[MetaData]) -> MetaData:
    merged = MetaData()
    for part in metadata:
        for table in part.tables.values():
            table.to_metadata(merged)
    return merged


def _differences(connection: Connection, metadata: list[MetaData]) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        diff
        for diff in compare_metadata(context, _merged(metadata))
        # an expression index (coalesce) cannot be reflected on SQLite: compared on PostgreSQL
        if not (connection.dialect.name == "sqlite" and "uq_recordings_content" in str(diff))
        and "alembic_version_" not in str(diff)  # Alembic's own bookkeeping table
    ]


@pytest.mark.filterwarnings("ignore:.*expression-based index")
@pytest.mark.parametrize("service", sorted(METADATA))
async def test_migrations_build_the_schema_the_models_describe(settings: Settings, service: str):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url_for(service))
    try:
        await upgrade(db, service)
        await upgrade(db, service)  # a second run finds nothing to do
        async with db.engine.connect() as conn:
            differences = await conn.run_sync(_differences, METADATA[service])
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await db.dispose()
    assert differences == []
    assert f"alembic_version_{service}" in tables


def test_the_migrate_command_prepares_both_databases(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
    cli(["migrate"])
    out = capsys.readouterr().out
    assert "question_api: schema up to date" in out
    assert "interview_api: schema up to date" in out
    assert "keys: schema up to date" in out
