"""Human review: ratings of answers, decisions on interviews, and the comparison of candidates.

Every review action passes through `review_action` (a rating saved, a decision recorded, a
comparison exported, a video played): the one place where such actions are logged and recorded in
the audit trail.
"""

import logging
from collections.abc import Sequence
from statistics import fmean
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analysis.models import OutboxItem, OutboxKind
from analysis.repository import AnalysisRepository
from interview_api.interviews.models import Interview
from interview_api.recordings.models import Recording
from interview_api.reviews.models import Decision, Rating
from interview_api.reviews.repository import ReviewRepository
from interview_api.reviews.schemas import (
    DecisionIn,
    DecisionOut,
    DecisionState,
    RatingIn,
    RatingList,
    RatingOut,
    ReviewSection,
)
from shared.audit import trail as audit
from shared.audit.actor import Actor
from shared.db import new_id, utcnow
from shared.logging import log_context

logger = logging.getLogger(__name__)

REVIEW_EVENT = "interview.review"


async def review_action(
    session: AsyncSession,
    actor: Actor,
    action: audit.Action,
    *,
    interview_id: str | None,
    subject_id: str | None = None,
    question_set_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """A review action happened (`rated`, `decided`, `exported`, `played`), inside the unit of
    work that made it: logged, and recorded in the audit trail with the person and their role.
    `details` hold ids, counts and formats only, never the candidate's data or the notes."""
    context = {"interview_id": interview_id} if interview_id else {}
    with log_context(**context):
        logger.info(
            "review %s by %s (%s): %s",
            action,
            actor.name,
            actor.role,
            subject_id or question_set_id or interview_id,
            extra={"action": action},
        )
    await audit.record(
        session,
        actor,
        action,
        interview_id=interview_id,
        question_set_id=question_set_id,
        subject_id=subject_id,
        details=details,
    )


def mean(values: Sequence[float]) -> float | None:
    """The mean to two places; null without values."""
    return round(fmean(values), 2) if values else None


def mean_rating(ratings: Sequence[Rating]) -> float | None:
    return mean([r.rating for r in ratings])


class ReviewService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.reviews = ReviewRepository(session)

    async def rate(self, recording: Recording, reviewer: Actor, body: RatingIn) -> RatingOut:
        """The reviewer's rating of this answer: created, or updated in place."""
        row = await self.reviews.rating_by(recording.id, reviewer.name)
        now = utcnow()
        if row is None:
            row = Rating(
                id=new_id(),
                recording_id=recording.id,
                interview_id=recording.interview_id,
                reviewer=reviewer.name,
                rating=body.rating,
                notes=body.notes,
                created_at=now,
                updated_at=now,
            )
            await self.reviews.add(row)
        else:
            row.rating, row.notes, row.updated_at = body.rating, body.notes, now
            await self.reviews.save()
        await review_action(
            self.session,
            reviewer,
            "rated",
            interview_id=recording.interview_id,
            subject_id=recording.id,
            details={"rating": body.rating},
        )
        return RatingOut.of(row)

    async def ratings(self, recording: Recording) -> RatingList:
        rows = await self.reviews.ratings_for_recording(recording.id)
        return RatingList(
            recording_id=recording.id,
            mean_rating=mean_rating(rows),
            ratings=[RatingOut.of(r) for r in rows],
        )

    async def decide(
        self, interview: Interview, reviewer: Actor, body: DecisionIn, *, webhook: bool
    ) -> DecisionOut:
        """Record a person's decision; with `webhook`, queue the review for the webhook URL."""
        row = Decision(
            id=new_id(),
            interview_id=interview.id,
            decision=body.decision,
            reason=body.reason,
            decided_by=reviewer.name,
            decided_at=utcnow(),
        )
        await self.reviews.add(row)
        await review_action(
            self.session,
            reviewer,
            "decided",
            interview_id=interview.id,
            subject_id=row.id,
            details={"decision": body.decision},
        )
        if webhook:
            await self._queue_webhook(interview, row.id)
        return DecisionOut.of(row)

    async def decision_history(self, interview_id: str) -> list[DecisionOut]:
        """Newest first."""
        return [DecisionOut.of(d) for d in await self.reviews.decisions(interview_id)]

    async def decision_state(self, interview: Interview) -> DecisionState:
        history = await self.decision_history(interview.id)
        return DecisionState(
            interview_id=interview.id, current=history[0] if history else None, history=history
        )

    async def section(self, interview_id: str) -> ReviewSection:
        """The review as the interview report and the review webhook carry it."""
        history = await self.decision_history(interview_id)
        ratings = await self.reviews.ratings_for_interviews([interview_id])
        return ReviewSection(
            decision=history[0] if history else None,
            decision_history=history,
            ratings=[RatingOut.of(r) for r in ratings],
        )

    async def _queue_webhook(self, interview: Interview, decision_id: str) -> None:
        """The review goes out through the analysis webhooks' outbox, signed the same way;
        `X-Analysis-Id` carries the decision id, so receivers de-duplicate it the same way."""
        body: dict[str, Any] = {
            "event": REVIEW_EVENT,
            "schema_version": "1.0",
            "interview_id": interview.id,
            "question_set_id": interview.question_set_id,
            "candidate_id": interview.candidate_id,
            "review": (await self.section(interview.id)).model_dump(mode="json"),
        }
        await AnalysisRepository(self.session).add_outbox(
            OutboxItem(
                kind=OutboxKind.WEBHOOK.value,
                interview_id=interview.id,
                analysis_id=decision_id,
                payload={"document": body},
            )
        )
