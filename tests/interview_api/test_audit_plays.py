"""A video played is one `played` entry in the audit trail, however the player reaches it."""

from typing import Any

import httpx

from interview_api.main import build_app
from shared.settings import Settings
from tests.consent import CONSENT
from tests.interview_api.conftest import serve
from tests.interview_api.test_s3_storage import s3_settings

__all__ = ["s3_settings"]  # the fixture: a bucket of its own on the local S3 server


async def uploaded(client: httpx.AsyncClient, webm: bytes) -> str:
    interview = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
    response = await client.post(
        f"/interviews/{interview}/recordings", files={"file": ("a.webm", webm, "video/webm")}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["recording_id"])


async def plays(client: httpx.AsyncClient) -> list[tuple[Any, Any]]:
    trail = (await client.get("/audit", params={"action": "played"})).json()["items"]
    return [(e["subject_id"], e["details"]) for e in trail]


async def test_a_presigned_link_on_s3_is_the_play(s3_settings: Settings, webm: bytes) -> None:
    async with serve(build_app(s3_settings)) as client:
        recording = await uploaded(client, webm)
        link = (await client.get(f"/recordings/{recording}/media-link")).json()
        assert link["url"].startswith("http")
        assert await plays(client) == [(recording, {"via": "media-link"})]


async def test_on_the_data_folder_the_link_plays_nothing_the_first_request_does(
    client: httpx.AsyncClient, webm: bytes
) -> None:
    recording = await uploaded(client, webm)
    assert (await client.get(f"/recordings/{recording}/media-link")).json()["url"] is None
    assert await plays(client) == []
    for played in (None, "bytes=0-1", "bytes=2000-", "bytes=0-"):
        headers = {"Range": played} if played else {}
        response = await client.get(f"/recordings/{recording}/media", headers=headers)
        assert response.status_code in (200, 206)
    # the whole file, then Safari's probe (not a play), a seek, and a second play from the start
    assert await plays(client) == [(recording, {"via": "media"})] * 2
