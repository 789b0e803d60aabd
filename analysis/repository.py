"""All SQL of the analysis pipeline."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from analysis.canonical import AnalysisStatus, ProviderName, ProviderStatus
from analysis.models import Analysis, ProviderStep, RemoteDeletion, WebhookDelivery
from shared.db import utcnow

UNFINISHED = (AnalysisStatus.QUEUED.value, AnalysisStatus.RUNNING.value)


class AnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, analysis: Analysis) -> Analysis:
        analysis.steps = [
            ProviderStep(provider=name.value, state={}, notes=[]) for name in ProviderName
        ]
        self.session.add(analysis)
        await self.session.flush()
        return analysis

    async def get(self, analysis_id: str) -> Analysis | None:
        return await self.session.scalar(
            select(Analysis).where(Analysis.id == analysis_id).options(selectinload(Analysis.steps))
        )

    async def get_by_recording(self, recording_id: str) -> Analysis | None:
        return await self.session.scalar(
            select(Analysis)
            .where(Analysis.recording_id == recording_id)
            .options(selectinload(Analysis.steps))
        )

    async def statuses(self, recording_ids: Sequence[str]) -> dict[str, str]:
        """The analysis status of each recording that has one, in one query."""
        if not recording_ids:
            return {}
        rows = await self.session.execute(
            select(Analysis.recording_id, Analysis.status).where(
                Analysis.recording_id.in_(recording_ids)
            )
        )
        return {recording_id: status for recording_id, status in rows}

    async def for_interview(self, interview_id: str) -> Sequence[Analysis]:
        result = await self.session.scalars(
            select(Analysis)
            .where(Analysis.interview_id == interview_id)
            .options(selectinload(Analysis.steps))
            .order_by(Analysis.created_at)
        )
        return result.all()

    async def claim_next(self, owner: str, lease: timedelta) -> str | None:
        """Take the oldest queued job, or a running one whose worker stopped renewing its lease.

        On PostgreSQL the candidate row is locked with SKIP LOCKED so workers never queue on
        each other; the conditional UPDATE makes the claim atomic on every database.
        """
        now = utcnow()
        claimable = or_(
            Analysis.status == AnalysisStatus.QUEUED.value,
            (Analysis.status == AnalysisStatus.RUNNING.value) & (Analysis.lease_expires_at < now),
        )
        candidate = await self.session.scalar(
            select(Analysis.id)
            .where(claimable)
            .order_by(Analysis.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if candidate is None:
            return None
        result = await self.session.execute(
            update(Analysis)
            .where(Analysis.id == candidate, claimable)
            .values(
                status=AnalysisStatus.RUNNING.value,
                lease_owner=owner,
                lease_expires_at=now + lease,
                started_at=func.coalesce(Analysis.started_at, now),
                claims=Analysis.claims + 1,
            )
        )
        return candidate if result.rowcount == 1 else None  # type: ignore[attr-defined]

    async def renew_lease(self, analysis_id: str, owner: str, lease: timedelta) -> bool:
        """Extend our lease; False when the job is no longer ours (or no longer exists)."""
        result = await self.session.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id, Analysis.lease_owner == owner)
            .values(lease_expires_at=utcnow() + lease)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def release(self, analysis_id: str, owner: str) -> None:
        """Give an unfinished job back so another worker takes it at once."""
        await self.session.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id, Analysis.lease_owner == owner)
            .where(Analysis.status == AnalysisStatus.RUNNING.value)
            .values(lease_owner=None, lease_expires_at=utcnow())
        )

    async def get_step(self, analysis_id: str, provider: str) -> ProviderStep | None:
        return await self.session.get(ProviderStep, (analysis_id, provider))

    async def update_step(self, analysis_id: str, provider: str, **values: Any) -> bool:
        result = await self.session.execute(
            update(ProviderStep)
            .where(ProviderStep.analysis_id == analysis_id, ProviderStep.provider == provider)
            .values(**values, updated_at=utcnow())
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def finish(
        self,
        analysis_id: str,
        owner: str,
        status: AnalysisStatus,
        document: dict[str, Any],
        completed_at: datetime,
    ) -> bool:
        result = await self.session.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id, Analysis.lease_owner == owner)
            .values(
                status=status.value,
                document=document,
                completed_at=completed_at,
                lease_owner=None,
                lease_expires_at=None,
            )
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def delete_for_interview(self, interview_id: str) -> Sequence[Analysis]:
        analyses = await self.for_interview(interview_id)
        for analysis in analyses:
            await self.session.delete(analysis)
        await self.session.flush()
        return analyses

    async def count_by_status(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(Analysis.status, func.count()).group_by(Analysis.status)
        )
        return {status: count for status, count in rows}

    async def oldest_queued_at(self) -> datetime | None:
        return await self.session.scalar(
            select(func.min(Analysis.created_at)).where(
                Analysis.status == AnalysisStatus.QUEUED.value
            )
        )

    # webhook deliveries

    async def add_delivery(self, delivery: WebhookDelivery) -> None:
        self.session.add(delivery)
        await self.session.flush()

    async def deliveries(self, analysis_id: str) -> Sequence[WebhookDelivery]:
        result = await self.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.analysis_id == analysis_id)
            .order_by(WebhookDelivery.id)
        )
        return result.all()

    # provider-side erasure

    async def queue_remote_deletion(
        self, interview_id: str, provider: str, state: dict[str, Any]
    ) -> bool:
        """Queue the deletion of a provider-side copy, once; False when it was queued already
        (a state that shares a remote id with a queued one names the same copy)."""
        existing = await self.session.scalars(
            select(RemoteDeletion).where(
                RemoteDeletion.interview_id == interview_id, RemoteDeletion.provider == provider
            )
        )
        for row in existing:
            if set(row.state.items()) & set(state.items()):
                row.state = {**row.state, **state}
                return False
        self.session.add(RemoteDeletion(interview_id=interview_id, provider=provider, state=state))
        await self.session.flush()
        return True

    async def pending_remote_deletions(self, limit: int = 20) -> Sequence[RemoteDeletion]:
        result = await self.session.scalars(
            select(RemoteDeletion)
            .where(RemoteDeletion.status == "pending")
            .order_by(RemoteDeletion.updated_at)
            .limit(limit)
        )
        return result.all()

    async def record_deletion_attempt(self, deletion_id: int, error: str | None) -> None:
        """One more attempt: done when `error` is None, else still pending with the error."""
        await self.session.execute(
            update(RemoteDeletion)
            .where(RemoteDeletion.id == deletion_id)
            .values(
                attempts=RemoteDeletion.attempts + 1,
                status="pending" if error else "done",
                last_error=error,
                updated_at=utcnow(),
            )
        )

    async def remote_deletions(self, interview_id: str | None = None) -> Sequence[RemoteDeletion]:
        query = select(RemoteDeletion).order_by(RemoteDeletion.id)
        if interview_id is not None:
            query = query.where(RemoteDeletion.interview_id == interview_id)
        return (await self.session.scalars(query)).all()

    async def purge_done_deletions(self, interview_id: str) -> None:
        await self.session.execute(
            delete(RemoteDeletion).where(
                RemoteDeletion.interview_id == interview_id, RemoteDeletion.status == "done"
            )
        )


def step_is_final(step: ProviderStep) -> bool:
    return step.status in (
        ProviderStatus.SUCCEEDED.value,
        ProviderStatus.FAILED.value,
        ProviderStatus.SKIPPED.value,
    )
