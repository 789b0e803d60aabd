"""The durable outbox: what must happen after a commit, and keep being tried until it has.

Three kinds of work go through it (`OutboxKind`): deleting a provider-side copy (a Twelve Labs
asset) of an erased interview, deleting stored files (recordings, result files) after the
erasure's rows are committed, and delivering a finished analysis to ANALYSIS_WEBHOOK_URL.

The work is queued in the same transaction as the change that calls for it, so nothing is
lost: after a crash the item is still there. The outbox loop runs beside the claim loop (a
provider outage never stalls claiming) and makes one attempt per item at a time, with a timeout;
a failure is tried again later with a growing, jittered wait, and after `max_attempts` the item
is `failed`, shown by the API and the metrics. An attempt is claimed by moving the item's
`due_at` past the attempt's timeout, so an attempt a crashed worker never finished is made again
(a webhook may then arrive twice: receivers de-duplicate by `X-Analysis-Id`).
"""

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from analysis.models import OutboxItem, OutboxKind, OutboxStatus
from analysis.providers.base import AnalysisProvider
from analysis.repository import AnalysisRepository
from analysis.webhook import post_signed
from shared.db import Database, utcnow
from shared.http import retry_after_seconds
from shared.metrics import observe_outbox_attempt
from shared.settings import Settings
from shared.storage import Storage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxPolicy:
    """How often and how long an item is tried. With the defaults, about 7 hours of tries."""

    max_attempts: int = 12
    base_delay: float = 15.0
    max_delay: float = 3600.0
    attempt_timeout: float = 120.0  # one attempt: a webhook POST, a provider DELETE, file deletes
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    @property
    def hold(self) -> timedelta:
        """How long a claimed item is hidden from other workers: longer than an attempt."""
        return timedelta(seconds=2 * self.attempt_timeout)

    def retry_at(self, attempts: int, now: datetime, hinted: float | None) -> datetime | None:
        """When to try again after `attempts` failed attempts; None once they are exhausted."""
        if attempts >= self.max_attempts:
            return None
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempts - 1))
        delay = ceiling * (0.5 + 0.5 * self.jitter())
        if hinted is not None:  # the receiver's Retry-After, within our own ceiling
            delay = max(delay, min(hinted, self.max_delay))
        return now + timedelta(seconds=delay)


class AttemptFailed(Exception):
    def __init__(
        self, message: str, status_code: int | None = None, retry_after: float | None = None
    ):
        super().__init__(message)
        self.status_code = status_code
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Work:
    """What one attempt needs, read before any network call (no transaction stays open)."""

    id: str
    kind: str
    attempts: int
    provider: str | None
    analysis_id: str | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, item: OutboxItem) -> "_Work":
        return cls(
            item.id, item.kind, item.attempts, item.provider, item.analysis_id, dict(item.payload)
        )


