"""Fixtures for the interview API: a running app with an async client, and test recordings."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from interview_api.main import build_app
from interview_api.question_client import QuestionApiClient
from question_api.main import build_app as build_question_app
from shared.http import RetryPolicy
from shared.serve import main as cli
from shared.settings import Settings, get_settings
from tests.consent import CONSENT
from tests.videos import make_video


@asynccontextmanager
async def serve(app: FastAPI, **transport: bool) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app (its lifespan included) and give a client that talks to it in-process."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app, **transport),  # type: ignore[arg-type]
            base_url="http://interview-api",
        ) as client,
    ):
        yield client


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(build_app(settings)) as client:
        yield client


@pytest.fixture
async def interview_id(client: httpx.AsyncClient) -> str:
    response = await client.post("/start-interview", json={**CONSENT, "candidate_id": "cand-1"})
    assert response.status_code == 201
    return str(response.json()["interview_id"])


@pytest.fixture(scope="session")
def recordings_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Short real recordings, made once per test run."""
    directory = tmp_path_factory.mktemp("videos")
    for container in ("webm", "mp4", "mkv", "mov", "avi", "ts"):
        make_video(directory / f"answer.{container}", seconds=1.0, width=160, height=120)
    return directory


@pytest.fixture
def webm(recordings_source: Path) -> bytes:
    return (recordings_source / "answer.webm").read_bytes()


@pytest.fixture
def mp4(recordings_source: Path) -> bytes:
    return (recordings_source / "answer.mp4").read_bytes()


def stored_files(data_dir: Path) -> list[Path]:
    """Every file under the recordings directory, temporary ones included."""
    root = data_dir / "recordings"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


BOUNDARY = "interview-test-boundary"


async def retention_dry_run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    settings: Settings,
    **env: str,
) -> str:
    """What `retention --dry-run` prints, run as its command with these settings (and `env`)."""
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    with pytest.raises(SystemExit) as exited:  # the command runs its own event loop
        await asyncio.to_thread(cli, ["retention", "--dry-run"])
    get_settings.cache_clear()
    assert exited.value.code == 0
    return capsys.readouterr().out


def multipart(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body with the parts in exactly this order: (name, filename, data)."""
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            body += b"Content-Type: application/octet-stream\r\n"
        body += b"\r\n" + data + b"\r\n"
    body += f"--{BOUNDARY}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


async def chunked(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """`data` as a streamed body without a Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


class QuestionSets:
    """A stand-in for the question API's `GET /question-sets/{id}`: the documented shape."""

    def __init__(self) -> None:
        self.sets: dict[str, list[dict[str, object]]] = {}
        # a set's `compliance` as the question API answers it; absent: the global settings
        self.compliance: dict[str, dict[str, object]] = {}
        self.api_keys_seen: list[str | None] = []

    def add(self, set_id: str, statuses: list[str]) -> None:
        self.sets[set_id] = [
            {
                "id": f"{set_id}-q{position}",
                "position": position,
                "text": f"Question {position} of {set_id}?",
                "type": "technical" if position < len(statuses) else "hr",
                "subtype": "tech_stack" if position < len(statuses) else "general",
                "competency": "Django ORM",
                "expected_points": ["a point", "another point"],
                "status": status,
            }
            for position, status in enumerate(statuses, start=1)
        ]

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/question-sets/{set_id}")
        async def get_set(set_id: str, request: Request) -> JSONResponse:
            self.api_keys_seen.append(request.headers.get("x-api-key"))
            if set_id not in self.sets:
                return JSONResponse(
                    {"error": {"code": "question_set_not_found", "message": "no such set"}},
                    status_code=404,
                )
            found: dict[str, object] = {
                "question_set_id": set_id,
                "status": "draft",
                "questions": self.sets[set_id],
            }
            if set_id in self.compliance:
                found["compliance"] = self.compliance[set_id]
            return JSONResponse(found)

        return app


@pytest.fixture
def question_sets() -> QuestionSets:
    sets = QuestionSets()
    sets.add("set-1", ["approved", "rejected", "approved", "pending", "approved"])
    return sets


@pytest.fixture
async def client_with_questions(
    settings: Settings, question_sets: QuestionSets, fast_policy: RetryPolicy
) -> AsyncIterator[httpx.AsyncClient]:
    """The interview API whose question client talks to the stand-in question API."""
    questions = QuestionApiClient.from_settings(
        settings, policy=fast_policy, transport=httpx.ASGITransport(question_sets.app())
    )
    async with serve(build_app(settings, question_client=questions)) as client:
        yield client
    await questions.aclose()


# The interview API against the real question API, running in-process as its transport.

JOB = "Python developer with Django, PostgreSQL and DSA skills, working in a small team."
KEY = {"X-API-Key": "shared-key"}


@dataclass
class Apis:
    questions: httpx.AsyncClient  # the HR side
    interviews: httpx.AsyncClient


@asynccontextmanager
async def both_apis(
    settings: Settings, policy: RetryPolicy, providers: list[Any] | None = None
) -> AsyncIterator[Apis]:
    """Both services, the interview API with `providers` (None: those the settings give)."""
    settings = settings.model_copy(
        update={"api_keys": "shared-key", "service_api_key": SecretStr("interview-api-key")}
    )
    question_app = build_question_app(settings)
    async with serve(question_app) as hr:
        question_client = QuestionApiClient.from_settings(
            settings, policy=policy, transport=httpx.ASGITransport(question_app)
        )
        app = build_app(settings, question_client=question_client, providers=providers)
        try:
            async with serve(app) as interviews:
                yield Apis(hr, interviews)
        finally:
            await question_client.aclose()


@pytest.fixture
async def apis(settings: Settings, fast_policy: RetryPolicy) -> AsyncIterator[Apis]:
    async with both_apis(settings, fast_policy) as both:
        yield both


async def generate(hr: httpx.AsyncClient) -> dict[str, Any]:
    response = await hr.post("/generate", json={"job_description": JOB}, headers=KEY)
    assert response.status_code == 201, response.text
    generated: dict[str, Any] = response.json()
    return generated
