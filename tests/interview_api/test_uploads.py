"""Recording uploads: stored byte for byte, refused clearly when they are not a video."""

import asyncio
import hashlib
import random
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from interview_api.main import build_app
from interview_api.recordings.streaming import BATCH_BYTES
from shared.settings import Settings
from tests.interview_api.conftest import (
    BOUNDARY,
    chunked,
    multipart,
    serve,
    stored_files,
)
from tests.videos import make_text_file


def upload_url(interview_id: str) -> str:
    return f"/interviews/{interview_id}/recordings"


async def upload(
    client: httpx.AsyncClient,
    interview_id: str,
    data: bytes,
    filename: str = "answer.webm",
    **fields: str,
) -> httpx.Response:
    return await client.post(
        upload_url(interview_id),
        files={"file": (filename, data, "video/webm")},
        data=fields or None,
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("container", ["webm", "mp4"])
async def test_a_video_is_stored_byte_for_byte(
    client: httpx.AsyncClient,
    interview_id: str,
    data_dir: Path,
    container: str,
    webm: bytes,
    mp4: bytes,
) -> None:
    video = {"webm": webm, "mp4": mp4}[container]
    response = await upload(client, interview_id, video, filename=f"answer.{container}")

    assert response.status_code == 202
    body = response.json()
    assert body["interview_id"] == interview_id
    assert body["size_bytes"] == len(video)
    assert body["sha256"] == sha(video)
    assert body["container"] == container
    assert body["status"] == "queued"
    assert body["analysis_id"]  # every upload becomes an analysis job
    assert body["question_id"] is None
    assert body["original_filename"] == f"answer.{container}"
    [stored] = stored_files(data_dir)
    assert stored == (
        data_dir
        / "recordings"
        / f"interview_{interview_id}"
        / f"{body['recording_id']}.{container}"
    )
    assert sha(stored.read_bytes()) == sha(video)

    interview = (await client.get(f"/interviews/{interview_id}")).json()
    assert [r["recording_id"] for r in interview["recordings"]] == [body["recording_id"]]


async def test_the_container_comes_from_the_bytes_not_the_name(
    client: httpx.AsyncClient, interview_id: str, mp4: bytes
) -> None:
    response = await upload(client, interview_id, mp4, filename="answer.webm")
    assert response.status_code == 202
    assert response.json()["container"] == "mp4"


async def test_question_id_before_or_after_the_file_part(
    client_with_questions: httpx.AsyncClient, webm: bytes
) -> None:
    client = client_with_questions
    started = (await client.post("/start-interview", json={"question_set_id": "set-1"})).json()
    first, second = started["questions"][0], started["questions"][1]
    url = upload_url(started["interview_id"])

    before, headers = multipart(
        ("question_id", None, first["id"].encode()), ("file", "a.webm", webm)
    )
    after, _ = multipart(("file", "b.webm", webm), ("question_id", None, second["id"].encode()))
    for body, question in ((before, first), (after, second)):
        response = await client.post(url, content=body, headers=headers)
        assert response.status_code == 202
        assert response.json()["question_id"] == question["id"]
        assert response.json()["question_text"] == question["text"]


async def test_an_unknown_question_is_refused(
    client_with_questions: httpx.AsyncClient, webm: bytes, data_dir: Path
) -> None:
    client = client_with_questions
    started = (await client.post("/start-interview", json={"question_set_id": "set-1"})).json()
    response = await upload(client, started["interview_id"], webm, question_id="set-1-q2")
    assert response.status_code == 422  # q2 was rejected: not in the interview
    assert response.json()["error"]["code"] == "unknown_question"
    assert stored_files(data_dir) == []


async def test_an_unknown_interview_is_404(client: httpx.AsyncClient, webm: bytes) -> None:
    response = await upload(client, "no-such-interview", webm)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "interview_not_found"


async def test_uploads_are_accepted_after_the_interview_ended(
    client: httpx.AsyncClient, interview_id: str, webm: bytes
) -> None:
    await client.post("/end-interview", json={"interview_id": interview_id})
    response = await upload(client, interview_id, webm)
    assert response.status_code == 202
    ended = await client.post("/end-interview", json={"interview_id": interview_id})
    assert [r["recording_id"] for r in ended.json()["recordings"]] == [
        response.json()["recording_id"]
    ]


@pytest.fixture
async def small_cap_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(build_app(settings.model_copy(update={"max_upload_bytes": 4096}))) as client:
        yield client


async def test_an_upload_over_the_limit_gets_413_and_leaves_no_file(
    small_cap_client: httpx.AsyncClient, data_dir: Path, webm: bytes
) -> None:
    client = small_cap_client
    interview_id = (await client.post("/start-interview")).json()["interview_id"]
    big = webm * (1 + 200_000 // len(webm))
    declared = await upload(client, interview_id, big)  # refused from Content-Length alone
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "upload_too_large"
    assert "MAX_UPLOAD_BYTES" in declared.json()["error"]["message"]

    body, headers = multipart(("file", "big.webm", big))
    streamed = await client.post(upload_url(interview_id), content=chunked(body), headers=headers)
    assert streamed.status_code == 413  # no Content-Length: cut off while streaming

    just_over, _ = multipart(("file", "a.webm", webm[:4097]))
    within_header_allowance = await client.post(
        upload_url(interview_id), content=just_over, headers=headers
    )
    assert within_header_allowance.status_code == 413
    assert stored_files(data_dir) == []

    at_limit, _ = multipart(("file", "a.webm", webm[:4096]))
    assert (
        await client.post(upload_url(interview_id), content=at_limit, headers=headers)
    ).status_code == 202


async def test_an_empty_file_is_422(
    client: httpx.AsyncClient, interview_id: str, data_dir: Path
) -> None:
    response = await upload(client, interview_id, b"")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "empty_file"
    assert stored_files(data_dir) == []


async def test_a_text_file_renamed_mp4_is_415(
    client: httpx.AsyncClient, interview_id: str, data_dir: Path, tmp_path: Path
) -> None:
    text = make_text_file(tmp_path / "notes.mp4").read_bytes()
    response = await client.post(
        upload_url(interview_id), files={"file": ("notes.mp4", text, "video/mp4")}
    )
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media"
    assert stored_files(data_dir) == []


@pytest.mark.parametrize("cut", [3, 11])
async def test_a_truncated_header_is_415(
    client: httpx.AsyncClient, interview_id: str, data_dir: Path, webm: bytes, mp4: bytes, cut: int
) -> None:
    for video in (webm, mp4):
        response = await upload(client, interview_id, video[:cut])
        assert response.status_code == 415, video[:cut]
        assert response.json()["error"]["code"] == "unsupported_media"
    assert stored_files(data_dir) == []


async def test_a_large_non_video_is_refused_before_it_is_all_sent(
    client: httpx.AsyncClient, interview_id: str, data_dir: Path
) -> None:
    sent = 0

    async def endless_text() -> AsyncIterator[bytes]:
        nonlocal sent
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="x.mp4"\r\n\r\n'
        ).encode()
        while sent < 50_000_000:
            sent += 65536
            yield b"not a video " * 5461 + b"....."

    response = await client.post(
        upload_url(interview_id),
        content=endless_text(),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 415
    assert sent < 1_000_000
    assert stored_files(data_dir) == []


async def test_a_path_in_the_filename_never_becomes_a_path(
    client: httpx.AsyncClient, interview_id: str, data_dir: Path, tmp_path: Path, webm: bytes
) -> None:
    response = await upload(client, interview_id, webm, filename="../../etc/passwd")
    assert response.status_code == 202
    body = response.json()
    assert body["original_filename"] == "passwd"
    [stored] = stored_files(data_dir)
    assert stored.parent == data_dir / "recordings" / f"interview_{interview_id}"
    assert stored.name == f"{body['recording_id']}.webm"
    assert sorted(p.name for p in tmp_path.rglob("passwd")) == []


async def test_malformed_forms_get_clear_codes(
    client: httpx.AsyncClient, interview_id: str, data_dir: Path, webm: bytes
) -> None:
    url = upload_url(interview_id)
    no_file, headers = multipart(("question_id", None, b"q1"))
    missing = await client.post(url, content=no_file, headers=headers)
    assert (missing.status_code, missing.json()["error"]["code"]) == (422, "file_missing")

    wrong_field, _ = multipart(("video", "a.webm", webm))
    misnamed = await client.post(url, content=wrong_field, headers=headers)
    assert (misnamed.status_code, misnamed.json()["error"]["code"]) == (
        422,
        "unexpected_file_field",
    )

    whole, _ = multipart(("file", "a.webm", webm))
    cut = await client.post(url, content=whole[: len(whole) // 2], headers=headers)
    assert (cut.status_code, cut.json()["error"]["code"]) == (422, "invalid_multipart")

    as_json = await client.post(url, json={"file": "data"})
    assert (as_json.status_code, as_json.json()["error"]["code"]) == (415, "multipart_required")

    raw = await client.post(url, content=webm, headers={"content-type": "video/webm"})
    assert (raw.status_code, raw.json()["error"]["code"]) == (415, "multipart_required")
    assert stored_files(data_dir) == []


async def test_the_same_bytes_again_return_the_same_recording(
    client_with_questions: httpx.AsyncClient, data_dir: Path, webm: bytes
) -> None:
    client = client_with_questions
    started = (await client.post("/start-interview", json={"question_set_id": "set-1"})).json()
    interview_id, question = started["interview_id"], started["questions"][0]["id"]

    first = await upload(client, interview_id, webm, question_id=question)
    again = await upload(client, interview_id, webm, filename="retry.webm", question_id=question)
    assert first.status_code == 202
    assert again.status_code == 200
    # the same recording; only its analysis may have moved on (queued, running...) meanwhile
    live = {"status"}
    assert {k: v for k, v in again.json().items() if k not in live} == {
        k: v for k, v in first.json().items() if k not in live
    }
    assert len(stored_files(data_dir)) == 1

    other_question = started["questions"][1]["id"]
    elsewhere = await upload(client, interview_id, webm, question_id=other_question)
    assert elsewhere.status_code == 202
    assert elsewhere.json()["recording_id"] != first.json()["recording_id"]
    assert len(stored_files(data_dir)) == 2


async def test_two_identical_uploads_at_once_store_one_recording(
    client: httpx.AsyncClient, interview_id: str, data_dir: Path, webm: bytes
) -> None:
    body, headers = multipart(("file", "a.webm", webm))
    responses = await asyncio.gather(
        *(
            client.post(upload_url(interview_id), content=chunked(body, 1024), headers=headers)
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in responses) in ([200, 202], [202, 200])
    assert len({r.json()["recording_id"] for r in responses}) == 1
    assert len(stored_files(data_dir)) == 1


async def test_twenty_concurrent_uploads_are_all_stored_intact(
    client: httpx.AsyncClient, interview_id: str, data_dir: Path, webm: bytes
) -> None:
    videos = [webm + bytes([i]) * (1000 + i) for i in range(20)]
    responses = await asyncio.gather(
        *(
            client.post(
                upload_url(interview_id),
                content=chunked(multipart(("file", f"{i}.webm", video))[0], 8192),
                headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
            for i, video in enumerate(videos)
        )
    )
    assert [r.status_code for r in responses] == [202] * 20
    directory = data_dir / "recordings" / f"interview_{interview_id}"
    for video, response in zip(videos, responses, strict=True):
        body = response.json()
        assert body["sha256"] == sha(video)
        assert (directory / f"{body['recording_id']}.webm").read_bytes() == video
    assert len(stored_files(data_dir)) == 20
    listed = (await client.get(f"/interviews/{interview_id}")).json()["recordings"]
    assert len(listed) == 20


async def test_a_big_upload_streams_with_bounded_memory(
    client: httpx.AsyncClient, interview_id: str, data_dir: Path, webm: bytes
) -> None:
    size = 48 * 1024 * 1024
    expected = hashlib.sha256()
    rng = random.Random(7)

    async def body() -> AsyncIterator[bytes]:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.webm"\r\n\r\n'
        ).encode()
        head = webm[:4096]
        expected.update(head)
        yield head
        sent = len(head)
        while sent < size:
            chunk = rng.randbytes(min(256 * 1024, size - sent))
            expected.update(chunk)
            sent += len(chunk)
            yield chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    tracemalloc.start()
    try:
        response = await client.post(
            upload_url(interview_id),
            content=body(),
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 202
    assert response.json()["size_bytes"] == size
    assert response.json()["sha256"] == expected.hexdigest()
    # a few batches of a fixed size (written, waiting, filling) and the request's chunks
    assert peak < 8 * BATCH_BYTES, f"peak traced memory {peak} bytes"
    [stored] = stored_files(data_dir)
    assert stored.stat().st_size == size


async def test_an_interview_whose_candidate_refused_consent_takes_no_recording(
    client: httpx.AsyncClient, webm: bytes, data_dir: Path
) -> None:
    started = await client.post(
        "/start-interview", json={"consent": {"given": False, "notice_version": "2026-01"}}
    )
    interview_id = started.json()["interview_id"]

    response = await client.post(
        f"/interviews/{interview_id}/recordings", files={"file": ("a.webm", webm, "video/webm")}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "consent_refused"
    assert not (data_dir / "recordings").exists() or not any((data_dir / "recordings").rglob("*"))
