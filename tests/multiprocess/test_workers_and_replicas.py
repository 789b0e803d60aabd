"""Three analysis workers and two interview API replicas on one PostgreSQL, fifty uploads.

The promise: every analysis completes once, every video reaches each provider exactly
once, and a worker killed mid-run changes nothing in that outcome. The providers are the
wire-format fakes served over HTTP from this process (`standins.py`), so their counters see what
the separate processes sent; each upload's file is fingerprinted, so "exactly once" is checked
per recording, not only in total.

The run: the schema is created once; two API replicas and three workers start; fifty answers are
uploaded, alternating between the replicas; one worker is SIGKILLed while both of its jobs wait
on the providers (its leases must run out and another worker must resume them); later another
worker gets SIGTERM and must exit by itself; the last one finishes the rest.

A second run kills the worker while its Interhuman upload is in flight (the stand-in holds the
request, then accepts it): Interhuman offers no way to find an upload again, so the worker that
takes the job over sends the video again, and the outcome must be a recorded duplicate (counted
in the step's remote ids, said in its notes), never a silent one.
"""

import asyncio
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import av
import httpx
import pytest

from analysis.canonical import AnalysisStatus
from analysis.registry import SPECS
from shared.settings import Settings
from tests.analysis.fakes.interhuman import FakeInterhuman
from tests.analysis.fakes.twelvelabs import FakeTwelveLabs
from tests.multiprocess.processes import Child, Children, free_port
from tests.multiprocess.standins import serve_standin
from tests.videos import make_video

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"),
    reason="needs PostgreSQL (run it under scripts/with-postgres.sh): several processes on one "
    "SQLite file is not the production setup",
)

UPLOADS = 50
BASE_CLIPS = 5
UPLOAD_BATCH = 10
WORKERS = 3
WORKER_CONCURRENCY = 2
LEASE_SECONDS = 3
STOP_GRACE_SECONDS = 30.0  # what `AnalysisWorker.stop` gives running jobs on SIGTERM
# The stand-ins keep every video "processing" for a few polls, so a job spends most of its time
# waiting on the providers: that is where the worker gets killed.
POLL_SECONDS = 0.2
TWELVELABS_PROCESSING_POLLS = 3
INTERHUMAN_RUNNING_POLLS = 2
KILL_AFTER_SUCCEEDED = 5
TERMINATE_AFTER_SUCCEEDED = 30
START_SECONDS = 60.0  # for the processes to come up
RUN_SECONDS = 120.0  # for everything after that (a normal run needs about 30)

T = TypeVar("T")


# -- recordings ------------------------------------------------------------------------------


def _retitled(source: Path, target: Path, title: str) -> Path:
    """`source` remuxed (no re-encoding) under another title: the same answer, other bytes."""
    with av.open(str(source)) as src, av.open(str(target), "w", format="webm") as out:
        out.metadata["title"] = title
        streams = {stream.index: out.add_stream_from_template(stream) for stream in src.streams}
        for packet in src.demux():
            if packet.dts is None:  # the empty packet that ends each stream
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    return target


