"""Step progress in the database: each change committed on its own, so it survives a crash.

Every write first checks that the job still exists and that this worker still holds its lease,
so a worker that lost its job (erased, or taken over after a long silence) stops at its next
checkpoint instead of writing over the new owner's progress.
"""

from typing import Any

from analysis.canonical import ProviderStatus
from analysis.repository import AnalysisRepository
from analysis.runner import JobStopped, StepOutcome, StepSnapshot
from shared.db import Database, utcnow


class AnalysisGone(JobStopped):
    """The analysis was erased while it ran."""


class LeaseLost(JobStopped):
    """Another worker holds the job now (this one was silent for longer than its lease)."""


class DatabaseStepStore:
    def __init__(self, db: Database, analysis_id: str, owner: str) -> None:
        self.db = db
        self.analysis_id = analysis_id
        self.owner = owner
        # every state seen, also the last one a failed write carried: erasure deletes its copies
        self.states: dict[str, dict[str, Any]] = {}

    async def _check(self, repo: AnalysisRepository) -> None:
        try:
            owner = await repo.lease_owner(self.analysis_id)
        except LookupError:
            raise AnalysisGone(self.analysis_id) from None
        if owner != self.owner:
            raise LeaseLost(self.analysis_id)

    async def load(self, provider: str) -> StepSnapshot:
        async with self.db.session() as session:
            repo = AnalysisRepository(session)
            await self._check(repo)
            step = await repo.get_step(self.analysis_id, provider)
            if step is None:
                raise AnalysisGone(self.analysis_id)
            self.states[provider] = dict(step.state or {})
            return StepSnapshot(
                ProviderStatus(step.status), dict(step.state or {}), step.attempts, step.section
            )

    async def _update(self, provider: str, **values: Any) -> None:
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
