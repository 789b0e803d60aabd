"""The analysis worker: claims queued jobs, runs their steps, finishes them.

With the embedded defaults it runs inside the interview API; `interview-analysis worker` runs it
as its own process. Jobs are claimed with a lease that a heartbeat renews; a worker that dies
stops renewing, and another (or the same one after a restart) takes the job over from the last
committed step. On SIGTERM a worker stops claiming, lets running jobs finish for a grace period,
and gives back the ones that did not.
"""

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from analysis.canonical import AnalysisStatus, ProviderStatus
from analysis.merge import merge
from analysis.models import WebhookDelivery
from analysis.providers.base import AnalysisProvider, ProviderFailure, VideoInput
from analysis.repository import AnalysisRepository
from analysis.runner import FINAL, StepOutcome, StepPolicy, StepSnapshot, run_providers
from analysis.service import (
    KEEPS_COPIES,
    result_key,
    stored_analysis,
    stored_steps,
    write_transcripts,
)
from analysis.webhook import deliver
from shared.db import Database, utcnow
from shared.http import RetryPolicy
from shared.logging import log_context
from shared.settings import Settings
from shared.storage import Storage

logger = logging.getLogger(__name__)

PRESIGNED_URL_SECONDS = 6 * 3600  # long enough for a provider's queue to reach the download


class AnalysisGone(Exception):
    """The analysis was erased while it ran."""


class DatabaseStepStore:
    """Step progress in the database, each change committed on its own so it survives a crash."""

    def __init__(self, db: Database, analysis_id: str) -> None:
        self.db = db
        self.analysis_id = analysis_id
        self.states: dict[str, dict[str, Any]] = {}

    async def load(self, provider: str) -> StepSnapshot:
        async with self.db.session() as session:
            step = await AnalysisRepository(session).get_step(self.analysis_id, provider)
            if step is None:
                raise AnalysisGone(self.analysis_id)
            self.states[provider] = dict(step.state or {})
            return StepSnapshot(
                ProviderStatus(step.status), dict(step.state or {}), step.attempts, step.section
            )

    async def _update(self, provider: str, **values: Any) -> None:
        async with self.db.session() as session:
            if not await AnalysisRepository(session).update_step(
                self.analysis_id, provider, **values
            ):
                raise AnalysisGone(self.analysis_id)

    async def begin_attempt(self, provider: str, attempts: int) -> None:
        await self._update(
            provider, status=ProviderStatus.RUNNING.value, attempts=attempts, started_at=utcnow()
        )

    async def checkpoint(self, provider: str, state: dict[str, Any]) -> None:
        self.states[provider] = dict(state)
        await self._update(provider, state=state)

    async def finish(self, provider: str, outcome: StepOutcome) -> None:
        state = {**self.states.get(provider, {}), **outcome.remote_ids}
        self.states[provider] = state
        await self._update(
            provider,
            status=outcome.status.value,
            state=state,
            section=outcome.section,
            raw=outcome.raw
            if outcome.raw is None or isinstance(outcome.raw, dict)
            else {"answer": outcome.raw},
            notes=outcome.notes,
            error_code=outcome.error_code,
            error_message=outcome.error_message,
            finished_at=utcnow(),
        )


