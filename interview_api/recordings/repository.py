"""All SQL about recordings."""

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.recordings.models import Recording
from shared.db import canonical_id


class RecordingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, recording_id: str) -> Recording | None:
        canonical = canonical_id(recording_id)
        return await self.session.get(Recording, canonical) if canonical else None

    async def find_duplicate(
        self, interview_id: str, question_id: str | None, sha256: str
    ) -> Recording | None:
        """The recording of these exact bytes for this interview and question, if stored."""
        query = select(Recording).where(
            Recording.interview_id == interview_id,
            Recording.sha256 == sha256,
            Recording.question_id.is_(None)
            if question_id is None
            else Recording.question_id == question_id,
        )
        return await self.session.scalar(query)

    async def add(self, recording: Recording) -> Recording:
        self.session.add(recording)
        await self.session.flush()
        return recording

    async def save(self) -> None:
        await self.session.flush()

    async def abandon(self) -> None:
        """Undo a unit of work whose flush failed, so the session can be used again."""
        await self.session.rollback()

    async def for_interview(self, interview_id: str) -> Sequence[Recording]:
        rows = await self.session.scalars(
            select(Recording)
            .where(Recording.interview_id == interview_id)
            .order_by(Recording.created_at, Recording.id)
        )
        return rows.all()

    async def for_interviews(self, interview_ids: Iterable[str]) -> dict[str, list[Recording]]:
        ids = list(interview_ids)
        found: dict[str, list[Recording]] = {interview_id: [] for interview_id in ids}
        if not ids:
            return found
        rows = await self.session.scalars(
            select(Recording)
            .where(Recording.interview_id.in_(ids))
            .order_by(Recording.created_at, Recording.id)
        )
        for recording in rows:
            found[recording.interview_id].append(recording)
        return found

    async def paths_for_interview(self, interview_id: str) -> set[str]:
        rows = await self.session.scalars(
            select(Recording.path).where(Recording.interview_id == interview_id)
        )
        return set(rows)

    async def delete_for_interview(self, interview_id: str) -> None:
        await self.session.execute(delete(Recording).where(Recording.interview_id == interview_id))
        await self.session.flush()
