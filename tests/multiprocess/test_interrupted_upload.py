"""A worker killed while it sends a video to Interhuman, on PostgreSQL with real processes.

Interhuman offers no way to find an upload again (no idempotency key, client reference or job
listing), so the worker that takes the job over cannot tell whether the killed one's upload
created a job. The promise is not "no duplicate" but "no silent one": the video is sent again,
and the analysis says that Interhuman may hold one more copy.
"""

import asyncio
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analysis.fakes.interhuman import FakeInterhuman
from tests.multiprocess.processes import Children, free_port
from tests.multiprocess.standins import serve_standin
from tests.multiprocess.test_workers_and_replicas import (
    LEASE_SECONDS,
    START_SECONDS,
    Jobs,
    _environment,
    _migrate,
    _ready,
    _until,
    jobs,
)
from tests.videos import make_video

__all__ = ["jobs"]  # the fixture, shared with the fifty-uploads test

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="needs PostgreSQL (run it under scripts/with-postgres.sh)",
)


class HeldUpload:
    """The Interhuman fake, except that the first upload is accepted (its job created) and then
    held without an answer until the test lets go: the moment to kill the worker sending it."""

    def __init__(self) -> None:
        self.fake = FakeInterhuman(polls_until_done=0)
        self.received = threading.Event()
        self.release = threading.Event()
        self._held = False

    async def handler(self, request: httpx.Request) -> httpx.Response:
        answer = await self.fake.handler(request)
        if request.url.path == "/v2/upload/analyze" and not self._held:
            self._held = True
            self.received.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return answer


async def test_a_worker_killed_during_an_interhuman_upload_leaves_a_recorded_copy(
    tmp_path: Path, data_dir: Path, database_url: str, jobs: Jobs
) -> None:
    held = HeldUpload()
    video = make_video(tmp_path / "answer.webm", seconds=3.5, fps=10).read_bytes()
    with serve_standin(held.handler) as interhuman:
        env = _environment(database_url, data_dir, "http://127.0.0.1:9/unused", interhuman.url)
        env.pop("TWELVELABS_API_KEY")  # Twelve Labs skipped: the upload to Interhuman is the test
        await _migrate(env)
        port = free_port()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as api:
            with Children(tmp_path / "logs", env) as children:
                command = [sys.executable, "-m", "uvicorn", "interview_api.main:app"]
                children.start("api", [*command, "--port", str(port)], AUTO_MIGRATE="true")
                by = time.monotonic() + START_SECONDS
                await _until("the API is ready", lambda: _ready(api), children, by)
                worker_cmd = [sys.executable, "-m", "analysis.cli", "worker"]
                first = children.start("worker-1", worker_cmd)

                started = await api.post("/start-interview")
                interview_id = started.json()["interview_id"]
                answer = await api.post(
                    f"/interviews/{interview_id}/recordings",
                    files={"file": ("answer.webm", video, "video/webm")},
                )
                assert answer.status_code == 202, answer.text
                analysis_id = answer.json()["analysis_id"]

                async def upload_in_flight() -> bool:
                    return held.received.is_set()

                await _until("the upload reaches Interhuman", upload_in_flight, children, by)
                first.kill()
                held.release.set()
                children.start("worker-2", worker_cmd)

                async def final() -> dict[str, Any] | None:
                    document: dict[str, Any] = (await api.get(f"/analyses/{analysis_id}")).json()
                    return None if document["status"] in ("queued", "running") else document

                by = time.monotonic() + LEASE_SECONDS + START_SECONDS
                document = await _until("the analysis ends", final, children, by)

    assert document is not None and document["status"] == "succeeded"
    report = document["providers"]["interhuman"]
    # the killed worker's upload did create a job: there are two copies, and the step says so
    assert held.fake.jobs_created == 2
    assert report["remote_ids"] == {"job_id": "job-2", "unconfirmed_uploads": "1"}
    assert any("may hold up to 2 copies" in note for note in report["notes"])
