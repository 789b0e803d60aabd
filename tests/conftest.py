"""Fixtures every test area shares: isolated settings and a retry policy that never sleeps.

With `TEST_DATABASE_URL` set (scripts/with-postgres.sh sets it), every test gets a fresh
PostgreSQL database of its own; otherwise each service gets a SQLite file in the test's folder.
"""

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest

from shared.http import RetryPolicy
from shared.settings import Settings, get_settings

_PROVIDER_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "TWELVELABS_API_KEY",
    "INTERHUMAN_API_KEY",
    "INTERHUMAN_KEY_ID",
    "INTERHUMAN_KEY_SECRET",
    "API_KEYS",
    "ANALYSIS_WEBHOOK_URL",
    "DATA_DIR",
    "DATABASE_URL",
    "STORAGE_URL",
    "S3_ENDPOINT_URL",
    "S3_CREATE_BUCKET",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees a developer's real keys or `.env`, and each gets its own DATA_DIR."""
    for name in _PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def database_url() -> Iterator[str | None]:
    """A new empty PostgreSQL database when testing on PostgreSQL, else None (SQLite)."""
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        yield None
        return
    name = f"test_{uuid4().hex[:16]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    yield f"{server.rsplit('/', 1)[0]}/{name}"
    asyncio.run(_admin(server, f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(data_dir: Path, database_url: str | None) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        database_url=database_url,
        log_format="text",
    )


class RecordedSleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> RecordedSleeps:
    """The waits a retry policy asked for, without waiting."""
    return RecordedSleeps()


@pytest.fixture
def fast_policy(sleeps: RecordedSleeps) -> RetryPolicy:
    return RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8.0, deadline=60.0, sleep=sleeps)