@pytest.fixture
def recordings(tmp_path: Path) -> list[bytes]:
    """Fifty distinct answers of 3.5 s (Interhuman refuses less than 3 s): a few clips made with
    `make_video` (about a second each), each remuxed under several titles (milliseconds)."""
    folder = tmp_path / "clips"
    videos = []
    for seed in range(BASE_CLIPS):
        base = make_video(folder / f"base-{seed}.webm", seconds=3.5, fps=10, seed=seed)
        for take in range(UPLOADS // BASE_CLIPS):
            answer = _retitled(base, folder / f"answer-{seed}-{take}.webm", f"{seed}.{take}")
            videos.append(answer.read_bytes())
    assert len({hashlib.sha256(video).hexdigest() for video in videos}) == UPLOADS
    return videos


# -- the database, as the test sees it --------------------------------------------------------


class Jobs:
    """Read-only queries on the analyses table, on the test's own connections."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def succeeded(self) -> int:
        count: int = await self.pool.fetchval(
            "SELECT count(*) FROM analyses WHERE status = $1", AnalysisStatus.SUCCEEDED.value
        )
        return count

    async def leases(self) -> set[tuple[str, str]]:
        rows = await self.pool.fetch(
            "SELECT id, lease_owner FROM analyses WHERE status = $1 AND lease_owner IS NOT NULL",
            AnalysisStatus.RUNNING.value,
        )
        return {(row["id"], row["lease_owner"]) for row in rows}

    async def running_steps(self, worker: Child) -> dict[str, dict[str, dict[str, Any]]]:
        """The worker's running analyses: analysis id -> provider -> checkpointed state."""
        rows = await self.pool.fetch(
            "SELECT a.id, s.provider, s.state FROM analyses a "
            "JOIN analysis_provider_steps s ON s.analysis_id = a.id "
            "WHERE a.status = $1 AND a.lease_owner LIKE $2",
            AnalysisStatus.RUNNING.value,
            f"%:{worker.pid}:%",  # owners are "host:pid:nonce"
        )
        steps: dict[str, dict[str, dict[str, Any]]] = {}
        for row in rows:
            steps.setdefault(row["id"], {})[row["provider"]] = row["state"] or {}
        return steps

    async def claims(self, analysis_ids: list[str]) -> dict[str, int]:
        rows = await self.pool.fetch(
            "SELECT id, claims FROM analyses WHERE id = ANY($1::text[])", analysis_ids
        )
        return {row["id"]: row["claims"] for row in rows}

    async def all(self) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.pool.fetch(
            "SELECT id, recording_id, status, completed_at, claims, lease_owner FROM analyses"
        )
        return rows


async def _json_codec(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


@pytest.fixture
async def jobs(database_url: str) -> AsyncIterator[Jobs]:
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=3, init=_json_codec)
    try:
        yield Jobs(pool)
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def _watching_leases(jobs: Jobs) -> AsyncIterator[set[tuple[str, str]]]:
    """Every (analysis, owner) lease seen while the block runs: who claimed what."""
    seen: set[tuple[str, str]] = set()

    async def watch() -> None:
        while True:
            seen.update(await jobs.leases())
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(watch())
    try:
        yield seen
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher


# -- the processes ----------------------------------------------------------------------------


def _environment(
    database_url: str, data_dir: Path, twelvelabs_url: str, interhuman_url: str
) -> dict[str, str]:
    """What every child gets: one database, one data folder, the stand-ins, quick polling.
    Settings inherited from outside the test are dropped first."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        DATABASE_URL=database_url,
        DATA_DIR=str(data_dir),
        AUTO_MIGRATE="false",
        RUN_WORKER_IN_API="false",
        LOG_FORMAT="json",
        TWELVELABS_API_KEY=FakeTwelveLabs().api_key,
        TWELVELABS_BASE_URL=twelvelabs_url,
        TWELVELABS_POLL_SECONDS=str(POLL_SECONDS),
        INTERHUMAN_API_KEY=FakeInterhuman().api_key,
        INTERHUMAN_BASE_URL=interhuman_url,
        INTERHUMAN_POLL_SECONDS=str(POLL_SECONDS),
        WORKER_CONCURRENCY=str(WORKER_CONCURRENCY),
        WORKER_LEASE_SECONDS=str(LEASE_SECONDS),
        WORKER_POLL_SECONDS="0.2",
    )
    return env


async def _migrate(env: dict[str, str]) -> bool:
    """Create the schema once with `interview-backend migrate`, when this checkout has it."""
    command = Path(sys.executable).with_name("interview-backend")
    if not command.exists():
        return False
    usage = await asyncio.to_thread(
        subprocess.run, [str(command), "--help"], env=env, capture_output=True, timeout=60
    )
    if b"migrate" not in usage.stdout:
        return False
    result = await asyncio.to_thread(
        subprocess.run, [str(command), "migrate"], env=env, capture_output=True, timeout=120
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).decode(errors="replace")
        print(
            f"`interview-backend migrate` failed ({result.returncode}); the first API creates "
            f"the schema instead. Its output ended with:\n{output[-1500:]}"
        )
        return False
    return True


async def _until(what: str, check: Callable[[], Awaitable[T]], children: Children, by: float) -> T:
    """Poll `check` until it answers something truthy; fail at the monotonic time `by`, or as
    soon as a child dies that nobody stopped."""
    while True:
        children.assert_alive()
        if answer := await check():
            return answer
        if time.monotonic() > by:
            raise AssertionError(f"{what}: not in time")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def _clients(ports: list[int]) -> AsyncIterator[list[httpx.AsyncClient]]:
    clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") for port in ports]
    try:
        yield clients
    finally:
        for client in clients:
            await client.aclose()


async def _ready(api: httpx.AsyncClient) -> bool:
    try:
        return (await api.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def _start(
    children: Children, apis: list[httpx.AsyncClient], ports: list[int], migrated: bool
) -> list[Child]:
    """The API replicas and the workers, once the schema exists; returns the workers."""
    by = time.monotonic() + START_SECONDS

    def start_api(n: int, auto_migrate: bool) -> None:
        command = [sys.executable, "-m", "uvicorn", "interview_api.main:app", "--no-access-log"]
        command += ["--host", "127.0.0.1", "--port", str(ports[n])]
        children.start(f"api-{n}", command, AUTO_MIGRATE=str(auto_migrate).lower())

    start_api(0, auto_migrate=not migrated)
    if not migrated:  # the first replica creates the schema before anyone else starts
        await _until("api-0 is ready", partial(_ready, apis[0]), children, by)
    for n in range(1, len(apis)):
        start_api(n, auto_migrate=False)
    workers = [
        children.start(f"worker-{n}", [sys.executable, "-m", "analysis.cli", "worker"])
        for n in range(WORKERS)
    ]
    for n, api in enumerate(apis):
        await _until(f"api-{n} is ready", partial(_ready, api), children, by)
    return workers


# -- uploads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Uploaded:
    recording_id: str
    analysis_id: str
    sha256: str


async def _upload(api: httpx.AsyncClient, video: bytes, number: int) -> Uploaded:
    started = await api.post("/start-interview", json={"candidate_id": f"candidate-{number}"})
    assert started.status_code == 201, started.text
    interview_id = started.json()["interview_id"]
    response = await api.post(
        f"/interviews/{interview_id}/recordings",
        files={"file": (f"answer-{number}.webm", video, "video/webm")},
    )
    assert response.status_code == 202, response.text
    recording = response.json()
    assert recording["sha256"] == hashlib.sha256(video).hexdigest()
    return Uploaded(recording["recording_id"], recording["analysis_id"], recording["sha256"])


async def _upload_all(apis: list[httpx.AsyncClient], videos: list[bytes]) -> list[Uploaded]:
    """Every video, alternating between the API replicas, a batch at a time."""
    uploaded: list[Uploaded] = []
    for start in range(0, len(videos), UPLOAD_BATCH):
        batch = range(start, min(start + UPLOAD_BATCH, len(videos)))
        uploaded += await asyncio.gather(
            *(_upload(apis[n % len(apis)], videos[n], n) for n in batch)
        )
    return uploaded


async def _final_documents(
    apis: list[httpx.AsyncClient], uploaded: list[Uploaded], children: Children, by: float
) -> dict[str, dict[str, Any]]:
    """Each analysis's document once it is final, asked of the replicas in turn."""
    pending = [item.analysis_id for item in uploaded]
    documents: dict[str, dict[str, Any]] = {}
    asked = 0

    async def all_final() -> bool:
        nonlocal asked
        while pending:
            asked += 1
            response = await apis[asked % len(apis)].get(f"/analyses/{pending[0]}")
            assert response.status_code == 200, response.text
            document: dict[str, Any] = response.json()
            if document["status"] in (AnalysisStatus.QUEUED, AnalysisStatus.RUNNING):
                return False
            documents[pending.pop(0)] = document
        return True

    await _until("every analysis is final", all_final, children, by)
    return documents


# -- the disruptions --------------------------------------------------------------------------


async def _enough_succeeded(jobs: Jobs, count: int) -> bool:
    return await jobs.succeeded() >= count


async def _waiting_on_providers(jobs: Jobs, worker: Child, interhuman: FakeInterhuman) -> list[str]:
    """The worker's analyses when it runs as many as it may and every one is waiting on the
    providers; else nothing. With both remote ids committed no upload is in flight, and an
    Interhuman job that still has a `running` answer to give cannot finish before the kill lands
    (a poll interval away): killing then is deterministic."""
    running = await jobs.running_steps(worker)
    if len(running) < WORKER_CONCURRENCY:
        return []
    for steps in running.values():
        asset_id = steps.get("twelvelabs", {}).get("asset_id")
        job_id = steps.get("interhuman", {}).get("job_id")
        job = interhuman.jobs.get(job_id) if job_id else None
        if not asset_id or job is None or job.polls >= job.polls_until_done:
            return []
    return list(running)


async def _kill_while_waiting(
    worker: Child, jobs: Jobs, interhuman: FakeInterhuman, children: Children, by: float
) -> list[str]:
    """SIGKILL the worker while its jobs wait on the providers; returns the jobs it left."""
    waiting = partial(_waiting_on_providers, jobs, worker, interhuman)
    await _until(f"{worker.name} waits on the providers", waiting, children, by)
    worker.kill()
    return list(await jobs.running_steps(worker))


@dataclass(frozen=True)
class Stopped:
    in_flight: dict[str, int]  # its analyses when SIGTERM came, with their claim counts
    seconds: float  # until it exited
    returncode: int | None
    left: list[str]  # analyses still leased to it afterwards


async def _terminate_while_busy(
    worker: Child, jobs: Jobs, children: Children, by: float
) -> Stopped:
    """SIGTERM the worker while it runs jobs, and what it did about them."""

    async def busy() -> dict[str, int]:
        return await jobs.claims(list(await jobs.running_steps(worker)))

    in_flight = await _until(f"{worker.name} runs a job", busy, children, by)
    started = time.monotonic()
    worker.terminate()

    async def exited() -> bool:
        return not worker.running()

    await _until(
        f"{worker.name} exits after SIGTERM", exited, children, started + STOP_GRACE_SECONDS + 15
    )
    seconds = time.monotonic() - started
    left = list(await jobs.running_steps(worker))
    return Stopped(in_flight, seconds, worker.popen.returncode, left)


def _finished_by(worker: Child) -> list[str]:
    """The analyses the worker's log says it finished."""
    return [
        str(record.get("analysis_id"))
        for record in worker.log_records()
        if record.get("message") == "analysis succeeded"
    ]


# -- the test ---------------------------------------------------------------------------------


async def test_fifty_uploads_are_each_analysed_once_by_three_workers_one_of_them_killed(
    tmp_path: Path, data_dir: Path, database_url: str, recordings: list[bytes], jobs: Jobs
) -> None:
    fake_tl = FakeTwelveLabs(processing_polls=TWELVELABS_PROCESSING_POLLS)
    fake_ih = FakeInterhuman(polls_until_done=INTERHUMAN_RUNNING_POLLS)
    with (
        serve_standin(fake_tl.handler) as twelvelabs,
        serve_standin(fake_ih.handler) as interhuman,
    ):
        # the Twelve Labs fake serves under the path of its base URL (the API version)
        twelvelabs_url = twelvelabs.url + httpx.URL(fake_tl.base_url).path
        env = _environment(database_url, data_dir, twelvelabs_url, interhuman.url)
        began = time.monotonic()
        migrated = await _migrate(env)
        ports = [free_port(), free_port()]
        async with _clients(ports) as apis:
            with Children(tmp_path / "logs", env) as children:
                workers = await _start(children, apis, ports, migrated)
                victim, leaver, _ = workers
                started = time.monotonic()
                by = started + RUN_SECONDS
                async with _watching_leases(jobs) as leases:
                    uploaded = await _upload_all(apis, recordings)
                    uploads_done = time.monotonic()
                    five_done = partial(_enough_succeeded, jobs, KILL_AFTER_SUCCEEDED)
                    await _until("the first analyses finish", five_done, children, by)
                    orphans = await _kill_while_waiting(victim, jobs, fake_ih, children, by)
                    killed_at = time.monotonic()
                    most_done = partial(_enough_succeeded, jobs, TERMINATE_AFTER_SUCCEEDED)
                    await _until("most analyses finish", most_done, children, by)
                    stopped = await _terminate_while_busy(leaver, jobs, children, by)
                    documents = await _final_documents(apis, uploaded, children, by)
                    finished = time.monotonic()
                rows = await jobs.all()

        # Observations, not assertions: where the time went and who did what.
        names = {str(worker.pid): worker.name for worker in workers}
        per_worker = Counter(names.get(owner.rsplit(":", 2)[1], owner) for _, owner in leases)
        completions = {worker.name: len(_finished_by(worker)) for worker in workers}
        claims = {row["id"]: row["claims"] for row in rows}
        reclaimed = {analysis_id: n for analysis_id, n in claims.items() if n > 1}
        print(
            f"\nwall time {finished - began:.1f} s: processes up after {started - began:.1f} s; "
            f"then uploads took {uploads_done - started:.1f} s, the kill came at "
            f"{killed_at - started:.1f} s, all final at {finished - started:.1f} s. Schema by "
            f"{'interview-backend migrate' if migrated else 'AUTO_MIGRATE on api-0'}.\n"
            f"claims per worker (leases sampled every 0.1 s): {dict(per_worker)}; "
            f"completions per worker (logs): {completions}\n"
            f"{victim.name} killed with {orphans} in flight; claimed more than once: {reclaimed}\n"
            f"{leaver.name} got SIGTERM with {list(stopped.in_flight)} in flight, exited "
            f"{stopped.returncode} after {stopped.seconds:.1f} s, leaving {stopped.left}\n"
            f"twelvelabs: {fake_tl.uploads} assets from {fake_tl.upload_attempts} uploads, "
            f"{fake_tl.analyze_calls} analyses, {fake_tl.polls} polls; interhuman: "
            f"{fake_ih.jobs_created} jobs from {fake_ih.uploads} uploads, {fake_ih.polls} polls"
        )

    # Every analysis completed, once, and the API replicas say so.
    assert Counter(doc["status"] for doc in documents.values()) == {"succeeded": UPLOADS}
    assert len(rows) == UPLOADS
    assert {row["recording_id"] for row in rows} == {item.recording_id for item in uploaded}
    assert all(row["status"] == AnalysisStatus.SUCCEEDED for row in rows)
    assert all(row["completed_at"] is not None and row["lease_owner"] is None for row in rows)
    results = sorted(path.name for path in (data_dir / "results").iterdir())
    assert results == sorted(f"analysis_{item.analysis_id}.json" for item in uploaded)

    # Every video reached each provider exactly once: by its bytes, and for Twelve Labs by name.
    each_once = Counter(item.sha256 for item in uploaded)
    assert Counter(upload.sha256 for upload in twelvelabs.accepted()) == each_once
    assert Counter(upload.sha256 for upload in interhuman.accepted()) == each_once
    assert Counter(upload.file_name for upload in twelvelabs.accepted()) == Counter(
        f"{item.recording_id}.webm" for item in uploaded
    )
    assert fake_tl.uploads == UPLOADS and fake_ih.jobs_created == UPLOADS
    assert fake_tl.analyze_calls == UPLOADS

    # The killed worker's jobs were taken over and resumed; the stopped one exited by itself
    # within its grace period, having finished what it was running (nobody claimed it again).
    assert orphans, f"{victim.name} had no job in flight when it was killed"
    assert all(claims[analysis_id] >= 2 for analysis_id in orphans), reclaimed
    assert stopped.returncode == 0 and stopped.seconds < STOP_GRACE_SECONDS
    assert all(claims[analysis_id] == n for analysis_id, n in stopped.in_flight.items()), claims
    assert stopped.left == []


# -- a worker killed during an Interhuman upload -----------------------------------------------


class HeldUploads:
    """Wraps a stand-in's handler: the first upload is held open until `release`, as a slow
    network would; the fake still accepts it afterwards (as Interhuman would, having received
    the whole request), so the worker that sent it dies not knowing the job exists."""

    def __init__(self, handler: Callable[[httpx.Request], Awaitable[httpx.Response]]) -> None:
        self.inner = handler
        self.held = threading.Event()
        self.released = threading.Event()

    async def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/upload/analyze") and not self.held.is_set():
            self.held.set()
            await asyncio.to_thread(self.released.wait, RUN_SECONDS)
        return await self.inner(request)


def _recorded_extra_copies(report: dict[str, Any]) -> int:
    """How many copies beyond its job the step says Interhuman may hold."""
    key = SPECS["interhuman"].remote_copies.possible_copies_key
    return int(report["remote_ids"].get(key, 0)) if key else 0


async def test_a_worker_killed_during_an_interhuman_upload_leaves_no_unrecorded_copy(
    tmp_path: Path, data_dir: Path, database_url: str, recordings: list[bytes], jobs: Jobs
) -> None:
    fake_tl = FakeTwelveLabs(processing_polls=1)
    fake_ih = FakeInterhuman(polls_until_done=1)
    held = HeldUploads(fake_ih.handler)
    with (
        serve_standin(fake_tl.handler) as twelvelabs,
        serve_standin(held.handler) as interhuman,
    ):
        twelvelabs_url = twelvelabs.url + httpx.URL(fake_tl.base_url).path
        env = _environment(database_url, data_dir, twelvelabs_url, interhuman.url)
        migrated = await _migrate(env)
        ports = [free_port()]
        try:
            async with _clients(ports) as apis:
                with Children(tmp_path / "logs", env) as children:
                    workers = await _start(children, apis, ports, migrated)
                    by = time.monotonic() + RUN_SECONDS
                    [uploaded] = await _upload_all(apis, recordings[:1])

                    async def upload_in_flight() -> bool:
                        return held.held.is_set()

                    await _until("the Interhuman upload is sent", upload_in_flight, children, by)
                    [(_, owner)] = await jobs.leases()
                    [victim] = [w for w in workers if f":{w.pid}:" in owner]
                    victim.kill()
                    held.released.set()  # Interhuman receives the whole upload all the same
                    documents = await _final_documents(apis, [uploaded], children, by)
        finally:
            held.released.set()

    report = documents[uploaded.analysis_id]["providers"]["interhuman"]
    copies = [u for u in interhuman.accepted() if u.sha256 == uploaded.sha256]
    print(
        f"\ninterhuman: {len(copies)} accepted uploads of the recording, {fake_ih.jobs_created} "
        f"jobs; the step says: status {report['status']}, remote ids {report['remote_ids']}, "
        f"notes {report['notes']}"
    )
    # Interhuman offers no way to find an upload again, so the outcome is a recorded duplicate:
    # every copy beyond the first is counted on the step and said in its notes.
    assert documents[uploaded.analysis_id]["status"] == "succeeded"
    assert len(copies) - 1 == _recorded_extra_copies(report), report
    assert len(copies) == 1 or report["notes"], report
