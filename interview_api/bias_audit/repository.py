"""All SQL about survey answers. Only the bias audit module reads this table."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.bias_audit.models import SurveyResponse


class SurveyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_interview(self, interview_id: str) -> SurveyResponse | None:
        found: SurveyResponse | None = await self.session.scalar(
            select(SurveyResponse).where(SurveyResponse.interview_id == interview_id)
        )
        return found

    async def add(self, response: SurveyResponse) -> bool:
        """Store the answers; False when the interview already has some (a second submission
        racing the first), in which case nothing changed."""
        try:
            async with self.session.begin_nested():
                self.session.add(response)
        except IntegrityError:
            return False
        return True

    async def for_interviews(self, interview_ids: Sequence[str]) -> dict[str, SurveyResponse]:
        if not interview_ids:
            return {}
        rows = await self.session.scalars(
            select(SurveyResponse).where(SurveyResponse.interview_id.in_(interview_ids))
        )
        return {row.interview_id: row for row in rows}

    async def erase(self, interview_id: str, at: datetime) -> None:
        """Clear the answers and keep a tombstone (no personal data) that says when they were
        first erased."""
        await self.session.execute(
            update(SurveyResponse)
            .where(SurveyResponse.interview_id == interview_id)
            .values(
                sex=None,
                race_ethnicity=None,
                erased_at=func.coalesce(SurveyResponse.erased_at, at),
            )
        )

    async def erased(self, interview_id: str) -> SurveyResponse | None:
        found: SurveyResponse | None = await self.session.scalar(
            select(SurveyResponse).where(
                SurveyResponse.interview_id == interview_id, SurveyResponse.erased_at.is_not(None)
            )
        )
        return found
