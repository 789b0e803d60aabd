"""The job pipeline end to end on a real SQLite database, with scripted providers
(`tests/analysis/pipeline.py`)."""

import asyncio
import json
from dataclasses import replace
from datetime import timedelta

import httpx
import jsonschema
import pytest
from sqlalchemy import update

from analysis import service
from analysis.canonical import (
    ProviderStatus,
)
from analysis.merge import StoredAnalysis, StoredStep, merge
from analysis.models import Analysis
from analysis.providers.base import ProviderFailure
from analysis.registry import analysis_json_schema
from analysis.webhook import SIGNATURE_HEADER, verify
from analysis.worker import AnalysisWorker
from shared.db import utcnow
from shared.settings import Settings
from shared.storage import LocalStorage
from tests.analysis.pipeline import (
    LOCAL_SECTION,
    MEDIA,
    Scripted,
    document,
    enqueue,
    erase,
    ih_ok,
    local_ok,
    make_due,
    make_worker,
    provider_deletions,
    tl_ok,
)


async def test_all_providers_succeed_gives_a_complete_document_on_disk(db, settings):
    providers = [
        Scripted("local", [local_ok()]),
        Scripted("twelvelabs", [tl_ok()]),
        Scripted("interhuman", [ih_ok()]),
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
        Scripted("local", [local_ok()]),
        Scripted("twelvelabs", [tl_ok()]),
        Scripted("interhuman", [failure]),
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
        Scripted("local", [local_ok()]),
        Scripted("twelvelabs", [], skip="TWELVELABS_API_KEY is not set"),
        Scripted("interhuman", [], skip="INTERHUMAN_API_KEY is not set"),
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
        Scripted("local", [ProviderFailure("unreadable_media", "Not a video.")]),
        Scripted("twelvelabs", [ProviderFailure("api_key_invalid", "Bad key.")]),
        Scripted("interhuman", [], skip="no key"),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    await make_worker(db, settings, providers).run_until_idle()

    doc = await document(db, analysis_id)
    assert doc["status"] == "failed"
    assert doc["media"] is None and doc["speech"] is None and doc["assessment"] is None


async def test_a_passing_failure_is_retried_and_the_attempts_are_recorded(db, settings):
    providers = [
        Scripted("local", [local_ok()]),
        Scripted(
            "twelvelabs",
            [ProviderFailure("too_many_requests", "slow down", retryable=True), tl_ok()],
        ),
        Scripted("interhuman", [ih_ok()]),
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
    local = Scripted("local", [local_ok()])
    twelvelabs = Scripted("twelvelabs", [tl_ok()])
    interhuman = Scripted("interhuman", [ih_ok(), ih_ok()])
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
        Scripted("local", [local_ok()]),
        Scripted("twelvelabs", [], skip="no key"),
        Scripted("interhuman", [], skip="no key"),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    client = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    await make_worker(db, settings, providers, http_client=client).run_until_idle()
    await client.aclose()

    assert len(received) == 1  # refused: tried again later, not in a loop holding a job slot
    async with db.session() as session:
        first = (await service.webhook_deliveries(session))["items"]
    assert [(d["status"], d["attempts"], d["last_error"]) for d in first] == [
        ("pending", 1, "HTTP 503")
    ]

    await make_due(db)
    client = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    await make_worker(db, settings, providers, http_client=client).drain_outbox()
    await client.aclose()
    assert len(received) == 2
    last = received[-1]
    assert verify("s3cret", last.content, last.headers[SIGNATURE_HEADER])
    assert not verify("wrong", last.content, last.headers[SIGNATURE_HEADER])
    assert json.loads(last.content)["analysis_id"] == analysis_id
    assert last.headers["X-Analysis-Id"] == analysis_id
    async with db.session() as session:
        deliveries = (await service.webhook_deliveries(session))["items"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in deliveries] == [
        ("done", 2, 204)
    ]


async def test_erasure_deletes_provider_copies_and_retries_what_failed(db, settings):
    twelvelabs = Scripted("twelvelabs", [tl_ok()])
    twelvelabs.delete_failures = 1
    providers = [
        Scripted("local", [local_ok()]),
        twelvelabs,
        Scripted("interhuman", [], skip="no key"),
    ]
    analysis_id = await enqueue(db, settings.data_dir)
    worker = make_worker(db, settings, providers)
    await worker.run_until_idle()
    result_file = settings.data_dir / f"results/analysis_{analysis_id}.json"
    assert result_file.exists()

    assert await erase(db, settings.data_dir) == 1
    assert not result_file.exists()

    await worker.drain_outbox()
    pending = await provider_deletions(db)
    assert pending[0]["status"] == "pending"
    assert "try later" in pending[0]["last_error"]

    await make_due(db)
    await worker.drain_outbox()
    assert twelvelabs.deleted == [{"asset_id": "asset-rec-1", "analyze_id": "an-1"}]
    assert [d["status"] for d in await provider_deletions(db)] == ["done"]
    async with db.session() as session:
        with pytest.raises(Exception, match="No analysis"):
            await service.load(session, analysis_id)


async def test_an_analysis_erased_while_running_leaves_no_copy_behind(db, settings):
    twelvelabs = Scripted("twelvelabs", [tl_ok()])
    twelvelabs.release = asyncio.Event()
    providers = [
        Scripted("local", [local_ok()]),
        twelvelabs,
        Scripted("interhuman", [], skip="no key"),
    ]
    await enqueue(db, settings.data_dir)
    worker = make_worker(db, settings, providers)
    run = asyncio.create_task(worker.run_until_idle())
    await asyncio.wait_for(twelvelabs.waiting.wait(), 5)
    await erase(db, settings.data_dir)
    twelvelabs.release.set()
    await run
    await worker.drain_outbox()
    assert [state["asset_id"] for state in twelvelabs.deleted] == ["asset-rec-1"]


async def test_two_workers_never_run_the_same_job(db, settings):
    def providers() -> list[Scripted]:
        return [
            Scripted("local", [local_ok() for _ in range(10)]),
            Scripted("twelvelabs", [], skip="no key"),
            Scripted("interhuman", [], skip="no key"),
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
        Scripted("local", [local_ok()]),
        Scripted("twelvelabs", [tl_ok()]),
        Scripted("interhuman", [ih_ok()]),
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
        StoredStep("local", ProviderStatus.SUCCEEDED, section=LOCAL_SECTION),
        StoredStep("twelvelabs", ProviderStatus.SKIPPED),
        StoredStep("interhuman", ProviderStatus.SKIPPED),
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
