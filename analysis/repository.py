"""All SQL of the analysis pipeline."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from analysis.canonical import AnalysisStatus, ProviderStatus
from analysis.models import Analysis, OutboxItem, OutboxKind, OutboxStatus, ProviderStep
from analysis.registry import provider_names
from shared.db import canonical_id, new_id, utcnow

UNFINISHED = (AnalysisStatus.QUEUED.value, AnalysisStatus.RUNNING.value)


@dataclass(frozen=True)
class Claim:
    analysis_id: str
    claims: int  # how many times the job was claimed, this claim included


class AnalysisRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, analysis: Analysis) -> Analysis:
        analysis.steps = [
            ProviderStep(provider=name, state={}, notes=[]) for name in provider_names()
        ]
        self.session.add(analysis)
        await self.session.flush()
        return analysis

    async def get(self, analysis_id: str) -> Analysis | None:
        if (canonical := canonical_id(analysis_id)) is None:
            return None
        return await self.session.scalar(
            select(Analysis).where(Analysis.id == canonical).options(selectinload(Analysis.steps))
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
        return await self.for_interviews([interview_id])

    async def for_interviews(self, interview_ids: Sequence[str]) -> Sequence[Analysis]:
        """The analyses of these interviews, oldest first, with their steps."""
        if not interview_ids:
            return []
        result = await self.session.scalars(
            select(Analysis)
            .where(Analysis.interview_id.in_(interview_ids))
            .options(selectinload(Analysis.steps))
            .order_by(Analysis.created_at)
        )
        return result.all()

    async def claim_next(self, owner: str, lease: timedelta) -> Claim | None:
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
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        claims = await self.session.scalar(select(Analysis.claims).where(Analysis.id == candidate))
        return Claim(candidate, int(claims or 0))

    async def lease_owner(self, analysis_id: str) -> str | None:
        """Who holds the job's lease; raises `LookupError` when the job no longer exists."""
        row = await self.session.execute(
            select(Analysis.lease_owner).where(Analysis.id == analysis_id)
        )
        found = row.first()
        if found is None:
            raise LookupError(analysis_id)
        return found[0]

    async def renew_lease(self, analysis_id: str, owner: str, lease: timedelta) -> bool:
        """Extend our lease; False when the job is no longer ours (or no longer exists)."""
        result = await self.session.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id, Analysis.lease_owner == owner)
            .values(lease_expires_at=utcnow() + lease)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def release(self, analysis_id: str, owner: str, retry_at: datetime | None = None) -> None:
        """Give an unfinished job back: claimable at once, or from `retry_at`."""
        await self.session.execute(
            update(Analysis)
            .where(Analysis.id == analysis_id, Analysis.lease_owner == owner)
            .where(Analysis.status == AnalysisStatus.RUNNING.value)
            .values(lease_owner=None, lease_expires_at=retry_at or utcnow())
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

    # the outbox

    async def oldest_pending_outbox(self, kinds: Sequence[str]) -> datetime | None:
        return await self.session.scalar(
            select(func.min(OutboxItem.created_at)).where(
                OutboxItem.kind.in_(kinds), OutboxItem.status == OutboxStatus.PENDING.value
            )
        )

    async def add_outbox(self, item: OutboxItem) -> OutboxItem:
        item.id = item.id or new_id()
        self.session.add(item)
        await self.session.flush()
        return item

    async def queue_remote_deletion(
        self, interview_id: str, analysis_id: str, provider: str, state: dict[str, Any]
    ) -> bool:
        """Queue the deletion of one step's provider-side copies, once per analysis and
        provider; False when it was queued already (the states are then merged, so a remote id
        learnt later is deleted too)."""
        existing = await self.session.scalar(
            select(OutboxItem).where(
                OutboxItem.kind == OutboxKind.REMOTE_DELETION.value,
                OutboxItem.analysis_id == analysis_id,
                OutboxItem.provider == provider,
            )
        )
        if existing is not None:
            merged = {**existing.payload.get("state", {}), **state}
            if merged != existing.payload.get("state"):
                existing.payload = {**existing.payload, "state": merged}
                if existing.status == OutboxStatus.DONE.value:  # a copy learnt after the delete
                    existing.status, existing.due_at = OutboxStatus.PENDING.value, utcnow()
            return False
        await self.add_outbox(
            OutboxItem(
                kind=OutboxKind.REMOTE_DELETION.value,
                interview_id=interview_id,
                analysis_id=analysis_id,
                provider=provider,
                payload={"state": state},
            )
        )
        return True

    async def drop_undelivered_webhooks(self, interview_id: str) -> None:
        """Webhook payloads carry the analysis: erasure drops them, delivered or not."""
        await self.session.execute(
            delete(OutboxItem).where(
                OutboxItem.kind == OutboxKind.WEBHOOK.value,
                OutboxItem.interview_id == interview_id,
            )
        )

    async def due_outbox(self, now: datetime, limit: int) -> Sequence[str]:
        result = await self.session.scalars(
            select(OutboxItem.id)
            .where(OutboxItem.status == OutboxStatus.PENDING.value, OutboxItem.due_at <= now)
            .order_by(OutboxItem.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return result.all()

    async def claim_outbox(
        self, item_id: str, now: datetime, hold: timedelta, *, due_by: datetime | None = None
    ) -> OutboxItem | None:
        """Take one item due by `due_by` (default: now) for an attempt, by moving `due_at` past
        the attempt; should the worker die during it, the item is due again after `hold`."""
        result = await self.session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id == item_id,
                OutboxItem.status == OutboxStatus.PENDING.value,
                OutboxItem.due_at <= (due_by or now),
            )
            .values(due_at=now + hold)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.session.get(OutboxItem, item_id)

    async def record_outbox_attempt(
        self,
        item_id: str,
        *,
        error: str | None,
        status_code: int | None,
        retry_at: datetime | None,
    ) -> OutboxItem | None:
        """One attempt made: done when `error` is None; else due again at `retry_at`, or
        `failed` when `retry_at` is None (attempts exhausted)."""
        item = await self.session.get(OutboxItem, item_id)
        if item is None:  # erased meanwhile (a webhook of an erased interview)
            return None
        now = utcnow()
        item.attempts += 1
        item.last_error = error
        item.last_status_code = status_code
        if error is None:
            item.status, item.completed_at = OutboxStatus.DONE.value, now
            if item.kind == OutboxKind.WEBHOOK.value:
                item.payload = {}  # delivered: the analysis is not kept twice
        elif retry_at is None:
            item.status, item.completed_at = OutboxStatus.FAILED.value, now
        else:
            item.due_at = retry_at
        await self.session.flush()
        return item

    async def outbox_page(
        self,
        kinds: Sequence[str],
        *,
        interview_id: str | None = None,
        analysis_id: str | None = None,
        status: str | None = None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[OutboxItem], int]:
        conditions: list[ColumnElement[bool]] = [OutboxItem.kind.in_(kinds)]
        if interview_id is not None:
            conditions.append(OutboxItem.interview_id == interview_id)
        if analysis_id is not None:
            conditions.append(OutboxItem.analysis_id == analysis_id)
        if status is not None:
            conditions.append(OutboxItem.status == status)
        total = await self.session.scalar(select(func.count()).where(*conditions))
        rows = await self.session.scalars(
            select(OutboxItem)
            .where(*conditions)
            .order_by(OutboxItem.created_at, OutboxItem.id)
            .limit(limit)
            .offset(offset)
        )
        return rows.all(), int(total or 0)

    async def get_outbox(self, item_id: str) -> OutboxItem | None:
        return await self.session.get(OutboxItem, item_id)

    async def outbox_for_interview(self, interview_id: str) -> Sequence[OutboxItem]:
        rows = await self.session.scalars(
            select(OutboxItem).where(OutboxItem.interview_id == interview_id)
        )
        return rows.all()

    # result files

    async def existing_ids(self, analysis_ids: Sequence[str]) -> set[str]:
        rows = await self.session.scalars(select(Analysis.id).where(Analysis.id.in_(analysis_ids)))
        return set(rows)

    async def existing_answer_ids(self, ids: Sequence[str]) -> set[str]:
        """Those of `ids` that are the recording or the interview of some analysis."""
        recordings = select(Analysis.recording_id).where(Analysis.recording_id.in_(ids))
        interviews = select(Analysis.interview_id).where(Analysis.interview_id.in_(ids))
        return set(await self.session.scalars(recordings.union(interviews)))


def step_is_final(step: ProviderStep) -> bool:
    return step.status in (
        ProviderStatus.SUCCEEDED.value,
        ProviderStatus.FAILED.value,
        ProviderStatus.SKIPPED.value,
    )
