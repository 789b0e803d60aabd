"""Fixtures every test area shares: isolated settings and a retry policy that never sleeps.

With `TEST_DATABASE_URL` set (scripts/with-postgres.sh sets it), every test gets a fresh
PostgreSQL database of its own; otherwise each service gets a SQLite file in the test's folder.
"""

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import jsonschema
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
    "S3_PART_SIZE",
    "S3_CREATE_BUCKET",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees a developer's real keys or `.env`, and each gets its own DATA_DIR."""
    for name in _PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)
    # no developer's AWS profile or credentials either
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@cache
def _document_validator() -> jsonschema.Draft202012Validator:
    from analysis.registry import analysis_json_schema

    return jsonschema.Draft202012Validator(analysis_json_schema())


@pytest.fixture(autouse=True)
def _documents_match_the_published_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every analysis document the pipeline merges during a test (finished, or live while a
    job runs) validates against the JSON Schema the interview API publishes."""
    import analysis.cli
    import analysis.finalize
    import analysis.service

    invalid: list[str] = []

    def checked(real: Any) -> Any:
        def merge(*args: Any, **kwargs: Any) -> Any:
            document = real(*args, **kwargs)
            errors = _document_validator().iter_errors(document.model_dump(mode="json"))
            invalid.extend(f"{list(e.absolute_path)}: {e.message}" for e in errors)
            return document

        return merge

    for module in (analysis.cli, analysis.finalize, analysis.service):
        monkeypatch.setattr(module, "merge", checked(module.merge))
    yield
    assert not invalid, f"documents that do not match the published JSON Schema: {invalid[:5]}"


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto's server mode) on 127.0.0.1, in a child process, for
    the whole session."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # each failed attempt waits on its connection timeout, not a sleep
            if server.poll() is not None:
                raise RuntimeError("the moto server exited at start-up")
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=0.1)
                break
            except httpx.TransportError:
                continue
        else:
            raise RuntimeError("the moto server did not start")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)
