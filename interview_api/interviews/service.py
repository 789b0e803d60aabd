"""Interview sessions: start (with a snapshot of approved questions), end, look up."""

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analysis import service as analysis_service
from interview_api.consent.service import check_start_consent, remember_notice
from interview_api.interviews.models import ACTIVE, Interview
from interview_api.interviews.repository import InterviewRepository
from interview_api.interviews.schemas import InterviewOut, InterviewPage, StartInterviewRequest
from interview_api.question_client import QuestionApiClient, QuestionSet
from interview_api.recordings.repository import RecordingRepository
from shared.db import new_id, utcnow
from shared.errors import Conflict, NotFound
from shared.logging import log_context
from shared.settings import Settings

logger = logging.getLogger(__name__)


def interview_not_found(interview_id: str) -> NotFound:
    return NotFound(
        f"There is no interview {interview_id!r}. Start one with POST /start-interview.",
        code="interview_not_found",
    )


def approved_snapshot(question_set: QuestionSet) -> list[dict[str, Any]]:
    """The set's approved questions as an interview keeps them, positions renumbered 1..n (the
    order the interview asks them in); 409 `no_approved_questions` when there is none."""
    approved = question_set.approved()
    if not approved:
        raise Conflict(
            f"Question set {question_set.question_set_id!r} has no approved question. Approve "
            "its questions in the question API first: only approved questions reach an interview.",
            code="no_approved_questions",
        )
    return [
        {
            "id": q.id,
            "position": position,
            "text": q.text,
            "type": q.type,
            "subtype": q.subtype,
            "competency": q.competency,
            "expected_points": q.expected_points,
        }
        for position, q in enumerate(approved, start=1)
    ]


class InterviewService:
    def __init__(self, session: AsyncSession) -> None:
        self.interviews = InterviewRepository(session)
        self.recordings = RecordingRepository(session)
        self.session = session

    async def start(
        self, request: StartInterviewRequest, questions: QuestionApiClient, settings: Settings
    ) -> InterviewOut:
        """Create an active interview; with a question set, snapshot its approved questions.
        Without a given consent for the current notice nothing is created (403 or 409)."""
        check_start_consent(request.consent, settings)
        snapshot: list[dict[str, Any]] = []
        if request.question_set_id is not None:
            question_set = await questions.fetch_question_set(request.question_set_id)
            snapshot = approved_snapshot(question_set)
        now = utcnow()
        consent = request.consent
        if consent is not None:
            await remember_notice(self.session, settings)
        interview = Interview(
            id=new_id(),
            status=ACTIVE,
            candidate_id=request.candidate_id,
            question_set_id=request.question_set_id,
            consent_given=consent.given if consent else None,
            consent_notice_version=consent.notice_version if consent else None,
            consent_recorded_at=now if consent else None,
            meta=request.metadata,
            questions=snapshot,
            started_at=now,
        )
        await self.interviews.add(interview)
        with log_context(interview_id=interview.id):
            logger.info("interview started with %d questions", len(snapshot))
        return InterviewOut.of(interview, [], {})

    async def describe(self, interview: Interview) -> InterviewOut:
        recordings = await self.recordings.for_interview(interview.id)
        statuses = await analysis_service.statuses(self.session, [r.id for r in recordings])
        return InterviewOut.of(interview, recordings, statuses)

    async def end(self, interview_id: str) -> InterviewOut:
        """End the interview; ending it again answers the same (the first `ended_at`)."""
        interview = await self.interviews.get(interview_id)
        if interview is None:
            raise interview_not_found(interview_id)
        interview = await self.interviews.end(interview, utcnow())
        return await self.describe(interview)

    async def page(
        self,
        *,
        candidate_id: str | None,
        status: str | None,
        limit: int,
        offset: int,
        question_set_id: str | None = None,
    ) -> InterviewPage:
        rows, total = await self.interviews.page(
            candidate_id=candidate_id,
            status=status,
            limit=limit,
            offset=offset,
            question_set_id=question_set_id,
        )
        recordings = await self.recordings.for_interviews(row.id for row in rows)
        ids = [r.id for rows_of in recordings.values() for r in rows_of]
        statuses = await analysis_service.statuses(self.session, ids)
        return InterviewPage(
            items=[InterviewOut.of(row, recordings[row.id], statuses) for row in rows],
            total=total,
            limit=limit,
            offset=offset,
        )
