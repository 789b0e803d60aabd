"""Step progress in the database: each change committed on its own, so it survives a crash.

Every write first checks that the job still exists and that this worker still holds its lease,
so a worker that lost its job (erased, or taken over after a long silence) stops at its next
checkpoint instead of writing over the new owner's progress. A write that meets a busy or
briefly unreachable database is tried again a few times; should it still fail, the job stops
(`StoreUnavailable`) and is resumed later from its last committed step, rather than a step being
failed for what was the database's hiccup.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from analysis.canonical import ProviderStatus
from analysis.repository import AnalysisRepository
from analysis.runner import JobStopped, StepOutcome, StepSnapshot
from shared.db import TRANSIENT_DB_ERRORS, Database, utcnow
from shared.http import Sleep

logger = logging.getLogger(__name__)
T = TypeVar("T")
WRITE_ATTEMPTS = 4  # waits of 0.5, 1 and 2 s in between: past a SQLite busy spell or a failover


class AnalysisGone(JobStopped):
    """The analysis was erased while it ran."""


class LeaseLost(JobStopped):
    """Another worker holds the job now (this one was silent for longer than its lease)."""


class StoreUnavailable(JobStopped):
    """The database kept failing: the job stops and is resumed once its lease runs out."""


class DatabaseStepStore:
    def __init__(
        self, db: Database, analysis_id: str, owner: str, *, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.db = db
        self.analysis_id = analysis_id
        self.owner = owner
        self.sleep = sleep
        # every state seen, also the last one a failed write carried: erasure deletes its copies
        self.states: dict[str, dict[str, Any]] = {}

    async def _check(self, repo: AnalysisRepository) -> None:
        try:
            owner = await repo.lease_owner(self.analysis_id)
        except LookupError:
            raise AnalysisGone(self.analysis_id) from None
        if owner != self.owner:
            raise LeaseLost(self.analysis_id)

    async def _retrying(self, what: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return await what()
            except TRANSIENT_DB_ERRORS as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise StoreUnavailable(self.analysis_id) from exc
                logger.warning("step store: %s; trying again", type(exc).__name__)
                await self.sleep(0.5 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def load(self, provider: str) -> StepSnapshot:
        return await self._retrying(lambda: self._load(provider))

    async def _load(self, provider: str) -> StepSnapshot:
        async with self.db.session() as session:
            repo = AnalysisRepository(session)
            await self._check(repo)
            step = await repo.get_step(self.analysis_id, provider)
            if step is None:
                raise AnalysisGone(self.analysis_id)
            self.states[provider] = dict(step.state or {})
            return StepSnapshot(
                ProviderStatus(step.status),
                dict(step.state or {}),
                step.attempts,
                step.section,
                step.error_code,
                step.error_message,
            )

    async def _update(self, provider: str, **values: Any) -> None:
        await self._retrying(lambda: self._write(provider, values))

    async def _write(self, provider: str, values: dict[str, Any]) -> None:
        async with self.db.session() as session:
            repo = AnalysisRepository(session)
            await self._check(repo)
            if not await repo.update_step(self.analysis_id, provider, **values):
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
