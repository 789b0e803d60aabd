"""The analysis worker: the claim loop and the outbox loop of one process.

With the embedded defaults it runs inside the interview API; `interview-analysis worker` runs it
as its own process. Jobs are claimed with a lease that a heartbeat renews (`analysis.lease`);
a worker that dies stops renewing, and another (or the same one after a restart) takes the job
over from the last committed step (`analysis.step_store`). A job that keeps failing outside its
steps is claimed at most WORKER_MAX_CLAIMS times, then fails with `job_attempts_exhausted`.
Finishing a job is `analysis.finalize`; provider-side deletions, file deletions and webhooks run
in their own loop (`analysis.outbox`), so an outage there never stalls claiming. On SIGTERM a
worker stops claiming, lets running jobs finish for a grace period, and gives back the rest.
"""

import asyncio
import contextlib
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

from analysis.canonical import ProviderStatus
from analysis.finalize import finalize
from analysis.lease import Lease
from analysis.outbox import Outbox, OutboxPolicy
from analysis.policy import stored_policy
from analysis.providers.base import AnalysisProvider, VideoInput
from analysis.repository import AnalysisRepository, Claim
from analysis.runner import FINAL, StepOutcome, StepPolicy, run_providers
from analysis.service import queue_orphaned_copies
from analysis.step_store import AnalysisGone, DatabaseStepStore, LeaseLost
from shared.db import Database
from shared.http import Sleep
from shared.logging import log_context
from shared.metrics import observe_job_exhausted
from shared.settings import Settings
from shared.storage import Storage

logger = logging.getLogger(__name__)

