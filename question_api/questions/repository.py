"""All SQL of the question API. Repositories add and read; the request's session commits."""

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from question_api.questions.models import IdempotencyRecord, QuestionSet, ReviewEvent
from shared.db import canonical_id


class QuestionSetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, question_set: QuestionSet) -> None:
        self.session.add(question_set)

    async def get(self, question_set_id: str) -> QuestionSet | None:
        canonical = canonical_id(question_set_id)
        return await self.session.get(QuestionSet, canonical) if canonical else None

    async def list_newest_first(self, *, limit: int, offset: int) -> Sequence[QuestionSet]:
        statement = (
            select(QuestionSet)
            .order_by(QuestionSet.created_at.desc(), QuestionSet.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.scalars(statement)).all()

    async def count(self) -> int:
        return await self.session.scalar(select(func.count()).select_from(QuestionSet)) or 0


class ReviewEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.added: list[ReviewEvent] = []  # what this unit of work recorded, in order

    def add(self, event: ReviewEvent) -> None:
        self.session.add(event)
        self.added.append(event)

    async def list_for_set(self, question_set_id: str) -> Sequence[ReviewEvent]:
        statement = (
            select(ReviewEvent)
            .where(ReviewEvent.question_set_id == question_set_id)
            .order_by(ReviewEvent.id)
        )
        return (await self.session.scalars(statement)).all()


class IdempotencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, record: IdempotencyRecord) -> None:
        self.session.add(record)

    async def get(self, key: str) -> IdempotencyRecord | None:
        return await self.session.get(IdempotencyRecord, key)