class Outbox:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        *,
        settings: Settings | None = None,
        providers: Sequence[AnalysisProvider] = (),
        http_client: httpx.AsyncClient | None = None,
        policy: OutboxPolicy | None = None,
        poll_interval: float = 5.0,
        batch: int = 20,
    ) -> None:
        self.db = db
        self.storage = storage
        self.settings = settings
        self.providers = {p.spec.name: p for p in providers}
        self.http = http_client
        self.policy = policy or OutboxPolicy()
        self.poll_interval = poll_interval
        self.batch = batch
        self._wake = asyncio.Event()

    def notify(self) -> None:
        """New items were committed: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        """The outbox loop, until `stopping` is set."""
        while not stopping.is_set():
            self._wake.clear()
            try:
                while await self.process_due() and not stopping.is_set():
                    pass
            except Exception:
                logger.exception("outbox loop error; continuing")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def process_due(self) -> int:
        """Make one attempt at each due item (a batch of them); returns how many were due."""
        async with self.db.session() as session:
            due = await AnalysisRepository(session).due_outbox(utcnow(), self.batch)
        for item_id in due:
            await self.attempt(item_id)
        return len(due)

    async def attempt_now(self, item_ids: Sequence[str]) -> list[OutboxItem]:
        """Attempt these items at once (erasure's file deletions, right after its commit);
        returns those not done, which stay in the outbox for its loop."""
        left = []
        for item_id in item_ids:
            item = await self.attempt(item_id, early=True)
            if item is None:  # being attempted elsewhere, or not due: as it stands now
                async with self.db.session() as session:
                    item = await AnalysisRepository(session).get_outbox(item_id)
            if item is not None and item.status != OutboxStatus.DONE.value:
                left.append(item)
        return left

    async def attempt(self, item_id: str, *, early: bool = False) -> OutboxItem | None:
        """One attempt at one item, if it is due and nobody else is attempting it. `early`
        also takes an item queued to be attempted by its producer (see `queue_file_deletion`)."""
        now = utcnow()
        async with self.db.session() as session:
            item = await AnalysisRepository(session).claim_outbox(
                item_id, now, self.policy.hold, due_by=now + self.policy.hold if early else None
            )
            if item is None:
                return None
            work = _Work.of(item)
        error: str | None = None
        status_code: int | None = None
        hinted: float | None = None
        try:
            async with asyncio.timeout(self.policy.attempt_timeout):
                status_code = await self._perform(work)
        except AttemptFailed as exc:
            error, status_code, hinted = str(exc), exc.status_code, exc.retry_after
        except TimeoutError:
            error = f"no answer within {self.policy.attempt_timeout:.0f} s"
        except Exception as exc:  # a provider, storage or network failure: tried again later
            error = f"{type(exc).__name__}: {exc}"[:2000]
        retry_at = (
            None if error is None else self.policy.retry_at(work.attempts + 1, utcnow(), hinted)
        )
        async with self.db.session() as session:
            recorded = await AnalysisRepository(session).record_outbox_attempt(
                work.id, error=error, status_code=status_code, retry_at=retry_at
            )
        outcome = "done" if error is None else ("retry" if retry_at else "failed")
        observe_outbox_attempt(work.kind, outcome)
        if error is not None:
            then = "tried again later" if retry_at else "every attempt failed, giving up"
            log = logger.warning if retry_at else logger.error
            log(
                "%s %s failed (attempt %d): %s; %s",
                work.kind,
                work.id,
                work.attempts + 1,
                error,
                then,
                extra={"analysis_id": work.analysis_id},
            )
        return recorded

    async def _perform(self, work: _Work) -> int | None:
        if work.kind == OutboxKind.REMOTE_DELETION.value:
            await self._delete_remote(work)
        elif work.kind == OutboxKind.FILE_DELETION.value:
            for key in work.payload.get("keys", []):
                await self.storage.delete(key)
            for prefix in work.payload.get("prefixes", []):
                await self.storage.delete_prefix(prefix)
        elif work.kind == OutboxKind.WEBHOOK.value:
            return await self._deliver_webhook(work)
        else:
            raise AttemptFailed(f"unknown outbox kind {work.kind!r}")
        return None

    async def _delete_remote(self, work: _Work) -> None:
        provider = self.providers.get(work.provider or "")
        if provider is None or (reason := provider.skip_reason()):
            why = "unknown" if provider is None else reason
            raise AttemptFailed(f"{work.provider} is not configured in this worker ({why})")
        await provider.delete_remote(dict(work.payload.get("state", {})))

    async def _deliver_webhook(self, work: _Work) -> int:
        url = self.settings.analysis_webhook_url if self.settings else None
        if not url or self.settings is None or self.http is None:
            raise AttemptFailed("ANALYSIS_WEBHOOK_URL is not set in this process")
        secret = self.settings.analysis_webhook_secret
        body = json.dumps(work.payload["document"], indent=2).encode()
        response = await post_signed(
            self.http,
            url,
            body,
            analysis_id=work.analysis_id or "",
            secret=secret.get_secret_value() if secret else None,
        )
        if not response.is_success:
            raise AttemptFailed(
                f"HTTP {response.status_code}",
                response.status_code,
                retry_after_seconds(response.headers),
            )
        return response.status_code


async def queue_webhook(
    repo: AnalysisRepository, interview_id: str, analysis_id: str, document: dict[str, Any]
) -> OutboxItem:
    """Queue the delivery of a finished analysis (in the transaction that finishes it)."""
    return await repo.add_outbox(
        OutboxItem(
            kind=OutboxKind.WEBHOOK.value,
            interview_id=interview_id,
            analysis_id=analysis_id,
            payload={"document": document},
        )
    )


async def queue_file_deletion(
    repo: AnalysisRepository, interview_id: str, *, keys: Sequence[str], prefixes: Sequence[str]
) -> OutboxItem:
    """Queue the deletion of stored files. The erasure that queues them attempts them itself
    right after its commit (`Outbox.attempt_now`), so the loop leaves them alone until the
    hold of one attempt has passed (it takes them over should that process die)."""
    return await repo.add_outbox(
        OutboxItem(
            kind=OutboxKind.FILE_DELETION.value,
            interview_id=interview_id,
            payload={"keys": list(keys), "prefixes": list(prefixes)},
            due_at=utcnow() + OutboxPolicy().hold,
        )
    )
