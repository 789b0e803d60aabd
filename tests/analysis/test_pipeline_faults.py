"""The job machinery under faults: erasure while providers run, a busy database, a job that keeps
failing, a lost lease, an outage at a provider or a webhook receiver, a crash mid-delivery."""

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from analysis import service
from analysis.canonical import Transcript
from analysis.lease import Lease
from analysis.models import Analysis, OutboxItem
from analysis.outbox import OutboxPolicy
from analysis.providers.base import ProviderResult
from analysis.repository import AnalysisRepository
from analysis.service import sweep_orphan_results
from interview_api.analyses.hooks import PipelineHooks
from shared.db import Database, utcnow
from shared.metrics import PROCESS_REGISTRY
from shared.settings import Settings
from shared.storage import LocalStorage
from tests.analysis.pipeline import (
    Scripted,
    document,
    enqueue,
    erase,
    ih_ok,
    local_ok,
    make_due,
    make_worker,
    provider_deletions,
    stored_recording,
    tl_ok,
)


async def settle() -> None:
    """Let every task that can run do so (no real time passes)."""
    for _ in range(50):
        await asyncio.sleep(0)


def cloud(tl: Scripted | None = None, ih: Scripted | None = None) -> list[Scripted]:
    return [
        Scripted("local", [local_ok()]),
        tl or Scripted("twelvelabs", [tl_ok()]),
        ih or Scripted("interhuman", [ih_ok()]),
    ]


# defect 2: sibling steps stop when the job stops


async def test_an_erasure_while_both_cloud_providers_run_leaves_nothing_at_either(db, settings):
    twelvelabs = Scripted("twelvelabs", [tl_ok()])
    twelvelabs.release = asyncio.Event()  # uploaded, waiting for its asset to be ready
    interhuman = Scripted("interhuman", [ih_ok()])
    interhuman.before_upload = asyncio.Event()  # still sending its upload
    await enqueue(db, settings.data_dir)
    worker = make_worker(db, settings, cloud(twelvelabs, interhuman))
    run = asyncio.create_task(worker.run_until_idle())
    await asyncio.wait_for(twelvelabs.waiting.wait(), 5)
    await asyncio.wait_for(interhuman.started.wait(), 5)

    await erase(db, settings.data_dir)
    twelvelabs.release.set()  # Twelve Labs finds the job gone: the job stops
    await asyncio.wait_for(run, 5)
    interhuman.before_upload.set()  # had its step gone on, it would upload now
    await settle()
    await worker.drain_outbox()

    assert interhuman.created == []
    assert [state["asset_id"] for state in twelvelabs.deleted] == twelvelabs.created


# defect 3: no result file outlives an erasure


class ErasedWhileWriting(LocalStorage):
    """The erasure lands just as the job writes its result file."""

    def __init__(self, root: Path, db: Database) -> None:
        super().__init__(root)
        self.db = db

    async def write_bytes(self, key: str, data: bytes) -> None:
        if key.startswith("results/"):
            await erase(self.db, self.root)
        await super().write_bytes(key, data)


async def test_a_result_file_is_not_left_behind_by_an_erasure_during_finishing(db, settings):
    analysis_id = await enqueue(db, settings.data_dir)
    worker = make_worker(db, settings, cloud())
    worker.storage = ErasedWhileWriting(settings.data_dir, db)

    await worker.run_until_idle()

    assert not (settings.data_dir / f"results/analysis_{analysis_id}.json").exists()
    async with db.session() as session:
        assert await AnalysisRepository(session).get(analysis_id) is None


async def test_the_sweep_removes_result_files_without_a_row(db, settings):
    kept = await enqueue(db, settings.data_dir)
    await make_worker(db, settings, cloud()).run_until_idle()
    results = settings.data_dir / "results"
    orphan = results / "analysis_0b7c2a5e-erased.json"
    orphan.write_text("{}")
    young = results / "analysis_1c8d3b6f-finishing.json"
    young.write_text("{}")
    an_hour_ago = (utcnow() - timedelta(hours=2)).timestamp()
    for path in (orphan, results / f"analysis_{kept}.json"):
        os.utime(path, (an_hour_ago, an_hour_ago))

    removed = await sweep_orphan_results(db, LocalStorage(settings.data_dir), 3600)

    assert removed == 1
    assert not orphan.exists()
    assert young.exists()  # may belong to a job finishing right now
    assert (results / f"analysis_{kept}.json").exists()


