"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and
`interview-backend migrate` applies them."""

from collections.abc import Callable
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.engine import Connection

import question_api.questions.models  # noqa: F401 (the imports register every table)
import shared.keys.models  # noqa: F401
from analysis.models import OutboxItem
from shared.db import Base, Database, utcnow
from shared.migrations import SERVICES, alembic_config, service_metadata, upgrade
from shared.serve import main as cli
from shared.settings import Settings


def _differences(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return [
        diff
        for diff in compare_metadata(context, metadata)
        # an expression index (coalesce) cannot be reflected on SQLite: compared on PostgreSQL
        if not (connection.dialect.name == "sqlite" and "uq_recordings_content" in str(diff))
        and "alembic_version_" not in str(diff)  # Alembic's own bookkeeping table
    ]


@pytest.mark.filterwarnings("ignore:.*expression-based index")
@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_migrations_build_the_schema_the_models_describe(settings: Settings, service: str):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url_for(service))
    try:
        await upgrade(db, service)
        await upgrade(db, service)  # a second run finds nothing to do
        async with db.engine.connect() as conn:
            differences = await conn.run_sync(_differences, service_metadata(service))
            tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await db.dispose()
    assert differences == []
    assert f"alembic_version_{service}" in tables


def test_every_table_has_one_base_and_one_owner():
    """One declarative base for every table, and each table in exactly one service's database."""
    owned = [set(service_metadata(service).tables) for service in SERVICES]
    assert set.union(*owned) == set(Base.metadata.tables)
    assert sum(len(tables) for tables in owned) == len(Base.metadata.tables)
    assert {"analyses", "analysis_outbox", "interviews", "question_sets"} <= set(
        Base.metadata.tables
    )


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


async def test_deletions_queued_before_the_outbox_carry_on_in_it(settings: Settings):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url_for("interview_api"))
    config = alembic_config("interview_api", db.url)

    def to(revision: str) -> Callable[[Connection], None]:
        def run(connection: Connection) -> None:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        return run

    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(to("b91e9af27f32"))
            await conn.execute(
                text(
                    "INSERT INTO analysis_remote_deletions (interview_id, provider, state, status,"
                    " attempts, created_at, updated_at) VALUES ('int-1', 'twelvelabs',"
                    " '{\"asset_id\": \"tl-1\"}', 'pending', 2, :now, :now)"
                ),
                {"now": utcnow()},
            )
        async with db.engine.begin() as conn:
            await conn.run_sync(to("head"))
        async with db.session() as session:
            [item] = (await session.scalars(select(OutboxItem))).all()
    finally:
        await db.dispose()
    assert (item.kind, item.provider, item.status, item.attempts) == (
        "remote_deletion",
        "twelvelabs",
        "pending",
        2,
    )
    assert item.payload == {"state": {"asset_id": "tl-1"}}
