"""All SQL about ratings and decisions."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.interviews.models import Interview
from interview_api.invitations.models import Invitation
from interview_api.reviews.models import Decision, Rating


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rating_by(self, recording_id: str, reviewer: str) -> Rating | None:
        return await self.session.scalar(
            select(Rating).where(Rating.recording_id == recording_id, Rating.reviewer == reviewer)
        )

    async def add(self, row: Rating | Decision) -> None:
        self.session.add(row)
        await self.session.flush()

    async def save(self) -> None:
        await self.session.flush()

    async def ratings_for_recording(self, recording_id: str) -> Sequence[Rating]:
        rows = await self.session.scalars(
            select(Rating).where(Rating.recording_id == recording_id).order_by(Rating.created_at)
        )
        return rows.all()

    async def ratings_for_interviews(self, interview_ids: Sequence[str]) -> Sequence[Rating]:
        if not interview_ids:
            return []
        rows = await self.session.scalars(
            select(Rating)
            .where(Rating.interview_id.in_(interview_ids))
            .order_by(Rating.created_at, Rating.id)
        )
        return rows.all()

    async def decisions(self, interview_id: str) -> Sequence[Decision]:
        """Newest first."""
        rows = await self.session.scalars(
            select(Decision)
            .where(Decision.interview_id == interview_id)
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
        )
        return rows.all()

    async def latest_decisions(self, interview_ids: Sequence[str]) -> dict[str, Decision]:
        found: dict[str, Decision] = {}
        if not interview_ids:
            return found
        rows = await self.session.scalars(
            select(Decision)
            .where(Decision.interview_id.in_(interview_ids))
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
        )
        for row in rows:
            found.setdefault(row.interview_id, row)
        return found

    async def interviews_of_set(self, question_set_id: str) -> Sequence[Interview]:
        rows = await self.session.scalars(
            select(Interview)
            .where(Interview.question_set_id == question_set_id)
            .order_by(Interview.started_at, Interview.id)
        )
        return rows.all()

    async def candidate_names(self, interview_ids: Sequence[str]) -> dict[str, str]:
        """The invited candidate's name of each interview that came from an invitation."""
        if not interview_ids:
            return {}
        rows = await self.session.execute(
            select(Invitation.interview_id, Invitation.candidate_name).where(
                Invitation.interview_id.in_(interview_ids)
            )
        )
        return {interview_id: name for interview_id, name in rows.all()}
