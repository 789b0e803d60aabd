"""Async database access: one engine per service, one way to get a session.

SQLite (the embedded default) runs in WAL mode with a busy timeout so the API and its worker can
write concurrently; any other `DATABASE_URL` (PostgreSQL in production) is used as given.
"""

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, MetaData, Table, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL
Json = JSON().with_variant(JSONB(), "postgresql")


# What a busy SQLite file or a dropped PostgreSQL connection raises: worth a second try, unlike
# an integrity or programming error.
TRANSIENT_DB_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    OSError,
    TimeoutError,
)


# Every id is a UUID spelled one way: 36 characters, lowercase, hyphenated.
ID_LENGTH = 36


def new_id() -> str:
    """A new id for any row, file or document: a random UUID in its canonical spelling."""
    return str(uuid.uuid4())


def canonical_id(raw: str) -> str | None:
    """The canonical spelling of an id from a URL, or None when it is not a UUID. The 32 hex
    digits interviews and recordings had before every id was hyphenated are still understood,
    so links made then keep working."""
    if len(raw) not in (32, ID_LENGTH):
        return None
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The one declarative base of every table: one naming convention, one timestamp type (UTC,
    timezone-aware), one JSON type. Each service's migrations build only its own tables
    (`tables_of`)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: Json, list[Any]: Json}


def tables_of(*packages: str) -> MetaData:
    """The tables whose models live in `packages` (e.g. `interview_api` and `analysis`, which
    share the interview API's database, or `shared.keys`), as a MetaData of their own."""
    selected = MetaData(naming_convention=NAMING_CONVENTION)
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        module = mapper.class_.__module__
        owned = any(module == p or module.startswith(p + ".") for p in packages)
        if owned and isinstance(table, Table) and table.key not in selected.tables:
            table.to_metadata(selected)
    return selected


def after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Call `callback` once the session's transaction has committed; never if it rolls back.
    E.g. wake a worker only when the job it should claim is visible to it."""
    session.sync_session.info.setdefault(_AFTER_COMMIT, []).append(callback)


_AFTER_COMMIT = "after_commit_callbacks"


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, []):
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, _: Any) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """An engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if self.is_sqlite:
            kwargs = {"connect_args": {"timeout": 30}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    async def create_all(self, metadata: MetaData) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: committed when the block ends, rolled back when it raises."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work; the only place a request commits."""
    async with get_database(request).session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
