"""Resumable uploads (tus 1.0) of the candidate's answers: an answer sent in pieces, across a
dropped connection or a restart, becomes exactly one recording with identical bytes."""

import asyncio
import base64
import hashlib
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import boto3
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from interview_api.invitations.models import ResumableUpload
from interview_api.invitations.uploads import sweep_uploads
from interview_api.main import build_app
from interview_api.question_client import QuestionApiClient
from shared.db import Database
from shared.http import RetryPolicy
from shared.resumable import PartialFiles
from shared.settings import Settings
from shared.storage import LocalStorage
from tests.interview_api.conftest import QuestionSets, serve
from tests.interview_api.test_invitations import bearer, consent_and_start, invite
from tests.videos import make_video

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class Candidate:
    """A tus client with the candidate's token, speaking the protocol by hand."""

    def __init__(self, client: httpx.AsyncClient, invitation: dict[str, Any]) -> None:
        self.client = client
        self.headers = {**TUS, **bearer(invitation)}

    async def create(self, question_id: str, length: int, **extra: str) -> httpx.Response:
        return await self.client.post(
            "/candidate/uploads",
            headers={
                **self.headers,
                "Upload-Length": str(length),
                "Upload-Metadata": metadata(
                    question_id=question_id, filename="answer.webm", filetype="video/webm"
                ),
                **extra,
            },
        )

    async def location(self, question_id: str, length: int) -> str:
        created = await self.create(question_id, length)
        assert created.status_code == 201, created.text
        return created.headers["location"]

    async def head(self, location: str) -> httpx.Response:
        return await self.client.head(location, headers=self.headers)

    async def patch(self, location: str, offset: int, data: bytes, **extra: str) -> httpx.Response:
        return await self.client.patch(
            location,
            content=data,
            headers={
                **self.headers,
                "Content-Type": OCTETS,
                "Upload-Offset": str(offset),
                **extra,
            },
        )

    async def send(self, location: str, data: bytes, piece: int) -> httpx.Response:
        return await self.send_from(location, data, 0, piece)

    async def send_from(
        self, location: str, data: bytes, offset: int, piece: int
    ) -> httpx.Response:
        response = None
        for start in range(offset, len(data), piece):
            response = await self.patch(location, start, data[start : start + piece])
            assert response.status_code == 204, response.text
            assert response.headers["upload-offset"] == str(min(start + piece, len(data)))
        assert response is not None
        return response


@pytest.fixture
async def running(
    client_with_questions: httpx.AsyncClient,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any], list[str]]]:
    """An invitation whose interview has started: (client, invitation, question ids)."""
    invitation = await invite(client_with_questions)
    started = await consent_and_start(client_with_questions, invitation)
    yield client_with_questions, invitation, [q["id"] for q in started["questions"]]


async def test_discovery_names_the_protocol_and_limits(client: httpx.AsyncClient) -> None:
    response = await client.options("/candidate/uploads")
    assert response.status_code == 204
    assert response.headers["tus-resumable"] == "1.0.0"
    assert response.headers["tus-version"] == "1.0.0"
    assert set(response.headers["tus-extension"].split(",")) >= {"creation", "termination"}
    assert int(response.headers["tus-max-size"]) == 2 * 1024**3


