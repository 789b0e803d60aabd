"""Analysis latency beyond the slowest provider: `python -m benchmarks.latency [--runs 5]`.

Starts the interview API (with its embedded worker) in its own process, against stand-ins for
Twelve Labs and Interhuman that speak their wire format with fixed latencies: a Twelve Labs asset
is ready 2 s after its upload and `/analyze` takes 1 s; an Interhuman job ends 3 s after its
upload, and a job request that asks to be held (`wait_seconds`) is answered when the job ends.
Uploads a short recording several times and measures, from the upload's answer to the moment
`GET /analyses/{id}` shows a final status, how much longer it took than the slowest provider
needed (the baseline, measured in the same run from the stand-ins' own clocks: from the asset's
or job's creation to its last answer). Also prints the requests each provider received per job
and per second. Nothing is asserted.
"""

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.settings import Settings
from tests.analysis.fakes.interhuman import FakeInterhuman
from tests.analysis.fakes.twelvelabs import FakeTwelveLabs
from tests.multiprocess.processes import free_port
from tests.multiprocess.standins import serve_standin
from tests.videos import make_video

ASSET_READY_SECONDS = 2.0
ANALYZE_SECONDS = 1.0
JOB_SECONDS = 3.0


@dataclass
class Timeline:
    """When each remote object was created and last answered, and every request, per job."""

    created: dict[str, float] = field(default_factory=dict)
    finished: dict[str, float] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)

    def needed(self, key: str) -> float:
        return self.finished[key] - self.created[key]


class TimedTwelveLabs:
    """The Twelve Labs fake, with an asset that is ready `ASSET_READY_SECONDS` after its upload
    and an `/analyze` that takes `ANALYZE_SECONDS`."""

    def __init__(self) -> None:
        self.fake = FakeTwelveLabs(processing_polls=None)  # ready only when the clock says so
        self.timeline = Timeline()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        parts = [part for part in request.url.path.split("/") if part][1:]  # after /v1.3
        asset_id = parts[1] if len(parts) == 2 and parts[0] == "assets" else None
        if asset_id and (created := self.timeline.created.get(asset_id)) is not None:
            self.timeline.requests[asset_id] += 1
            if time.monotonic() - created >= ASSET_READY_SECONDS:
                self.fake.assets[asset_id].record["status"] = "ready"
        if parts == ["analyze"]:
            await asyncio.sleep(ANALYZE_SECONDS)
        response = self.fake.handler(request)
        if parts == ["assets"] and request.method == "POST" and response.status_code == 201:
            new_id = response.json()["_id"]
            self.timeline.created[new_id] = time.monotonic()
            self.timeline.requests[new_id] += 1
        if parts == ["analyze"]:
            analysed = self.fake.analyze_bodies[-1]["video"]["asset_id"]
            self.timeline.requests[analysed] += 1
            self.timeline.finished[analysed] = time.monotonic()
        return response


class TimedInterhuman:
    """The Interhuman fake, with jobs that end `JOB_SECONDS` after their upload; a job request
    with `wait_seconds` is held until then (or until the wait is over)."""

    def __init__(self) -> None:
        self.fake = FakeInterhuman(polls_until_done=10**9)  # running until the clock says not
        self.timeline = Timeline()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        parts = [part for part in request.url.path.split("/") if part]
        job_id = parts[3] if parts[:3] == ["v2", "upload", "jobs"] and len(parts) == 4 else None
        if job_id and (created := self.timeline.created.get(job_id)) is not None:
            self.timeline.requests[job_id] += 1
            hold = float(request.url.params.get("wait_seconds") or 0)
            left = created + JOB_SECONDS - time.monotonic()
            if left > 0 and hold > 0:
                await asyncio.sleep(min(hold, left))
            if time.monotonic() - created >= JOB_SECONDS:
                self.fake.jobs[job_id].polls_until_done = 0
        response = await self.fake.handler(request)
        if parts == ["v2", "upload", "analyze"] and response.status_code == 202:
            new_id = response.json()["job_id"]
            self.timeline.created[new_id] = time.monotonic()
            self.timeline.requests[new_id] += 1
        if job_id and response.json().get("status") == "completed":
            self.timeline.finished[job_id] = time.monotonic()
        return response


