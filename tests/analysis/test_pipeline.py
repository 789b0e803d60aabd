"""The job pipeline end to end on a real SQLite database, with scripted providers.

A scripted provider behaves like a cloud adapter: it "uploads" once (recording an asset id
through the checkpoint before it waits) and then answers as scripted.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import update

from analysis import service
from analysis.canonical import (
    Assessment,
    Behavior,
    Media,
    ProviderName,
    ProviderStatus,
    Signal,
    Speech,
    analysis_json_schema,
)
from analysis.merge import StoredAnalysis, StoredStep, merge
from analysis.models import Analysis, metadata
from analysis.providers.base import ProviderFailure, ProviderResult, VideoInput
from analysis.repository import AnalysisRepository
from analysis.runner import StepPolicy
from analysis.webhook import SIGNATURE_HEADER, verify
from analysis.worker import AnalysisWorker
from shared.db import Database, utcnow
from shared.http import RetryPolicy
from shared.settings import Settings
from shared.storage import LocalStorage

MEDIA = Media(
    duration_seconds=12.0,
    width=640,
    height=480,
    has_audio=True,
    has_video=True,
    container="webm",
    size_bytes=1000,
    sha256="ab" * 32,
)
SPEECH = Speech(
    speaking_seconds=9.0,
    speaking_ratio=0.75,
    pause_count=2,
    longest_pause_seconds=1.1,
    mean_loudness_dbfs=-21.5,
)


class Scripted:
    """A provider whose answers are scripted: results or failures, in order."""

    def __init__(self, name: ProviderName, script: list[Any], *, skip: str | None = None):
        self.name = name
        self.script = script
        self.skip = skip
        self.uploads = 0
        self.runs = 0
        self.deleted: list[dict[str, Any]] = []
        self.delete_failures = 0
        self.waiting = asyncio.Event()
        self.release: asyncio.Event | None = None
        self.seen: list[VideoInput] = []

    def skip_reason(self) -> str | None:
        return self.skip

    async def run(
        self, video: VideoInput, state: dict[str, Any], checkpoint: Any
    ) -> ProviderResult:
        self.runs += 1
        self.seen.append(video)
        if self.name is not ProviderName.LOCAL and "asset_id" not in state:
            self.uploads += 1
            await checkpoint({**state, "asset_id": f"asset-{video.recording_id}"})
        self.waiting.set()
        if self.release is not None:
            await self.release.wait()
        outcome = self.script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, ProviderResult)
        return outcome

    async def delete_remote(self, state: dict[str, Any]) -> None:
        if self.delete_failures:
            self.delete_failures -= 1
            raise ProviderFailure("provider_unavailable", "try later", retryable=True)
        self.deleted.append(state)

    async def aclose(self) -> None:
        pass


LOCAL_SECTION = {"media": MEDIA.model_dump(mode="json"), "speech": SPEECH.model_dump(mode="json")}


def local_ok() -> ProviderResult:
    return ProviderResult(section=(MEDIA, SPEECH), raw={"probe": {}})


def tl_ok() -> ProviderResult:
    return ProviderResult(
        section=Assessment(confidence=8, clarity=7, key_points=["caching"], model="pegasus1.5"),
        raw={"analyze": {"data": "{}"}},
        remote_ids={"analyze_id": "an-1"},
    )


def ih_ok() -> ProviderResult:
    signal = Signal(type="made_up_new_type", start=1.0, end=3.0, probability="high")
    return ProviderResult(section=Behavior(signals=[signal]), raw={"signals": []})


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url_for("interview_api"))
    await database.create_all(metadata)
    yield database
    await database.dispose()


def make_worker(
    db: Database, settings: Settings, providers: list[Scripted], **kwargs: Any
) -> AnalysisWorker:
    no_wait = RetryPolicy(sleep=_no_sleep)
    kwargs.setdefault("step_policy", StepPolicy(attempts=3, backoff=no_wait))
    kwargs.setdefault("webhook_policy", RetryPolicy(max_attempts=3, sleep=_no_sleep))
    named = {p.name for p in providers}  # the steps a test does not script are not configured
    providers = providers + [
        Scripted(name, [], skip="not configured") for name in ProviderName if name not in named
    ]
    return AnalysisWorker(db, settings, providers, LocalStorage(settings.data_dir), **kwargs)


async def _no_sleep(_: float) -> None:
    return None


async def enqueue(
    db: Database, data_dir: Path, recording_id: str = "rec-1", interview_id: str = "int-1"
) -> str:
    """Queue the analysis of a stored recording, as an upload does."""
    key = f"recordings/interview_{interview_id}/{recording_id}.webm"
    (data_dir / key).parent.mkdir(parents=True, exist_ok=True)
    (data_dir / key).write_bytes(b"\x1aE\xdf\xa3 a stored recording")
    async with db.session() as session:
        return await service.enqueue(
            session,
            interview_id=interview_id,
            recording_id=recording_id,
            recording_key=key,
            size_bytes=1000,
            sha256="ab" * 32,
            container="webm",
            question_id="q1",
            question_text="How would you cache a slow endpoint?",
        )


async def document(db: Database, analysis_id: str) -> dict[str, Any]:
    async with db.session() as session:
        analysis = await service.load(session, analysis_id)
        return service.document_of(analysis).model_dump(mode="json")


async def test_all_providers_succeed_gives_a_complete_document_on_disk(db, settings):
    providers = [
        Scripted(ProviderName.LOCAL, [local_ok()]),
        Scripted(ProviderName.TWELVELABS, [tl_ok()]),
        Scripted(ProviderName.INTERHUMAN, [ih_ok()]),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    queued = await document(db, analysis_id)
    assert queued["status"] == "queued"
    assert {p["status"] for p in queued["providers"].values()} == {"pending"}

    await make_worker(db, settings, providers).run_until_idle()

    doc = await document(db, analysis_id)
    assert doc["status"] == "succeeded"
    assert doc["question"] == {"id": "q1", "text": "How would you cache a slow endpoint?"}
    assert doc["assessment"]["confidence"] == 8
    assert doc["behavior"]["signals"][0]["type"] == "made_up_new_type"
    assert doc["speech"]["pause_count"] == 2
    assert doc["media"]["container"] == "webm"
    assert doc["providers"]["twelvelabs"]["remote_ids"] == {
        "asset_id": "asset-rec-1",
        "analyze_id": "an-1",
    }
    on_disk = json.loads((settings.data_dir / f"results/analysis_{analysis_id}.json").read_text())
    assert on_disk == doc
    jsonschema.validate(on_disk, analysis_json_schema())
    # the cloud providers were given the local probe, so they can refuse unfit videos early
    assert providers[1].seen[0].media == MEDIA


async def test_one_provider_failing_gives_partial_with_a_null_section(db, settings):
    failure = ProviderFailure("ih4003", "File exceeds 32 MB.")
    providers = [
        Scripted(ProviderName.LOCAL, [local_ok()]),
        Scripted(ProviderName.TWELVELABS, [tl_ok()]),
        Scripted(ProviderName.INTERHUMAN, [failure]),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    await make_worker(db, settings, providers).run_until_idle()

    doc = await document(db, analysis_id)
    assert doc["status"] == "partial"
    assert doc["behavior"] is None
    assert doc["assessment"] is not None
    assert doc["providers"]["interhuman"]["status"] == "failed"
    assert doc["providers"]["interhuman"]["error"] == {
        "code": "ih4003",
        "message": "File exceeds 32 MB.",
    }
    jsonschema.validate(doc, analysis_json_schema())


async def test_without_keys_cloud_providers_are_skipped_and_local_measures(db, settings):
    providers = [
        Scripted(ProviderName.LOCAL, [local_ok()]),
        Scripted(ProviderName.TWELVELABS, [], skip="TWELVELABS_API_KEY is not set"),
        Scripted(ProviderName.INTERHUMAN, [], skip="INTERHUMAN_API_KEY is not set"),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    await make_worker(db, settings, providers).run_until_idle()

    doc = await document(db, analysis_id)
    assert doc["status"] == "succeeded"
    assert doc["assessment"] is None and doc["behavior"] is None
    assert doc["media"] is not None and doc["speech"] is not None
    skipped = doc["providers"]["twelvelabs"]
    assert skipped["status"] == "skipped"
    assert skipped["error"]["message"] == "TWELVELABS_API_KEY is not set"
    assert providers[1].runs == 0


async def test_every_provider_failing_gives_failed_and_no_invented_values(db, settings):
    providers = [
        Scripted(ProviderName.LOCAL, [ProviderFailure("unreadable_media", "Not a video.")]),
        Scripted(ProviderName.TWELVELABS, [ProviderFailure("api_key_invalid", "Bad key.")]),
        Scripted(ProviderName.INTERHUMAN, [], skip="no key"),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    await make_worker(db, settings, providers).run_until_idle()

    doc = await document(db, analysis_id)
    assert doc["status"] == "failed"
    assert doc["media"] is None and doc["speech"] is None and doc["assessment"] is None


async def test_a_passing_failure_is_retried_and_the_attempts_are_recorded(db, settings):
    providers = [
        Scripted(ProviderName.LOCAL, [local_ok()]),
        Scripted(
            ProviderName.TWELVELABS,
            [ProviderFailure("too_many_requests", "slow down", retryable=True), tl_ok()],
        ),
        Scripted(ProviderName.INTERHUMAN, [ih_ok()]),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    await make_worker(db, settings, providers).run_until_idle()

    doc = await document(db, analysis_id)
    assert doc["status"] == "succeeded"
    assert doc["providers"]["twelvelabs"]["attempts"] == 2
    assert providers[1].uploads == 1  # the retry reused the asset recorded before the wait


class DiesWithoutRelease(AnalysisWorker):
    """A worker killed with SIGKILL: it never gives its jobs back."""

    async def _release(self, analysis_id: str) -> None:
        return None


async def test_a_worker_killed_while_waiting_is_resumed_without_a_second_upload(db, settings):
    local = Scripted(ProviderName.LOCAL, [local_ok()])
    twelvelabs = Scripted(ProviderName.TWELVELABS, [tl_ok()])
    interhuman = Scripted(ProviderName.INTERHUMAN, [ih_ok(), ih_ok()])
    twelvelabs.release = asyncio.Event()  # the asset never becomes ready for the first worker
    analysis_id = await enqueue(db, settings.data_dir)

    first = DiesWithoutRelease(
        db, settings, [local, twelvelabs, interhuman], LocalStorage(settings.data_dir)
    )
    await first.claim_available()
    await asyncio.wait_for(twelvelabs.waiting.wait(), 5)
    for task in list(first._running.values()):
        task.cancel()
    await asyncio.gather(*first._running.values(), return_exceptions=True)
    assert (await document(db, analysis_id))["status"] == "running"

    # nothing more happens until the dead worker's lease runs out
    second = make_worker(db, settings, [local, twelvelabs, interhuman])
    await second.run_until_idle()
    assert (await document(db, analysis_id))["status"] == "running"

    async with db.session() as session:
        await session.execute(
            update(Analysis).values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    twelvelabs.release.set()
    await second.run_until_idle()

    doc = await document(db, analysis_id)
    assert doc["status"] == "succeeded"
    assert twelvelabs.uploads == 1
    assert local.runs == 1  # finished steps are not run again


async def test_the_webhook_is_signed_retried_and_every_attempt_recorded(db, settings):
    received: list[httpx.Request] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(503 if len(received) == 1 else 204)

    settings = Settings(
        _env_file=None,
        data_dir=settings.data_dir,
        analysis_webhook_url="http://hooks.test/analysis",
        analysis_webhook_secret="s3cret",
    )
    providers = [
        Scripted(ProviderName.LOCAL, [local_ok()]),
        Scripted(ProviderName.TWELVELABS, [], skip="no key"),
        Scripted(ProviderName.INTERHUMAN, [], skip="no key"),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    client = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    await make_worker(db, settings, providers, http_client=client).run_until_idle()
    await client.aclose()

    assert len(received) == 2
    last = received[-1]
    assert verify("s3cret", last.content, last.headers[SIGNATURE_HEADER])
    assert not verify("wrong", last.content, last.headers[SIGNATURE_HEADER])
    assert json.loads(last.content)["analysis_id"] == analysis_id
    async with db.session() as session:
        deliveries = await AnalysisRepository(session).deliveries(analysis_id)
    assert [(d.attempt, d.status_code, d.delivered) for d in deliveries] == [
        (1, 503, False),
        (2, 204, True),
    ]


async def test_erasure_deletes_provider_copies_and_retries_what_failed(db, settings):
    twelvelabs = Scripted(ProviderName.TWELVELABS, [tl_ok()])
    twelvelabs.delete_failures = 1
    providers = [
        Scripted(ProviderName.LOCAL, [local_ok()]),
        twelvelabs,
        Scripted(ProviderName.INTERHUMAN, [], skip="no key"),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    worker = make_worker(db, settings, providers)
    await worker.run_until_idle()
    result_file = settings.data_dir / f"results/analysis_{analysis_id}.json"
    assert result_file.exists()

    async with db.session() as session:
        queued = await service.erase_interview(session, LocalStorage(settings.data_dir), "int-1")
    assert queued == 1
    assert not result_file.exists()

    await worker.process_remote_deletions()
    async with db.session() as session:
        pending = await service.remote_deletions(session, "int-1")
    assert pending[0]["status"] == "pending"
    assert "try later" in pending[0]["last_error"]

    async with db.session() as session:  # time passes: the retry is due
        rows = await AnalysisRepository(session).remote_deletions("int-1")
        rows[0].updated_at = utcnow() - timedelta(hours=2)
    await worker.process_remote_deletions()
    assert twelvelabs.deleted == [{"asset_id": "asset-rec-1", "analyze_id": "an-1"}]
    async with db.session() as session:
        assert (await service.remote_deletions(session, "int-1"))[0]["status"] == "done"
        with pytest.raises(Exception, match="No analysis"):
            await service.load(session, analysis_id)


async def test_an_analysis_erased_while_running_leaves_no_copy_behind(db, settings):
    twelvelabs = Scripted(ProviderName.TWELVELABS, [tl_ok()])
    twelvelabs.release = asyncio.Event()
    providers = [
        Scripted(ProviderName.LOCAL, [local_ok()]),
        twelvelabs,
        Scripted(ProviderName.INTERHUMAN, [], skip="no key"),
    ]
    await enqueue(db, settings.data_dir)
    worker = make_worker(db, settings, providers)
    run = asyncio.create_task(worker.run_until_idle())
    await asyncio.wait_for(twelvelabs.waiting.wait(), 5)
    async with db.session() as session:
        await service.erase_interview(session, LocalStorage(settings.data_dir), "int-1")
    twelvelabs.release.set()
    await run
    await worker.process_remote_deletions()
    assert [state["asset_id"] for state in twelvelabs.deleted] == ["asset-rec-1"]


async def test_two_workers_never_run_the_same_job(db, settings):
    def providers() -> list[Scripted]:
        return [
            Scripted(ProviderName.LOCAL, [local_ok() for _ in range(10)]),
            Scripted(ProviderName.TWELVELABS, [], skip="no key"),
            Scripted(ProviderName.INTERHUMAN, [], skip="no key"),
        ]

    ids = [await enqueue(db, settings.data_dir, recording_id=f"rec-{i}") for i in range(10)]
    a, b = providers(), providers()
    await asyncio.gather(
        make_worker(db, settings, a).run_until_idle(),
        make_worker(db, settings, b).run_until_idle(),
    )
    assert a[0].runs + b[0].runs == 10
    for analysis_id in ids:
        assert (await document(db, analysis_id))["status"] == "succeeded"


async def test_a_recording_missing_from_storage_fails_with_a_clear_code(db, settings):
    providers = [
        Scripted(ProviderName.LOCAL, [local_ok()]),
        Scripted(ProviderName.TWELVELABS, [tl_ok()]),
        Scripted(ProviderName.INTERHUMAN, [ih_ok()]),
    ]
    analysis_id = await enqueue(db, settings.data_dir, recording_id="gone")
    (settings.data_dir / "recordings/interview_int-1/gone.webm").unlink()

    await make_worker(db, settings, providers).run_until_idle()

    doc = await document(db, analysis_id)
    assert doc["status"] == "failed"
    assert {p["error"]["code"] for p in doc["providers"].values()} == {"recording_missing"}
    assert all(p.runs == 0 for p in providers)


def test_a_job_whose_steps_are_done_is_running_until_it_is_finished():
    """The merge shows a final status only once the job completed (result file written)."""
    steps = [
        StoredStep(ProviderName.LOCAL.value, ProviderStatus.SUCCEEDED, section=LOCAL_SECTION),
        StoredStep(ProviderName.TWELVELABS.value, ProviderStatus.SKIPPED),
        StoredStep(ProviderName.INTERHUMAN.value, ProviderStatus.SKIPPED),
        StoredStep(ProviderName.TRANSCRIPTION.value, ProviderStatus.SKIPPED),
        StoredStep(ProviderName.EVALUATION.value, ProviderStatus.SKIPPED),
    ]
    analysis = StoredAnalysis(
        analysis_id="a",
        interview_id="i",
        recording_id="r",
        question_id=None,
        question_text=None,
        created_at=utcnow(),
        completed_at=None,
        started=True,
    )

    assert merge(analysis, steps).status == "running"
    finished = merge(replace(analysis, completed_at=utcnow()), steps)
    assert finished.status == "succeeded"
    assert finished.completed_at is not None