def transcribed(text: str) -> ProviderResult:
    transcript = Transcript(
        text=text,
        language="en",
        words=None,
        provider="openai",
        model="whisper-1",
        timestamps="none",
    )
    return ProviderResult(sections={"transcript": transcript}, raw={"text": text})


async def test_the_sweep_removes_transcript_files_whose_interview_is_gone(db, settings):
    kept_interview, kept_recording = str(uuid4()), str(uuid4())
    await enqueue(db, settings.data_dir, kept_recording, kept_interview)
    await enqueue(db, settings.data_dir, "rec-2", "int-2")
    steps = [
        Scripted("local", [local_ok()] * 2),
        Scripted("transcription", [transcribed("Hi.")] * 2),
    ]
    await make_worker(db, settings, steps).run_until_idle()
    folder = settings.data_dir / "transcripts"
    erased = [folder / "transcript_rec-2.txt", folder / "transcript_int-2.txt"]
    assert all(path.exists() for path in erased)
    await erase(db, settings.data_dir, "int-2")
    for path in erased:  # written again by a job finishing at that moment, which then crashed
        path.write_text("A1: Hi.\n")
    kept = [
        folder / f"transcript_{kept_recording}.txt",
        folder / f"transcript_{kept_interview}.txt",
        folder / f"transcript_{UUID(kept_interview).hex}.txt",  # named before ids had one spelling
    ]
    kept[2].write_text("Q1: ...\n")
    young = folder / f"transcript_{uuid4()}.txt"  # an answer whose job may be finishing now
    young.write_text("Hi.\n")
    two_hours_ago = (utcnow() - timedelta(hours=2)).timestamp()
    for path in erased + kept:
        os.utime(path, (two_hours_ago, two_hours_ago))

    removed = await sweep_orphan_results(db, LocalStorage(settings.data_dir), 3600)

    assert removed == 2
    assert not any(path.exists() for path in erased)
    assert all(path.exists() for path in kept) and young.exists()
    assert (folder / f"transcript_{kept_recording}.txt").read_text() == "Hi.\n"


# defect 4: the heartbeat survives a busy database; a lost lease stops the job


class Enough(Exception):
    pass


async def test_the_heartbeat_survives_a_busy_database(db, settings, monkeypatch):
    analysis_id = await enqueue(db, settings.data_dir)
    async with db.session() as session:
        await AnalysisRepository(session).claim_next("worker-1", timedelta(seconds=60))
        before = (await AnalysisRepository(session).get(analysis_id)).lease_expires_at  # type: ignore[union-attr]

    renewals = 0
    real_renew = Lease.renew

    async def busy_once(self: Lease) -> bool:
        nonlocal renewals
        renewals += 1
        if renewals == 1:
            raise OperationalError("UPDATE analyses", {}, Exception("database is locked"))
        return await real_renew(self)

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) > 2:
            raise Enough

    monkeypatch.setattr(Lease, "renew", busy_once)
    lease = Lease(db, analysis_id, "worker-1", timedelta(seconds=60), sleep=sleep)
    with pytest.raises(Enough):
        await lease.keep()

    assert renewals == 2 and not lease.lost
    assert sleeps[1] < sleeps[0]  # after a failed renewal the next try comes sooner
    async with db.session() as session:
        after = (await AnalysisRepository(session).get(analysis_id)).lease_expires_at  # type: ignore[union-attr]
    assert after is not None and before is not None and after > before


async def test_a_worker_that_lost_its_lease_stops_at_its_next_checkpoint(db, settings):
    twelvelabs = Scripted("twelvelabs", [tl_ok()])
    twelvelabs.release = asyncio.Event()
    interhuman = Scripted("interhuman", [ih_ok()])
    interhuman.before_upload = asyncio.Event()
    analysis_id = await enqueue(db, settings.data_dir)
    worker = make_worker(db, settings, cloud(twelvelabs, interhuman))
    run = asyncio.create_task(worker.run_until_idle())
    await asyncio.wait_for(twelvelabs.waiting.wait(), 5)

    async with db.session() as session:  # the worker was silent too long: another took over
        await session.execute(update(Analysis).values(lease_owner="another-worker"))
    twelvelabs.release.set()
    await asyncio.wait_for(run, 5)
    interhuman.before_upload.set()
    await settle()

    doc = await document(db, analysis_id)
    assert doc["status"] == "running"
    assert doc["providers"]["twelvelabs"]["status"] == "running"  # nothing written over
    assert interhuman.uploads == 0
    assert not (settings.data_dir / f"results/analysis_{analysis_id}.json").exists()


