"""Schema migrations with Alembic, one migration history per service.

Each service keeps its scripts in `<service>/migrations/` (the shared key store in
`shared/keys/migrations/`, the shared audit trail in `shared/audit/migrations/`) and its own
version table
(`alembic_version_<service>`), so both can share one PostgreSQL database in production while
each keeps its own SQLite file in the embedded setup. `interview-backend migrate` applies them;
with AUTO_MIGRATE on (the default) each service applies its own at start-up.
"""

import asyncio
import logging

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from shared.db import Database, tables_of

logger = logging.getLogger(__name__)

SERVICES = ("question_api", "interview_api", "keys", "audit")
# The staff key store and the audit trail both services share keep their migrations beside
# their code.
_SCRIPTS = {"keys": "shared.keys:migrations", "audit": "shared.audit:migrations"}
# the packages whose models make up each service's database
SERVICE_PACKAGES = {
    "question_api": ("question_api",),
    "interview_api": ("interview_api", "analysis"),
    "keys": ("shared.keys",),
    "audit": ("shared.audit",),
}


def service_metadata(service: str) -> MetaData:
    """The tables of the service's database (their model modules must be imported)."""
    return tables_of(*SERVICE_PACKAGES[service])


def alembic_config(service: str, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", _SCRIPTS.get(service, f"{service}:migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    config.attributes["service"] = service
    return config


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade(db: Database, service: str) -> None:
    """Bring the service's schema to the newest revision."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_upgrade, alembic_config(service, db.url))


async def upgrade_shared(db: Database, service: str, attempts: int = 6) -> None:
    """`upgrade` for a store both services migrate (keys, audit), maybe at the same moment on
    one database: the loser of that race fails on the table the winner just made, and a later
    attempt then finds the schema current."""
    for attempt in range(attempts):
        try:
            await upgrade(db, service)
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            logger.info("the %s store was being migrated by another process; retrying", service)
            # the winner may still be between its steps: give it time to finish them
            await asyncio.sleep(0.1 * 2**attempt)


def run_env(service: str) -> None:
    """The body of each service's `migrations/env.py`, which imports the service's models first.
    Migrations run through `upgrade()` (or `revision()`), which hand Alembic an open
    connection; offline mode renders SQL."""
    target = service_metadata(service)
    connection = context.config.attributes.get("connection")
    if connection is None:
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=target,
            version_table=f"alembic_version_{service}",
            render_as_batch=True,
            literal_binds=True,
        )
    else:
        context.configure(
            connection=connection,
            target_metadata=target,
            version_table=f"alembic_version_{service}",
            render_as_batch=True,  # SQLite alters tables by copying them
            compare_type=True,
        )
    with context.begin_transaction():
        context.run_migrations()


def _revision(connection: Connection, config: Config, message: str) -> None:
    config.attributes["connection"] = connection
    command.revision(config, message=message, autogenerate=True)


async def revision(db: Database, service: str, message: str) -> None:
    """Write a new migration for the difference between the models and the database."""
    async with db.engine.begin() as conn:
        await conn.run_sync(_revision, alembic_config(service, db.url), message)
