"""All SQL about interviews."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.interviews.models import ACTIVE, ENDED, Interview
from shared.db import canonical_id


class InterviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, interview_id: str) -> Interview | None:
        """The interview with this id (in any spelling `canonical_id` accepts), if any."""
        canonical = canonical_id(interview_id)
        return await self.session.get(Interview, canonical) if canonical else None

    async def exists(self, interview_id: str) -> bool:
        found = await self.session.scalar(select(Interview.id).where(Interview.id == interview_id))
        return found is not None

    async def add(self, interview: Interview) -> Interview:
        self.session.add(interview)
        await self.session.flush()
        return interview

    async def end(self, interview: Interview, at: datetime) -> Interview:
        """Mark the interview ended unless it already is; either way return its stored state.

        A conditional update, so two simultaneous calls agree on one `ended_at`.
        """
        await self.session.execute(
            update(Interview)
            .where(Interview.id == interview.id, Interview.status == ACTIVE)
            .values(status=ENDED, ended_at=at)
        )
        await self.session.refresh(interview)
        return interview

    async def page(
        self,
        *,
        candidate_id: str | None,
        status: str | None,
        limit: int,
        offset: int,
        question_set_id: str | None = None,
    ) -> tuple[Sequence[Interview], int]:
        """Newest first, and how many match in all."""
        conditions = []
        if candidate_id is not None:
            conditions.append(Interview.candidate_id == candidate_id)
        if question_set_id is not None:
            conditions.append(Interview.question_set_id == question_set_id)
        if status is not None:
            conditions.append(Interview.status == status)
        total = await self.session.scalar(
            select(func.count()).select_from(Interview).where(*conditions)
        )
        rows = await self.session.scalars(
            select(Interview)
            .where(*conditions)
            .order_by(Interview.started_at.desc(), Interview.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return rows.all(), total or 0

    async def delete(self, interview_id: str) -> None:
        await self.session.execute(delete(Interview).where(Interview.id == interview_id))
        await self.session.flush()