# defect 5: bounded attempts for a job that keeps failing outside its steps


class NoLocalCopy(LocalStorage):
    @asynccontextmanager
    async def _local_copy(self, key: str) -> AsyncIterator[Path]:
        raise OSError("scratch volume full")
        yield self.path(key)  # pragma: no cover


class NoStorage(NoLocalCopy):
    async def write_bytes(self, key: str, data: bytes) -> None:
        raise OSError("storage unreachable")


def exhausted_total() -> float:
    return PROCESS_REGISTRY.get_sample_value("analysis_jobs_attempts_exhausted_total") or 0.0


async def test_a_job_failing_outside_its_steps_fails_after_the_claims_allowed(db, settings):
    analysis_id = await enqueue(db, settings.data_dir)
    worker = make_worker(db, settings, cloud(), max_claims=3)
    worker.storage = NoLocalCopy(settings.data_dir)
    counted = exhausted_total()

    claims = 0
    while (await document(db, analysis_id))["status"] == "running" or claims == 0:
        claims += 1
        assert claims <= 4, "claimed again and again"
        await worker.run_until_idle()
        async with db.session() as session:  # its lease runs out: claimable again
            await session.execute(update(Analysis).values(lease_expires_at=utcnow()))

    doc = await document(db, analysis_id)
    assert claims == 4
    assert doc["status"] == "failed"
    assert {p["error"]["code"] for p in doc["providers"].values()} == {"job_attempts_exhausted"}
    assert "3 times" in doc["providers"]["local"]["error"]["message"]
    assert exhausted_total() == counted + 1
    assert (settings.data_dir / f"results/analysis_{analysis_id}.json").exists()


async def given_up_without_storage(
    db: Database, settings: Settings, analysis_id: str
) -> dict[str, Any]:
    """The analysis's document once its one claim is used up with the storage unreachable."""
    worker = make_worker(db, settings, cloud(), max_claims=1)
    worker.storage = NoStorage(settings.data_dir)
    for _ in range(2):
        await worker.run_until_idle()
        async with db.session() as session:
            await session.execute(update(Analysis).values(lease_expires_at=utcnow()))
    await worker.run_until_idle()  # nothing left to claim
    return await document(db, analysis_id)


async def test_a_job_is_given_up_on_even_when_its_result_file_cannot_be_written(db, settings):
    analysis_id = await enqueue(db, settings.data_dir)
    doc = await given_up_without_storage(db, settings, analysis_id)
    assert doc["status"] == "failed"
    assert doc["providers"]["local"]["error"]["code"] == "job_attempts_exhausted"


async def test_a_job_is_given_up_on_even_when_the_interview_transcript_cannot_be_written(
    db, settings
):
    steps = [Scripted("local", [local_ok()]), Scripted("transcription", [transcribed("Hi.")])]
    await enqueue(db, settings.data_dir, "rec-1", "int-1")
    await make_worker(db, settings, steps).run_until_idle()  # the interview has a transcript
    analysis_id = await enqueue(db, settings.data_dir, "rec-2", "int-1")
    doc = await given_up_without_storage(db, settings, analysis_id)
    assert doc["status"] == "failed"
    assert doc["providers"]["local"]["error"]["code"] == "job_attempts_exhausted"


# defect 7: the outbox has its own loop, backs off, gives up, re-delivers after a crash