async def one_analysis(client: httpx.AsyncClient, recording: Path) -> tuple[float, float]:
    """Seconds from the upload's answer to a final status, and until the job left the queue."""
    interview = (await client.post("/start-interview")).json()["interview_id"]
    with recording.open("rb") as handle:
        answer = await client.post(
            f"/interviews/{interview}/recordings", files={"file": ("a.webm", handle, "video/webm")}
        )
    answered = time.monotonic()
    answer.raise_for_status()
    analysis_id = answer.json()["analysis_id"]
    claimed: float | None = None
    while True:
        status = (await client.get(f"/analyses/{analysis_id}")).json()["status"]
        if status != "queued" and claimed is None:
            claimed = time.monotonic() - answered
        if status not in ("queued", "running"):
            if status != "succeeded":
                raise RuntimeError(f"analysis {analysis_id} ended {status}")
            assert claimed is not None
            return time.monotonic() - answered, claimed
        await asyncio.sleep(0.01)


async def measure(base: str, recording: Path, runs: int) -> list[tuple[float, float]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for _ in range(200):
            try:
                if (await client.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        return [await one_analysis(client, recording) for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    twelvelabs, interhuman = TimedTwelveLabs(), TimedInterhuman()
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_standin(twelvelabs.handler) as tl_standin,
        serve_standin(interhuman.handler) as ih_standin,
    ):
        folder = Path(tmp)
        recording = make_video(folder / "answer.webm", seconds=4.0)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
        env.update(
            DATA_DIR=str(folder / "data"),
            RUN_WORKER_IN_API="true",
            LOG_LEVEL="WARNING",
            TWELVELABS_API_KEY=twelvelabs.fake.api_key,
            TWELVELABS_BASE_URL=tl_standin.url + httpx.URL(twelvelabs.fake.base_url).path,
            INTERHUMAN_API_KEY=interhuman.fake.api_key,
            INTERHUMAN_BASE_URL=ih_standin.url,
        )
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "uvicorn", "interview_api.main:app", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            timings = asyncio.run(measure(f"http://127.0.0.1:{port}", recording, args.runs))
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(folder / "data", ignore_errors=True)

    totals = [total for total, _ in timings]
    queued = [claimed for _, claimed in timings]
    tl, ih = twelvelabs.timeline, interhuman.timeline
    slowest = [
        max(tl.needed(asset), ih.needed(job))
        for asset, job in zip(sorted(tl.finished), sorted(ih.finished), strict=True)
    ]
    beyond = [total - need for total, need in zip(totals, slowest, strict=True)]
    print(f"{args.runs} analyses of a 4 s recording (fixed stand-in latencies)")
    print(
        f"slowest provider needed (baseline):       median {statistics.median(slowest):.2f} s"
        f" (Twelve Labs {ASSET_READY_SECONDS:.0f} s + {ANALYZE_SECONDS:.0f} s, Interhuman"
        f" {JOB_SECONDS:.0f} s)"
    )
    print(f"upload answer -> final status:            median {statistics.median(totals):.2f} s")
    print(
        f"beyond the slowest provider:              median {statistics.median(beyond):.2f} s "
        f"(min {min(beyond):.2f}, max {max(beyond):.2f})"
    )
    print(
        f"  of which queued before a worker took it: median {statistics.median(queued):.2f} s "
        f"(max {max(queued):.2f})"
    )
    working = [extra - wait for extra, wait in zip(beyond, queued, strict=True)]
    print(f"  beyond it once a worker has the job:    median {statistics.median(working):.2f} s")
    for name, timeline in (("Twelve Labs", tl), ("Interhuman", ih)):
        per_job = [timeline.requests[key] for key in timeline.finished]
        rates = [timeline.requests[key] / timeline.needed(key) for key in timeline.finished]
        print(
            f"{name} requests per job: median {statistics.median(per_job):.0f} "
            f"(upload, status, analysis), at most {max(rates):.2f} per second"
        )


if __name__ == "__main__":
    main()