async def test_an_answer_sent_in_pieces_becomes_one_recording(running, webm: bytes) -> None:
    client, invitation, questions = running
    candidate = Candidate(client, invitation)
    created = await candidate.create(questions[0], len(webm))
    assert created.status_code == 201
    assert created.headers["tus-resumable"] == "1.0.0"
    location = created.headers["location"]
    assert location.startswith("/candidate/uploads/")
    assert created.headers["upload-expires"].endswith("GMT")

    head = await candidate.head(location)
    assert head.status_code == 200
    assert (head.headers["upload-offset"], head.headers["upload-length"]) == ("0", str(len(webm)))
    assert head.headers["cache-control"] == "no-store"

    last = await candidate.send(location, webm, piece=5000)
    recording_id = last.headers["x-recording-id"]
    assert last.headers["tus-resumable"] == "1.0.0"

    interview = (await client.get(f"/interviews/{invitation['interview_id']}")).json()
    [recording] = interview["recordings"]
    assert recording["recording_id"] == recording_id
    assert recording["question_id"] == questions[0]
    assert recording["sha256"] == hashlib.sha256(webm).hexdigest()
    assert recording["size_bytes"] == len(webm)
    assert recording["container"] == "webm"
    assert recording["original_filename"] == "answer.webm"
    assert recording["analysis_id"]

    # The last PATCH again (its answer was lost) and HEAD both answer the same recording.
    again = await candidate.patch(location, len(webm), b"")
    assert again.status_code == 204
    assert again.headers["x-recording-id"] == recording_id
    head = await candidate.head(location)
    assert head.headers["upload-offset"] == str(len(webm))
    assert head.headers["x-recording-id"] == recording_id
    view = (await client.get("/candidate/interview", headers=bearer(invitation))).json()
    assert view["answered"] == [questions[0]]

    # A second answer to the same question is refused, at creation and at completion.
    second = await candidate.create(questions[0], len(webm))
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "answer_already_submitted"
    assert second.headers["tus-resumable"] == "1.0.0"
    interview = (await client.get(f"/interviews/{invitation['interview_id']}")).json()
    assert len(interview["recordings"]) == 1


async def test_two_uploads_racing_for_one_question_leave_one_answer(running, webm: bytes) -> None:
    client, invitation, questions = running
    candidate = Candidate(client, invitation)
    first = await candidate.location(questions[1], len(webm))
    second = await candidate.location(questions[1], len(webm))
    assert (await candidate.send(first, webm, piece=len(webm))).headers["x-recording-id"]
    late = await candidate.patch(second, 0, webm)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "answer_already_submitted"
    assert (await candidate.head(second)).status_code == 404
    interview = (await client.get(f"/interviews/{invitation['interview_id']}")).json()
    assert len(interview["recordings"]) == 1


async def test_protocol_errors_get_the_codes_tus_clients_expect(running, webm: bytes) -> None:
    client, invitation, questions = running
    candidate = Candidate(client, invitation)
    location = await candidate.location(questions[0], len(webm))
    assert (await candidate.patch(location, 0, webm[:100])).status_code == 204

    wrong_offset = await candidate.patch(location, 0, webm[:100])
    assert wrong_offset.status_code == 409
    assert wrong_offset.json()["error"]["code"] == "upload_offset_mismatch"
    assert wrong_offset.headers["upload-offset"] == "100"

    wrong_type = await candidate.patch(
        location, 100, webm[100:200], **{"Content-Type": "video/webm"}
    )
    assert wrong_type.status_code == 415
    assert wrong_type.json()["error"]["code"] == "upload_content_type"

    no_version = await client.head(location, headers=bearer(invitation))
    assert no_version.status_code == 412
    assert no_version.headers["tus-version"] == "1.0.0"
    assert no_version.headers["tus-resumable"] == "1.0.0"

    too_much = await candidate.patch(location, 100, webm[100:] + b"extra")
    assert too_much.status_code == 413
    assert too_much.json()["error"]["code"] == "upload_exceeds_length"
    assert (await candidate.head(location)).headers["upload-offset"] == "100"

    for extra, code in (
        ({"Upload-Length": "-1"}, "upload_length_invalid"),
        ({"Upload-Length": "0"}, "empty_file"),
        ({"Upload-Length": str(3 * 1024**3)}, "upload_too_large"),
        ({"Upload-Metadata": "question_id !!!"}, "upload_metadata_invalid"),
        ({"Upload-Metadata": metadata(filename="a.webm")}, "upload_metadata_invalid"),
        ({"Upload-Metadata": metadata(question_id="nope")}, "unknown_question"),
    ):
        response = await client.post(
            "/candidate/uploads", headers={**candidate.headers, "Upload-Length": "10", **extra}
        )
        assert response.json()["error"]["code"] == code, extra
        assert response.status_code in (413, 422)
        assert response.headers["tus-resumable"] == "1.0.0"

    missing = await candidate.head("/candidate/uploads/" + "0" * 32)
    assert missing.status_code == 404
    terminated = await client.delete(location, headers=candidate.headers)
    assert terminated.status_code == 204
    assert (await candidate.head(location)).status_code == 404