PRESIGNED_URL_SECONDS = 6 * 3600  # long enough for a provider's queue to reach the download
EXHAUSTED = "job_attempts_exhausted"


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
        max_claims: int = 5,
        step_policy: StepPolicy | None = None,
        outbox_policy: OutboxPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.db = db
        self.settings = settings
        self.providers = list(providers)
        self.storage = storage
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self.lease = timedelta(seconds=lease_seconds)
        self.max_claims = max_claims
        self.step_policy = step_policy or StepPolicy()
        self.sleep = sleep
        self._http = http_client or httpx.AsyncClient(timeout=httpx.Timeout(15.0))
        self._owns_http = http_client is None
        self.outbox = Outbox(
            db,
            storage,
            settings=settings,
            providers=self.providers,
            http_client=self._http,
            policy=outbox_policy,
            poll_interval=poll_interval,
        )
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._loop_tasks: list[asyncio.Task[None]] = []

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
            max_claims=settings.worker_max_claims,
            outbox_policy=OutboxPolicy(max_attempts=settings.outbox_max_attempts),
        )

    # lifecycle

    def start(self) -> None:
        self._loop_tasks = [
            asyncio.create_task(self._loop(), name="analysis-worker"),
            asyncio.create_task(self.outbox.run(self._stopping), name="analysis-outbox"),
        ]

    def notify(self) -> None:
        """A job was queued (and committed): look now rather than at the next poll."""
        self._wake.set()

    def notify_outbox(self) -> None:
        """Outbox items were committed: attempt them now."""
        self.outbox.notify()

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Stop claiming; let running jobs finish for `grace_seconds`; give back the rest."""
        self._stopping.set()
        self._wake.set()
        self.outbox.notify()
        await asyncio.gather(*self._loop_tasks, return_exceptions=True)
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
            except Exception:
                logger.exception("worker loop error; continuing")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def claim_available(self) -> None:
        while len(self._running) < self.concurrency and not self._stopping.is_set():
            async with self.db.session() as session:
                claim = await AnalysisRepository(session).claim_next(self.owner, self.lease)
            if claim is None:
                return
            analysis_id = claim.analysis_id
            with log_context(analysis_id=analysis_id):
                logger.info("claimed analysis %s (claim %d)", analysis_id, claim.claims)
            task = asyncio.create_task(self._guarded(claim), name=f"analysis-{analysis_id}")
            self._running[analysis_id] = task
            task.add_done_callback(partial(self._forget, analysis_id))

    def _forget(self, analysis_id: str, _: "asyncio.Task[None]") -> None:
        self._running.pop(analysis_id, None)

    async def run_until_idle(self) -> None:
        """Process every claimable job and every due outbox item, then return (tests and
        one-shot runs)."""
        while True:
            await self.claim_available()
            if not self._running:
                break
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)
        await self.drain_outbox()

    # one job

    async def _guarded(self, claim: Claim) -> None:
        analysis_id = claim.analysis_id
        with log_context(analysis_id=analysis_id):
            lease = Lease(self.db, analysis_id, self.owner, self.lease, sleep=self.sleep)
            heartbeat = asyncio.create_task(lease.keep(), name=f"lease-{analysis_id}")
            try:
                if claim.claims > self.max_claims:
                    await self._give_up(analysis_id, claim.claims)
                else:
                    await self.process(analysis_id)
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._release(analysis_id))
                raise
            except AnalysisGone:
                logger.info("analysis erased while running")
            except LeaseLost:
                logger.warning("another worker holds this job now; stopped")
            except Exception:
                logger.exception(
                    f"analysis job failed outside its steps (claim {claim.claims} of at most "
                    f"{self.max_claims}); it is tried again when its lease ends"
                )
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat

    async def _release(self, analysis_id: str) -> None:
        async with self.db.session() as session:
            await AnalysisRepository(session).release(analysis_id, self.owner)

    async def _give_up(self, analysis_id: str, claims: int) -> None:
        """Fail what is unfinished with `job_attempts_exhausted` and finish the job."""
        logger.error("analysis claimed %d times without finishing; failing it", claims)
        store = DatabaseStepStore(
            self.db, analysis_id, self.owner, sleep=self.step_policy.backoff.sleep
        )
        message = (
            f"The analysis was started {claims - 1} times without finishing "
            f"(WORKER_MAX_CLAIMS={self.max_claims}); see the worker logs."
        )
        await self._fail_unfinished(store, EXHAUSTED, message)
        await finalize(
            self.db, self.storage, self.settings, analysis_id, self.owner, file_required=False
        )
        observe_job_exhausted()
        self.outbox.notify()

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
                analysis_policy=stored_policy(analysis.analysis_policy)
                or self.settings.analysis_policy,
            )
        store = DatabaseStepStore(
            self.db, analysis_id, self.owner, sleep=self.step_policy.backoff.sleep
        )
        with log_context(interview_id=interview_id):
            if not await self.storage.exists(key):
                await self._fail_unfinished(
                    store,
                    "recording_missing",
                    f"The recording {key} is not in the storage any more; upload it again.",
                )
            else:
                try:
                    url = await self.storage.presigned_url(key, PRESIGNED_URL_SECONDS)
                    async with self.storage.local_copy(key) as path:
                        await run_providers(
                            replace(video, path=path, url=url),
                            self.providers,
                            store,
                            self.step_policy,
                        )
                except AnalysisGone:
                    await self._delete_orphaned_copies(interview_id, analysis_id, store.states)
                    raise
            try:
                await finalize(self.db, self.storage, self.settings, analysis_id, self.owner)
            except AnalysisGone:
                await self._delete_orphaned_copies(interview_id, analysis_id, store.states)
                raise
            self.outbox.notify()  # a webhook may be queued

    async def _fail_unfinished(self, store: DatabaseStepStore, code: str, message: str) -> None:
        for provider in self.providers:
            name = provider.spec.name
            if (await store.load(name)).status not in FINAL:
                await store.finish(
                    name, StepOutcome(ProviderStatus.FAILED, error_code=code, error_message=message)
                )

    async def _delete_orphaned_copies(
        self, interview_id: str, analysis_id: str, states: dict[str, dict[str, Any]]
    ) -> None:
        """The job was erased while it ran: what its steps created after the erasure read
        their rows is known only here."""
        await queue_orphaned_copies(self.db, interview_id, analysis_id, states)
        self.outbox.notify()

    async def drain_outbox(self) -> None:
        """Attempt every due outbox item now (tests and one-shot runs)."""
        while await self.outbox.process_due():
            pass