async def test_a_provider_outage_during_deletions_does_not_stall_claiming(db, settings):
    twelvelabs = Scripted("twelvelabs", [tl_ok(), tl_ok()])
    hanging = asyncio.Event()
    deleting = asyncio.Event()

    async def delete_hangs(state: dict[str, Any]) -> None:
        deleting.set()
        await hanging.wait()  # Twelve Labs does not answer

    twelvelabs.delete_remote = delete_hangs  # type: ignore[method-assign]
    await enqueue(db, settings.data_dir, recording_id="rec-a", interview_id="int-a")
    worker = make_worker(db, settings, cloud(tl=twelvelabs), poll_interval=0.01)
    await worker.run_until_idle()
    await erase(db, settings.data_dir, "int-a")

    worker.start()
    try:
        await asyncio.wait_for(deleting.wait(), 5)
        second = await enqueue(db, settings.data_dir, recording_id="rec-b", interview_id="int-b")
        worker.notify()
        for _ in range(500):
            if (await document(db, second))["status"] != "queued":
                break
            await asyncio.sleep(0.01)
        assert (await document(db, second))["status"] != "queued"
    finally:
        hanging.set()
        await worker.stop(grace_seconds=5)


def webhook_settings(settings: Settings) -> Settings:
    return Settings(
        _env_file=None,
        data_dir=settings.data_dir,
        analysis_webhook_url="http://hooks.test/analysis",
    )


async def test_a_webhook_that_keeps_failing_is_failed_after_the_attempts_allowed(db, settings):
    settings = webhook_settings(settings)
    calls = 0

    def refuses(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(500)

    client = httpx.AsyncClient(transport=httpx.MockTransport(refuses))
    analysis_id = await enqueue(db, settings.data_dir)
    worker = make_worker(
        db, settings, cloud(), http_client=client, outbox_policy=OutboxPolicy(max_attempts=3)
    )
    await worker.run_until_idle()
    for _ in range(5):
        await make_due(db)
        await worker.drain_outbox()
    await client.aclose()

    assert calls == 3
    async with db.session() as session:
        page = await service.webhook_deliveries(session, analysis_id=analysis_id)
    [delivery] = page["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == (
        "failed",
        3,
        500,
    )


async def test_a_failed_webhook_attempt_is_logged_with_its_analysis_id(db, settings, caplog):
    settings = webhook_settings(settings)
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(500)))
    analysis_id = await enqueue(db, settings.data_dir)
    worker = make_worker(db, settings, cloud(), http_client=client)
    with caplog.at_level(logging.WARNING, logger="analysis.outbox"):
        await worker.run_until_idle()
    await client.aclose()

    [failed] = [r for r in caplog.records if r.name == "analysis.outbox"]
    assert "failed (attempt 1)" in failed.getMessage()
    assert getattr(failed, "analysis_id", None) == analysis_id


async def test_a_webhook_a_crashed_worker_was_sending_is_sent_again(db, settings):
    settings = webhook_settings(settings)
    received: list[bytes] = []
    never, posting = asyncio.Event(), asyncio.Event()

    async def hangs(request: httpx.Request) -> httpx.Response:
        posting.set()
        await never.wait()
        return httpx.Response(204)

    async def accepts(request: httpx.Request) -> httpx.Response:
        received.append(request.content)
        return httpx.Response(204)

    analysis_id = await enqueue(db, settings.data_dir)
    first_client = httpx.AsyncClient(transport=httpx.MockTransport(hangs))
    first = make_worker(db, settings, cloud(), http_client=first_client)
    await first.claim_available()
    await asyncio.gather(*first._running.values())
    sending = asyncio.create_task(first.drain_outbox())
    await asyncio.wait_for(posting.wait(), 5)
    sending.cancel()  # the worker dies while the POST is in flight
    await asyncio.gather(sending, return_exceptions=True)

    second_client = httpx.AsyncClient(transport=httpx.MockTransport(accepts))
    second = make_worker(db, settings, cloud(), http_client=second_client)
    await second.drain_outbox()
    assert received == []  # the dead worker's attempt is not given up on at once
    await make_due(db)  # its hold runs out
    await second.drain_outbox()
    await first_client.aclose()
    await second_client.aclose()

    assert [json.loads(body)["analysis_id"] for body in received] == [analysis_id]
    async with db.session() as session:
        [delivery] = (await service.webhook_deliveries(session))["items"]
    assert delivery["status"] == "done"