async def test_a_non_video_is_refused_after_its_first_bytes(running) -> None:
    client, invitation, questions = running
    candidate = Candidate(client, invitation)
    text = b"not a video at all " * 1000
    location = await candidate.location(questions[0], len(text))
    refused = await candidate.patch(location, 0, text[:8192])
    assert refused.status_code == 415
    assert refused.json()["error"]["code"] == "unsupported_media"
    assert (await candidate.head(location)).status_code == 404


async def test_uploads_need_consent_a_start_and_the_own_invitation(
    client_with_questions: httpx.AsyncClient, webm: bytes
) -> None:
    client = client_with_questions
    declined = await invite(client)
    await client.post(
        "/candidate/consent",
        json={"given": False, "notice_version": "2026-01"},
        headers=bearer(declined),
    )
    refused = await Candidate(client, declined).create("set-1-q1", len(webm))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "consent_refused"

    not_started = await invite(client)
    opened = await Candidate(client, not_started).create("set-1-q1", len(webm))
    assert opened.status_code == 403
    assert opened.json()["error"]["code"] == "consent_required"
    await client.post(
        "/candidate/consent",
        json={"given": True, "notice_version": "2026-01"},
        headers=bearer(not_started),
    )
    early = await Candidate(client, not_started).create("set-1-q1", len(webm))
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "interview_not_started"

    mine, other = await invite(client), await invite(client)
    await consent_and_start(client, mine)
    await consent_and_start(client, other)
    location = await Candidate(client, other).location("set-1-q1", len(webm))
    assert (await Candidate(client, mine).head(location)).status_code == 403  # HEAD: no body
    for response in (
        await Candidate(client, mine).patch(location, 0, webm),
        await client.delete(location, headers=Candidate(client, mine).headers),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "upload_forbidden"
    nobody = await client.patch(location, content=b"x", headers={**TUS, "Content-Type": OCTETS})
    assert nobody.status_code == 401
    assert nobody.json()["error"]["code"] == "invitation_token_invalid"
    assert nobody.headers["tus-resumable"] == "1.0.0"


async def test_an_upload_survives_a_restart(
    settings: Settings, question_sets: QuestionSets, fast_policy: RetryPolicy, webm: bytes
) -> None:
    async def app_client():
        questions = QuestionApiClient.from_settings(
            settings, policy=fast_policy, transport=httpx.ASGITransport(question_sets.app())
        )
        return questions, serve(build_app(settings, question_client=questions))

    questions, running = await app_client()
    async with running as client:
        invitation = await invite(client)
        started = await consent_and_start(client, invitation)
        question = started["questions"][0]["id"]
        location = await Candidate(client, invitation).location(question, len(webm))
        assert (
            await Candidate(client, invitation).patch(location, 0, webm[:7000])
        ).status_code == 204
    await questions.aclose()

    questions, running = await app_client()
    async with running as client:
        candidate = Candidate(client, invitation)
        assert (await candidate.head(location)).headers["upload-offset"] == "7000"
        done = await candidate.patch(location, 7000, webm[7000:])
        assert done.status_code == 204
        interview = (await client.get(f"/interviews/{invitation['interview_id']}")).json()
    await questions.aclose()
    [recording] = interview["recordings"]
    assert recording["recording_id"] == done.headers["x-recording-id"]
    assert recording["sha256"] == hashlib.sha256(webm).hexdigest()


async def test_unfinished_uploads_expire_and_are_swept(running, settings: Settings, webm) -> None:
    client, invitation, questions = running
    candidate = Candidate(client, invitation)
    location = await candidate.location(questions[0], len(webm))
    assert (await candidate.patch(location, 0, webm[:5000])).status_code == 204
    upload_id = location.rsplit("/", 1)[-1]
    partials = PartialFiles(settings.data_dir / "uploads")
    assert partials.path(upload_id).stat().st_size == 5000
    db = Database(settings.database_url_for("interview_api"))
    try:
        async with db.session() as session:
            row = await session.get(ResumableUpload, upload_id)
            assert row is not None
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        assert (await candidate.head(location)).status_code == 410
        expired = await candidate.patch(location, 5000, webm[5000:])
        assert expired.status_code == 410
        assert expired.json()["error"]["code"] == "upload_expired"
        orphan = partials.path("f" * 32)
        orphan.write_bytes(b"left by a crash")
        assert (
            await sweep_uploads(db, LocalStorage(settings.data_dir), partials, datetime.now(UTC))
            == 2
        )
    finally:
        await db.dispose()
    assert not partials.path(upload_id).exists()
    assert not orphan.exists()
    assert (await candidate.head(location)).status_code == 404
    # the question can still be answered with a new upload
    again = await candidate.location(questions[0], len(webm))
    assert (await candidate.send(again, webm, piece=len(webm))).headers["x-recording-id"]


async def test_erasing_the_interview_takes_its_unfinished_uploads(
    running, settings: Settings, webm: bytes
) -> None:
    client, invitation, questions = running
    candidate = Candidate(client, invitation)
    location = await candidate.location(questions[0], len(webm))
    assert (await candidate.patch(location, 0, webm[:5000])).status_code == 204
    assert partial_path(settings, location).exists()
    assert (await client.delete(f"/interviews/{invitation['interview_id']}")).status_code == 204
    gone = await candidate.patch(location, 5000, webm[5000:])
    assert gone.status_code == 401  # the invitation went with its interview
    db = Database(settings.database_url_for("interview_api"))
    try:
        partials = PartialFiles(settings.data_dir / "uploads")
        await sweep_uploads(db, LocalStorage(settings.data_dir), partials, datetime.now(UTC))
    finally:
        await db.dispose()
    assert not partial_path(settings, location).exists()


async def test_staff_keys_guard_staff_routes_not_the_candidate_api(
    settings: Settings, question_sets: QuestionSets, fast_policy: RetryPolicy, webm: bytes
) -> None:
    settings.api_keys = "staff-key"
    questions = QuestionApiClient.from_settings(
        settings, policy=fast_policy, transport=httpx.ASGITransport(question_sets.app())
    )
    async with serve(build_app(settings, question_client=questions)) as client:
        refused = await client.post(
            "/invitations", json={"question_set_id": "set-1", "candidate": {"name": "A"}}
        )
        assert refused.status_code == 401
        client.headers["X-API-Key"] = "staff-key"
        invitation = await invite(client)
        del client.headers["X-API-Key"]
        started = await consent_and_start(client, invitation)
        candidate = Candidate(client, invitation)
        location = await candidate.location(started["questions"][0]["id"], len(webm))
        done = await candidate.send(location, webm, piece=len(webm))
        assert done.headers["x-recording-id"]
        ended = await client.post("/candidate/end", headers=bearer(invitation))
        assert ended.json()["status"] == "completed"
    await questions.aclose()


def partial_path(settings: Settings, location: str) -> Path:
    return PartialFiles(settings.data_dir / "uploads").path(location.rsplit("/", 1)[-1])


@asynccontextmanager
async def real_server(app: FastAPI) -> AsyncIterator[tuple[str, int]]:
    """The app behind a real uvicorn HTTP server on a free 127.0.0.1 port, in this loop."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    try:
        yield "127.0.0.1", port
    finally:
        await server.shutdown(sockets=[sock])


async def test_a_dropped_connection_keeps_the_bytes_and_the_upload_resumes(
    settings: Settings, question_sets: QuestionSets, fast_policy: RetryPolicy, tmp_path: Path
) -> None:
    # A real recording followed by 3 MiB more: big enough to arrive over many reads.
    video = make_video(tmp_path / "a.webm", seconds=2.0).read_bytes() + os.urandom(3 * 1024**2)
    questions = QuestionApiClient.from_settings(
        settings, policy=fast_policy, transport=httpx.ASGITransport(question_sets.app())
    )
    app = build_app(settings, question_client=questions)
    async with (
        real_server(app) as (host, port),
        httpx.AsyncClient(base_url=f"http://{host}:{port}") as client,
    ):
        invitation = await invite(client)
        started = await consent_and_start(client, invitation)
        candidate = Candidate(client, invitation)
        location = await candidate.location(started["questions"][0]["id"], len(video))
        partial = partial_path(settings, location)

        # The PATCH announces every byte, sends a part of them, and the network goes away.
        _, writer = await asyncio.open_connection(host, port)
        head = (
            f"PATCH {location} HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: {candidate.headers['Authorization']}\r\n"
            f"Tus-Resumable: 1.0.0\r\nContent-Type: {OCTETS}\r\nUpload-Offset: 0\r\n"
            f"Content-Length: {len(video)}\r\n\r\n"
        )
        writer.write(head.encode())
        sent = 0
        while sent < 2 * 1024**2:
            writer.write(video[sent : sent + 64 * 1024])
            sent += 64 * 1024
            await writer.drain()
        while not partial.exists() or partial.stat().st_size == 0:
            await asyncio.sleep(0)  # let the server write its first batch
        writer.transport.abort()  # the connection drops: no more bytes, no clean end

        # The server keeps what it received: HEAD reports it once the dropped request is done.
        offset = 0
        for _ in range(10_000):
            offset = int((await candidate.head(location)).headers["upload-offset"])
            if offset:
                break
        assert 0 < offset <= sent
        assert partial.read_bytes() == video[:offset]

        done = await candidate.patch(location, offset, video[offset:])
        assert done.status_code == 204, done.text
        interview = (await client.get(f"/interviews/{invitation['interview_id']}")).json()
    await questions.aclose()
    [recording] = interview["recordings"]
    assert recording["recording_id"] == done.headers["x-recording-id"]
    assert recording["sha256"] == hashlib.sha256(video).hexdigest()
    assert recording["size_bytes"] == len(video)
    assert not partial_path(settings, location).exists()


@pytest.fixture
def s3_settings(settings: Settings, s3_endpoint: str) -> Settings:
    return settings.model_copy(
        update={
            "storage_url": f"s3://answers-{uuid4().hex[:8]}/data",
            "s3_endpoint_url": s3_endpoint,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": SecretStr("testing"),
            "s3_create_bucket": True,
            "s3_part_size": 5 * 1024**2,
        }
    )


async def test_on_s3_the_pieces_become_a_multipart_upload_as_they_arrive(
    s3_settings: Settings, question_sets: QuestionSets, fast_policy: RetryPolicy, tmp_path: Path
) -> None:
    video = make_video(tmp_path / "a.webm", seconds=2.0).read_bytes() + os.urandom(12 * 1024**2)
    assert s3_settings.storage_url is not None
    bucket = s3_settings.storage_url.removeprefix("s3://").split("/", 1)[0]
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_settings.s3_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    questions = QuestionApiClient.from_settings(
        s3_settings, policy=fast_policy, transport=httpx.ASGITransport(question_sets.app())
    )
    async with serve(build_app(s3_settings, question_client=questions)) as client:
        invitation = await invite(client)
        started = await consent_and_start(client, invitation)
        candidate = Candidate(client, invitation)
        ids = [q["id"] for q in started["questions"]]

        # An upload dropped half-way leaves no parts behind.
        dropped = await candidate.location(ids[1], len(video))
        assert (await candidate.patch(dropped, 0, video[: 6 * 1024**2])).status_code == 204
        assert len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])) == 1
        assert (await client.delete(dropped, headers=candidate.headers)).status_code == 204
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []

        location = await candidate.location(ids[0], len(video))
        piece = 3 * 1024**2
        for start in range(0, 2 * piece, piece):
            assert (
                await candidate.patch(location, start, video[start : start + piece])
            ).status_code == 204
        [upload] = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
        parts = s3.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        assert [p["Size"] for p in parts["Parts"]] == [5 * 1024**2]  # sent while arriving

        last = await candidate.send_from(location, video, 2 * piece, piece)
        interview = (await client.get(f"/interviews/{invitation['interview_id']}")).json()
    await questions.aclose()
    [recording] = interview["recordings"]
    assert recording["recording_id"] == last.headers["x-recording-id"]
    assert recording["sha256"] == hashlib.sha256(video).hexdigest()
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    stored = s3.get_object(Bucket=bucket, Key=upload["Key"])
    assert hashlib.sha256(stored["Body"].read()).hexdigest() == recording["sha256"]
    assert not list((s3_settings.data_dir / "uploads").glob("*.part"))
