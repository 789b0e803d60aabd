"""Recording actions in the audit trail and reading it back.

The trail is one table (`audit_trail`) in the store the staff keys live in
(`Settings.database_url_for("audit")`, the same database as `"keys"`), written by both services,
so `GET /audit` reads one list with one query and every replica of either service appends to it.

An entry is recorded through the session of the action it records (`record(session, ...)`):
- when the trail's database is the service's own (one `DATABASE_URL` for everything, the
  production default), the entry is added to that session and commits or rolls back with it;
- when it is another database (the embedded SQLite files, or a separate `KEYS_DATABASE_URL`),
  the entry is committed there first, before the action commits: an action never takes effect
  unrecorded (if the trail cannot be written the request fails), at the price of an entry for
  an attempt whose own commit then failed.
"""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.audit.actor import Actor
from shared.audit.models import AuditEntry
from shared.db import ID_LENGTH, Database, Json, UTCDateTime, new_id, utcnow
from shared.migrations import upgrade_shared
from shared.settings import Settings

SERVICE = "audit"

Action = Literal[
    # question API: a set's life before any interview
    "generated",
    "edited",
    "approved",
    "rejected",
    "reopened",
    "regenerated",
    "set_approved",
    "compliance_changed",
    # interview API
    "invited",
    "link_renewed",
    "viewed",
    "played",
    "rated",
    "decided",
    "exported",
    "consent_given",
    "consent_refused",
    "consent_withdrawn",
    "erased",
]

# where a service's sessions find the trail (set by `attach`)
_TRAIL = "audit_trail"


class TrailNotAttached(RuntimeError):
    """A session of a database the trail was never attached to tried to record an action."""


async def open_for(db: Database, trail: Database, service: str, *, migrate: bool) -> None:
    """From now on every session of `db` records its actions, in `service`'s name, into
    `trail` (which may be `db` itself); with `migrate`, the trail's schema is brought up to
    date first (AUTO_MIGRATE)."""
    if migrate:
        await upgrade_shared(trail, SERVICE)
        await carry_over_legacy(db, trail)
    db.sessionmaker.configure(info={_TRAIL: (trail, service)})


# The interview API's own log, before both services shared the trail; its migration keeps it
# while it holds entries, and `carry_over_legacy` moves them.
_LEGACY = sa.Table(
    "audit_log",
    sa.MetaData(),
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("at", UTCDateTime),
    sa.Column("action", sa.String(32)),
    sa.Column("actor_name", sa.String(200)),
    sa.Column("actor_role", sa.String(32)),
    sa.Column("interview_id", sa.String(ID_LENGTH)),
    sa.Column("subject_id", sa.String(64)),
    sa.Column("details", Json),
)
_BATCH = 500


async def carry_over_legacy(db: Database, trail: Database) -> int:
    """Move the entries of the interview API's former `audit_log` into the trail, with their
    ids (so a second run, or a replica doing it at the same moment, adds nothing twice), then
    drop the old table; how many entries were moved. Nothing to do once it is gone."""
    moved, after = 0, ""
    try:
        while True:
            # a short read per batch: nothing holds the database while the trail is written
            async with db.engine.connect() as conn:
                if not await conn.run_sync(lambda c: sa.inspect(c).has_table(_LEGACY.name)):
                    return moved
                rows = (
                    await conn.execute(
                        select(_LEGACY)
                        .where(_LEGACY.c.id > after)
                        .order_by(_LEGACY.c.id)
                        .limit(_BATCH)
                    )
                ).all()
            if not rows:
                break
            moved += await _add_missing(trail, rows)
            after = rows[-1].id
        async with db.engine.begin() as conn:
            await conn.execute(sa.text(f"DROP TABLE IF EXISTS {_LEGACY.name}"))
    except DBAPIError:
        # another replica dropped it between our steps, after moving every entry itself
        async with db.engine.connect() as conn:
            if await conn.run_sync(lambda c: sa.inspect(c).has_table(_LEGACY.name)):
                raise
    return moved


async def _add_missing(trail: Database, rows: Sequence[sa.Row[Any]]) -> int:
    for attempt in range(2):  # a replica moving the same batch wins once: then it is there
        try:
            async with trail.session() as session:
                have = set(
                    await session.scalars(
                        select(AuditEntry.id).where(AuditEntry.id.in_([row.id for row in rows]))
                    )
                )
                missing = [row for row in rows if row.id not in have]
                session.add_all(
                    AuditEntry(
                        id=row.id,
                        at=row.at,
                        service="interview_api",
                        action=row.action,
                        actor_name=row.actor_name,
                        actor_role=row.actor_role,
                        interview_id=row.interview_id,
                        subject_id=row.subject_id,
                        details=row.details or {},
                    )
                    for row in missing
                )
            return len(missing)
        except IntegrityError:
            if attempt:
                raise
    return 0


@asynccontextmanager
async def service_database(settings: Settings, service: str) -> AsyncIterator[Database]:
    """The service's database with the trail attached, for a command (or a test) that runs the
    service's code outside its app; both engines are disposed of at the end."""
    db = Database(settings.database_url_for(service))
    url = settings.database_url_for(SERVICE)
    trail = db if url == db.url else Database(url)
    try:
        await open_for(db, trail, service, migrate=settings.auto_migrate)
        yield db
    finally:
        await db.dispose()
        if trail is not db:
            await trail.dispose()


async def record(
    session: AsyncSession,
    actor: Actor,
    action: Action,
    *,
    interview_id: str | None = None,
    question_set_id: str | None = None,
    subject_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an entry for an action this session makes (see the module for when it commits).
    `details` must hold no personal data: ids, counts, statuses, formats."""
    attached = session.info.get(_TRAIL)
    if attached is None:
        raise TrailNotAttached(
            "this database's sessions have no audit trail attached: open it with "
            "shared.audit.trail.service_database (or attach one with open_for)"
        )
    trail, service = attached
    entry = AuditEntry(
        id=new_id(),
        at=utcnow(),
        service=service,
        action=action,
        actor_name=actor.name,
        actor_role=actor.role,
        interview_id=interview_id,
        question_set_id=question_set_id,
        subject_id=subject_id,
        details=details or {},
    )
    if session.bind is trail.engine:
        session.add(entry)
        await session.flush()
        return
    async with trail.session() as own:
        own.add(entry)


async def page(
    trail: Database,
    *,
    action: str | None,
    interview_id: str | None,
    question_set_id: str | None,
    actor_role: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[AuditEntry], int]:
    """Newest first, and how many match in all."""
    conditions = []
    if action is not None:
        conditions.append(AuditEntry.action == action)
    if interview_id is not None:
        conditions.append(AuditEntry.interview_id == interview_id)
    if question_set_id is not None:
        conditions.append(AuditEntry.question_set_id == question_set_id)
    if actor_role is not None:
        conditions.append(AuditEntry.actor_role == actor_role)
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at < until)
    async with trail.session() as session:
        total = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(*conditions)
        )
        rows = await session.scalars(
            select(AuditEntry)
            .where(*conditions)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return rows.all(), int(total or 0)