async def test_deletions_and_deliveries_are_listed_page_by_page(db, settings):
    for n in range(3):
        await enqueue(db, settings.data_dir, recording_id=f"rec-{n}")
    await make_worker(db, settings, cloud()).run_until_idle()
    await erase(db, settings.data_dir)

    async with db.session() as session:
        first = await service.remote_deletions(session, status="pending", limit=2, offset=0)
        rest = await service.remote_deletions(session, status="pending", limit=2, offset=2)
    assert (len(first["items"]), first["total"], first["limit"]) == (2, 3, 2)
    assert len(rest["items"]) == 1
    listed = {item["id"] for item in first["items"] + rest["items"]}
    assert len(listed) == 3


# issue 13: one deletion per remote copy


async def test_an_interview_with_five_recordings_gets_five_deletions_at_the_provider(db, settings):
    twelvelabs = Scripted("twelvelabs", [tl_ok() for _ in range(5)], state={"input": "original"})
    for n in range(5):
        await enqueue(db, settings.data_dir, recording_id=f"rec-{n}")
    worker = make_worker(db, settings, cloud(tl=twelvelabs, ih=Scripted(
        "interhuman", [ih_ok() for _ in range(5)]
    )))  # fmt: skip
    await worker.run_until_idle()
    assert len(twelvelabs.created) == 5

    assert await erase(db, settings.data_dir) == 5
    await worker.drain_outbox()

    assert sorted(state["asset_id"] for state in twelvelabs.deleted) == sorted(twelvelabs.created)
    deletions = await provider_deletions(db)
    assert [(d["provider"], d["status"]) for d in deletions] == [("twelvelabs", "done")] * 5


# defect 8: the worker is woken once the job is committed


class Wakes:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.calls = 0

    def notify(self) -> None:
        self.calls += 1

    def notify_outbox(self) -> None:
        pass


async def test_the_worker_is_woken_after_the_job_is_committed(db, settings):
    wakes = Wakes(db)
    hooks = PipelineHooks(LocalStorage(settings.data_dir), wakes)  # type: ignore[arg-type]
    async with db.session() as session:
        await hooks.enqueue(session, stored_recording(settings.data_dir, "rec-1"))
        assert wakes.calls == 0  # not yet: a worker looking now would find nothing
    assert wakes.calls == 1
    async with db.session() as session:
        assert (await session.scalars(select(Analysis.recording_id))).all() == ["rec-1"]

    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await hooks.enqueue(session, stored_recording(settings.data_dir, "rec-2"))
            raise RuntimeError("the upload's transaction fails")
    assert wakes.calls == 1  # nothing was committed: nothing to wake for


# defect 6 (the part below the API): the erasure's rows go before any file


async def test_the_erasure_touches_no_file_before_its_rows_are_committed(db, settings):
    analysis_id = await enqueue(db, settings.data_dir)
    await make_worker(db, settings, cloud()).run_until_idle()
    result = settings.data_dir / f"results/analysis_{analysis_id}.json"

    async with db.session() as session:
        await service.erase_interview(session, "int-1")
        assert result.exists()
    assert result.exists()  # committed, the deletion is queued ...
    assert await service.delete_erased_files(db, LocalStorage(settings.data_dir), "int-1") == []
    assert not result.exists()  # ... and made right after
    async with db.session() as session:
        items = (await session.scalars(select(OutboxItem))).all()
    assert {(i.kind, i.status) for i in items} >= {("file_deletion", "done")}


async def test_a_busy_database_at_a_checkpoint_does_not_fail_the_step(db, settings, monkeypatch):
    real_update = AnalysisRepository.update_step
    busy = 2

    async def busy_twice(
        self: AnalysisRepository, analysis_id: str, provider: str, **values: Any
    ) -> bool:
        nonlocal busy
        if "state" in values and "status" not in values and busy:  # a checkpoint
            busy -= 1
            raise OperationalError("UPDATE analysis_provider_steps", {}, Exception("locked"))
        return await real_update(self, analysis_id, provider, **values)

    monkeypatch.setattr(AnalysisRepository, "update_step", busy_twice)
    twelvelabs = Scripted("twelvelabs", [tl_ok()])
    analysis_id = await enqueue(db, settings.data_dir)

    await make_worker(db, settings, cloud(tl=twelvelabs)).run_until_idle()

    doc = await document(db, analysis_id)
    assert busy == 0
    assert doc["status"] == "succeeded"
    assert doc["providers"]["twelvelabs"]["remote_ids"]["asset_id"] == "asset-rec-1"
    assert twelvelabs.uploads == 1
