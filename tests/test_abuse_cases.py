"""The abuse cases found by probing both services, one test each (numbered as in the report)."""

import asyncio
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from interview_api.main import build_app as build_interview_app
from interview_api.question_client import QuestionApiClient
from interview_api.recordings.service import sweep_periodically
from question_api.main import build_app as build_question_app
from shared.app import create_app, served_routes
from shared.auth import Role, require_roles
from shared.db import Database, new_id
from shared.http import RetryPolicy
from shared.settings import Settings
from shared.storage import LocalStorage
from tests.consent import CONSENT
from tests.interview_api.conftest import multipart, stored_files

KEY = "admin-key-1"
ADMIN = {"X-API-Key": KEY}


@pytest.fixture
def keyed(settings: Settings) -> Settings:
    return settings.model_copy(update={"api_keys": KEY})


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client


@pytest.fixture
async def question(keyed: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(build_question_app(keyed)):
        yield client


@pytest.fixture
async def interview(keyed: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client(build_interview_app(keyed)):
        yield client


# 1. A non-ASCII X-API-Key was a 500 (compare_digest on str) on every protected route.
async def test_1_a_non_ascii_api_key_is_401_on_both_services(
    question: httpx.AsyncClient, interview: httpx.AsyncClient
) -> None:
    for client, path in ((question, "/question-sets"), (interview, "/interviews")):
        response = await client.get(path, headers=[(b"X-API-Key", b"k\xe9y")])
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"


# 2. An offset past SQLite's 64-bit integers was a 500; every list is bounded with a clear 422.
@pytest.mark.parametrize("offset", ["9223372036854775808", "1000000001", "-1"])
async def test_2_an_out_of_range_offset_is_422_on_every_list(
    question: httpx.AsyncClient, interview: httpx.AsyncClient, offset: str
) -> None:
    lists = ["/interviews", "/invitations", "/remote-deletions", "/webhook-deliveries", "/audit"]
    for client, path in [(question, "/question-sets"), *((interview, path) for path in lists)]:
        response = await client.get(path, params={"offset": offset}, headers=ADMIN)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "offset_out_of_range"
        assert "between 0 and 1000000000" in error["message"]
    too_many = await interview.get("/interviews", params={"limit": 201}, headers=ADMIN)
    assert too_many.json()["error"]["code"] == "limit_out_of_range"


# 3. A 500 carried no X-Request-ID and said "request id unknown".
async def test_3_a_server_error_names_its_request_id_in_body_and_header(settings: Settings):
    router = APIRouter()

    @router.get("/boom", dependencies=[require_roles(Role.hr)])
    async def boom() -> None:
        raise RuntimeError("a defect")

    app = create_app(
        service="question_api", title="t", description="t", routers=[router], settings=settings
    )
    async for client in _client(app):
        response = await client.get("/boom")
        assert response.status_code == 500
        request_id = response.headers["x-request-id"]
        assert request_id and request_id in response.json()["error"]["message"]
        assert "unknown" not in response.json()["error"]["message"]
        assert "a defect" not in response.text


# 4. `.` or `..` as question_set_id made the interview API call other question API routes.
@pytest.mark.parametrize("set_id", [".", "..", "../generate", ".hidden"])
async def test_4_dot_ids_are_refused_and_never_reach_the_question_api(
    interview: httpx.AsyncClient, set_id: str
) -> None:
    response = await interview.post(
        "/start-interview", json={"question_set_id": set_id}, headers=ADMIN
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_question_set_id"


async def test_4_ids_go_to_the_question_api_as_one_encoded_path_segment(
    settings: Settings, fast_policy: RetryPolicy
) -> None:
    seen: list[bytes] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(404, json={"error": {"code": "question_set_not_found"}})

    client = QuestionApiClient.from_settings(
        settings, policy=fast_policy, transport=httpx.MockTransport(record)
    )
    for set_id in ("..", "a/b", "a?b#c"):
        with pytest.raises(Exception, match="no question set"):
            await client.fetch_question_set(set_id)
    await client.aclose()
    assert seen == [b"/question-sets/%2E%2E", b"/question-sets/a%2Fb", b"/question-sets/a%3Fb%23c"]


# 5. An upload whose body stalls held its connection (and its partial file) indefinitely.
async def test_5_a_stalled_upload_is_closed_after_the_idle_timeout_leaving_nothing(
    keyed: Settings, webm: bytes
) -> None:
    settings = keyed.model_copy(update={"upload_idle_timeout_seconds": 0.05})
    app = build_interview_app(settings)
    body, headers = multipart(("file", "answer.webm", webm))
    never = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        yield body[: len(body) // 2]
        await never.wait()  # the client stops sending; the server must not wait for it

    async for client in _client(app):
        started = await client.post("/start-interview", json=CONSENT, headers=ADMIN)
        interview_id = started.json()["interview_id"]
        response = await client.post(
            f"/interviews/{interview_id}/recordings",
            content=stalls(),
            headers={**headers, **ADMIN},
        )
        assert response.status_code == 408
        assert response.json()["error"]["code"] == "upload_idle_timeout"
        assert response.headers["connection"] == "close"
        assert stored_files(settings.data_dir) == []


@pytest.fixture
def webm(recordings_source: Path) -> bytes:
    return (recordings_source / "answer.webm").read_bytes()


@pytest.fixture(scope="session")
def recordings_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.videos import make_video

    directory = tmp_path_factory.mktemp("abuse-videos")
    make_video(directory / "answer.webm", seconds=1.0, width=160, height=120)
    return directory


# 6. `.part` files (and transcript files) left by a crash were only swept at start-up.
async def test_6_a_running_service_sweeps_unfinished_uploads_periodically(
    settings: Settings,
) -> None:
    settings.data_dir.mkdir(parents=True)
    db = Database(settings.database_url_for("interview_api"))
    from interview_api.models import Base

    await db.create_all(Base.metadata)
    storage = LocalStorage(settings.data_dir)
    rounds: list[float] = []
    left = settings.data_dir / "recordings" / "interview_gone" / "abc.webm.part"
    transcript = settings.data_dir / "transcripts" / f"transcript_{new_id()}.txt"

    async def next_round(seconds: float) -> None:
        rounds.append(seconds)
        if len(rounds) == 1:  # a crash leaves a partial file while the service runs
            left.parent.mkdir(parents=True)
            left.write_bytes(b"partial")
            transcript.parent.mkdir(parents=True)
            transcript.write_text("A1: an answer whose analysis is gone\n")
            old = time.time() - 7200
            for path in (left, transcript):
                os.utime(path, (old, old))
        elif len(rounds) == 3:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await sweep_periodically(db, storage, 3600, 900, sleep=next_round)
    await db.dispose()
    assert rounds == [900, 900, 900]
    assert not left.exists()
    assert not transcript.exists()


# 8. A JSON body that is not UTF-8 was an undocumented 400 `bad_request`.
async def test_8_a_non_utf8_json_body_is_422_invalid_json(question: httpx.AsyncClient) -> None:
    response = await question.post(
        "/generate",
        content=b'{"job_description": "caf\xe9 developer with Django skills"}',
        headers={**ADMIN, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_json"


# 9. The OpenAPI specs documented no 401/403: every route documents its error answers.
def test_9_every_operation_documents_its_error_answers_in_the_error_shape(
    settings: Settings,
) -> None:
    for build in (build_question_app, build_interview_app):
        app = build(settings)
        spec = app.openapi()
        kinds = {
            (method.lower(), route.path): route.rule.kind if route.rule else None
            for route in served_routes(app)
            for method in route.methods
        }
        assert "HTTPValidationError" not in spec["components"]["schemas"]
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                statuses = set(operation["responses"])
                where = f"{method.upper()} {path}"
                assert "500" in statuses, where
                if kinds[(method, path)] == "staff":
                    assert {"401", "403"} <= statuses, where
                elif kinds[(method, path)] == "candidate":
                    assert "401" in statuses, where
                if "{" in path:
                    assert "404" in statuses, where
                for status, answer in operation["responses"].items():
                    if status[0] in "45":
                        schema = answer["content"]["application/json"]["schema"]
                        assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, where


# Found by schemathesis (scripts/fuzz_apis.sh with every check): a consent of 0 or 1 was read as
# false or true; consent must be said explicitly.
@pytest.mark.parametrize("given", [0, 1, "true", "yes"])
async def test_a_consent_that_is_not_true_or_false_is_refused(
    interview: httpx.AsyncClient, given: object
) -> None:
    response = await interview.post(
        "/start-interview",
        json={"consent": {"given": given, "notice_version": "2026-01"}},
        headers=ADMIN,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


# Found by schemathesis: the resumable-upload routes answered 412 without documenting it.
def test_every_tus_route_documents_the_412_of_a_missing_tus_version(settings: Settings) -> None:
    spec = build_interview_app(settings).openapi()
    for path, operations in spec["paths"].items():
        if path.startswith("/candidate/uploads"):
            for method, operation in operations.items():
                if method != "options":  # discovery is version-free
                    assert "412" in operation["responses"], f"{method} {path}"
