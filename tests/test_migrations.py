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
from shared.serve import migrate
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


def _upgrades(service: str, url: str) -> Callable[[str], Callable[[Connection], None]]:
    """`to(revision)`: a step for `conn.run_sync` that upgrades the service's schema to it."""
    config = alembic_config(service, url)

    def to(revision: str) -> Callable[[Connection], None]:
        def run(connection: Connection) -> None:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        return run

    return to


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
    to = _upgrades("interview_api", db.url)

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


async def test_a_job_queued_before_transcription_gets_its_new_steps(settings: Settings):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url_for("interview_api"))
    to = _upgrades("interview_api", db.url)

    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(to("a560d513d4c7"))
            for analysis_id, status in (("a-queued", "queued"), ("a-done", "succeeded")):
                await conn.execute(
                    text(
                        "INSERT INTO analyses (id, interview_id, recording_id, recording_key,"
                        " size_bytes, sha256, container, status, created_at, claims) VALUES"
                        " (:id, 'int-1', :id, 'k', 1, 'ab', 'webm', :status, :now, 0)"
                    ),
                    {"id": analysis_id, "status": status, "now": utcnow()},
                )
        async with db.engine.begin() as conn:
            await conn.run_sync(to("head"))
            rows = (
                await conn.execute(
                    text("SELECT analysis_id, provider, status FROM analysis_provider_steps")
                )
            ).all()
    finally:
        await db.dispose()
    assert sorted(tuple(row) for row in rows) == [
        ("a-queued", "evaluation", "pending"),
        ("a-queued", "transcription", "pending"),
    ]


async def test_entries_of_the_former_audit_log_move_into_the_shared_trail(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """An interview API that recorded its own audit_log keeps every entry: the migration leaves
    the table while it holds entries, and `migrate` (or a start-up) moves them into the trail."""
    from shared.audit.models import AuditEntry

    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url_for("interview_api"))
    to = _upgrades("interview_api", db.url)

    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(to("fc31033cd90b"))  # the last revision with its own log
            for n in range(3):
                await conn.execute(
                    text(
                        "INSERT INTO audit_log (id, at, action, actor_name, actor_role,"
                        " interview_id, subject_id, details) VALUES (:id, :at, 'viewed',"
                        " 'Ana Ruiz', 'hr', 'int-1', NULL, '{}')"
                    ),
                    {"id": f"00000000-0000-4000-8000-00000000000{n}", "at": utcnow()},
                )
        async with db.engine.begin() as conn:
            await conn.run_sync(to("head"))
            assert await conn.run_sync(lambda c: inspect(c).has_table("audit_log"))
    finally:
        await db.dispose()

    await migrate()
    assert "3 entries of the former audit_log moved into the trail" in capsys.readouterr().out
    await migrate()  # a second run finds nothing left to move
    assert "moved" not in capsys.readouterr().out

    trail = Database(settings.database_url_for("audit"))
    db = Database(settings.database_url_for("interview_api"))
    try:
        async with trail.session() as session:
            entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        async with db.engine.connect() as conn:
            assert not await conn.run_sync(lambda c: inspect(c).has_table("audit_log"))
    finally:
        await trail.dispose()
        await db.dispose()
    assert [(e.service, e.action, e.actor_name, e.interview_id) for e in entries] == [
        ("interview_api", "viewed", "Ana Ruiz", "int-1")
    ] * 3