class AnalysisWorker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        providers: Sequence[AnalysisProvider],
        storage: Storage,
        *,
        http_client: httpx.AsyncClient | None = None,
        concurrency: int = 2,
        poll_interval: float = 1.0,
        lease_seconds: float = 60.0,
        step_policy: StepPolicy | None = None,
        webhook_policy: RetryPolicy | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.providers = list(providers)
        self.storage = storage
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.lease = timedelta(seconds=lease_seconds)
        self.step_policy = step_policy or StepPolicy()
        self.webhook_policy = webhook_policy or RetryPolicy(max_attempts=5, deadline=600)
        self._http = http_client or httpx.AsyncClient(timeout=httpx.Timeout(15.0))
        self._owns_http = http_client is None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(
        cls,
        db: Database,
        settings: Settings,
        providers: Sequence[AnalysisProvider],
        storage: Storage,
    ) -> "AnalysisWorker":
        return cls(
            db,
            settings,
            providers,
            storage,
            concurrency=settings.worker_concurrency,
            poll_interval=settings.worker_poll_seconds,
            lease_seconds=settings.worker_lease_seconds,
        )

    # lifecycle

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop(), name="analysis-worker")

    def notify(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop claiming; let running jobs finish for `grace_seconds`; give back the rest."""
        self._stopping.set()
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        if self._running:
            _, pending = await asyncio.wait(self._running.values(), timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._owns_http:
            await self._http.aclose()
        for provider in self.providers:
            await provider.aclose()

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.claim_available()
                await self.process_remote_deletions()
            except Exception:
                logger.exception("worker loop error; continuing")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def claim_available(self) -> None:
        while len(self._running) < self.concurrency and not self._stopping.is_set():
            async with self.db.session() as session:
                analysis_id = await AnalysisRepository(session).claim_next(self.owner, self.lease)
            if analysis_id is None:
                return
            logger.info("claimed analysis %s", analysis_id, extra={"analysis_id": analysis_id})
            task = asyncio.create_task(self._guarded(analysis_id), name=f"analysis-{analysis_id}")
            self._running[analysis_id] = task
            task.add_done_callback(partial(self._forget, analysis_id))

    def _forget(self, analysis_id: str, _: "asyncio.Task[None]") -> None:
        self._running.pop(analysis_id, None)

    async def run_until_idle(self) -> None:
        """Process every claimable job, then return (tests and one-shot runs)."""
        while True:
            await self.claim_available()
            if not self._running:
                return
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)

    # one job

    async def _guarded(self, analysis_id: str) -> None:
        with log_context(analysis_id=analysis_id):
            heartbeat = asyncio.create_task(self._heartbeat(analysis_id, asyncio.current_task()))
            try:
                await self.process(analysis_id)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._release(analysis_id))
                raise
            except AnalysisGone:
                logger.info("analysis erased while running")
            except Exception:
                logger.exception("analysis job failed; it will be retried when its lease ends")
            finally:
                heartbeat.cancel()

    async def _release(self, analysis_id: str) -> None:
        async with self.db.session() as session:
            await AnalysisRepository(session).release(analysis_id, self.owner)

    async def _heartbeat(self, analysis_id: str, job: asyncio.Task[Any] | None) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            async with self.db.session() as session:
                ours = await AnalysisRepository(session).renew_lease(
                    analysis_id, self.owner, self.lease
                )
            if not ours and job is not None:
                logger.warning("lost the lease; stopping this job")
                job.cancel()
                return

    async def process(self, analysis_id: str) -> None:
        async with self.db.session() as session:
            analysis = await AnalysisRepository(session).get(analysis_id)
            if analysis is None:
                raise AnalysisGone(analysis_id)
            key, interview_id = analysis.recording_key, analysis.interview_id
            video = VideoInput(
                path=Path(key),
                size_bytes=analysis.size_bytes,
                sha256=analysis.sha256,
                container=analysis.container,
                analysis_id=analysis.id,
                recording_id=analysis.recording_id,
                question_text=analysis.question_text,
                question_details=analysis.question_details,
            )
        store = DatabaseStepStore(self.db, analysis_id)
        with log_context(interview_id=interview_id):
            if not await self.storage.exists(key):
                await self._fail_unfinished(
                    store,
                    "recording_missing",
                    f"The recording {key} is not in the storage any more; upload it again.",
                )
                await self.finalize(analysis_id)
                return
            try:
                url = await self.storage.presigned_url(key, PRESIGNED_URL_SECONDS)
                async with self.storage.local_copy(key) as path:
                    await run_providers(
                        replace(video, path=path, url=url), self.providers, store, self.step_policy
                    )
            except AnalysisGone:
                await self._delete_orphaned_copies(interview_id, store.states)
                raise
            await self.finalize(analysis_id)

    async def _fail_unfinished(self, store: DatabaseStepStore, code: str, message: str) -> None:
        for provider in self.providers:
            name = provider.name.value
            if (await store.load(name)).status not in FINAL:
                await store.finish(
                    name, StepOutcome(ProviderStatus.FAILED, error_code=code, error_message=message)
                )

    async def finalize(self, analysis_id: str) -> None:
        """Merge the steps, write the result file, then mark the job done (in that order, so a
        finished analysis always has its file), then send the webhook."""
        completed_at = utcnow()
        async with self.db.session() as session:
            analysis = await AnalysisRepository(session).get(analysis_id)
            if analysis is None:
                raise AnalysisGone(analysis_id)
            stored = replace(stored_analysis(analysis), completed_at=completed_at)
            document = merge(stored, stored_steps(analysis.steps)).model_dump(mode="json")
        body = json.dumps(document, indent=2).encode()
        await self.storage.write_bytes(result_key(analysis_id), body)
        async with self.db.session() as session:
            await write_transcripts(session, self.storage, analysis_id)
        async with self.db.session() as session:
            status = AnalysisStatus(document["status"])
            if not await AnalysisRepository(session).finish(
                analysis_id, self.owner, status, document, completed_at
            ):
                logger.warning("lease lost before the analysis was saved; another worker has it")
                return
        logger.info("analysis %s", status, extra={"status": status.value})
        await self._send_webhook(analysis_id, body)

    async def _send_webhook(self, analysis_id: str, body: bytes) -> None:
        url = self.settings.analysis_webhook_url
        if not url:
            return
        secret = self.settings.analysis_webhook_secret

        async def record(attempt: int, status: int | None, error: str | None, ok: bool) -> None:
            async with self.db.session() as session:
                await AnalysisRepository(session).add_delivery(
                    WebhookDelivery(
                        analysis_id=analysis_id,
                        attempt=attempt,
                        status_code=status,
                        error=error,
                        delivered=ok,
                    )
                )

        delivered = await deliver(
            self._http,
            url,
            body,
            analysis_id=analysis_id,
            secret=secret.get_secret_value() if secret else None,
            policy=self.webhook_policy,
            record=record,
        )
        if not delivered:
            logger.error("webhook not delivered; every attempt is recorded")

    # provider-side erasure

    async def _delete_orphaned_copies(
        self, interview_id: str, states: dict[str, dict[str, Any]]
    ) -> None:
        async with self.db.session() as session:
            repo = AnalysisRepository(session)
            for provider, state in states.items():
                if provider in KEEPS_COPIES and state:
                    await repo.queue_remote_deletion(interview_id, provider, state)

    async def process_remote_deletions(self) -> None:
        """Delete the provider-side copies that erasure queued; a failure is retried later, with
        a growing wait. No transaction stays open across a provider call."""
        by_name = {p.name.value: p for p in self.providers}
        async with self.db.session() as session:
            pending = await AnalysisRepository(session).pending_remote_deletions()
        now = utcnow()
        for deletion in pending:
            provider = by_name.get(deletion.provider)
            if provider is None or provider.skip_reason():
                continue
            wait = min(3600.0, 15.0 * 2**deletion.attempts) if deletion.attempts else 0.0
            if (now - deletion.updated_at).total_seconds() < wait:
                continue
            error = None
            try:
                await provider.delete_remote(dict(deletion.state))
            except (ProviderFailure, httpx.HTTPError) as exc:
                error = str(exc)
                logger.warning("provider-side deletion failed; will retry: %s", exc)
            async with self.db.session() as session:
                await AnalysisRepository(session).record_deletion_attempt(deletion.id, error)
