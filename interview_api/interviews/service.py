"""Interview sessions: start (with a snapshot of approved questions), end, look up."""

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analysis import service as analysis_service
from interview_api.consent.service import (
    bind_notice,
    check_notice_version,
    check_start_consent,
    remember_notice,
)
from interview_api.interviews.compliance import Compliance, resolve
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


async def compliance_snapshot(
    session: AsyncSession, question_set: QuestionSet | None, settings: Settings
) -> Compliance:
    """The effective compliance settings an interview with this set (or none) keeps; a set's
    own notice version is stored, or 409 `notice_version_taken` if it means another text."""
    effective = resolve(question_set.compliance if question_set else None, settings)
    if question_set is not None and question_set.compliance.notice is not None:
        await bind_notice(session, effective.notice)
    return effective


class InterviewService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.interviews = InterviewRepository(session)
        self.recordings = RecordingRepository(session)
        self.session = session
        self.settings = settings

    async def start(
        self, request: StartInterviewRequest, questions: QuestionApiClient
    ) -> InterviewOut:
        """Create an active interview; with a question set, snapshot its approved questions
        and its compliance settings. Without a given consent for the interview's notice nothing
        is created (403 or 409)."""
        settings = self.settings
        check_start_consent(request.consent, settings)
        snapshot: list[dict[str, Any]] = []
        question_set = None
        if request.question_set_id is not None:
            question_set = await questions.fetch_question_set(request.question_set_id)
            snapshot = approved_snapshot(question_set)
        compliance = await compliance_snapshot(self.session, question_set, settings)
        now = utcnow()
        consent = request.consent
        if consent is not None:
            check_notice_version(consent.notice_version, compliance.notice)
            await remember_notice(self.session, compliance.notice)
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
            compliance=compliance.model_dump(mode="json"),
            started_at=now,
        )
        await self.interviews.add(interview)
        with log_context(interview_id=interview.id):
            logger.info("interview started with %d questions", len(snapshot))
        return InterviewOut.of(interview, [], {}, settings)

    async def describe(self, interview: Interview) -> InterviewOut:
        recordings = await self.recordings.for_interview(interview.id)
        statuses = await analysis_service.statuses(self.session, [r.id for r in recordings])
        return InterviewOut.of(interview, recordings, statuses, self.settings)

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
            items=[
                InterviewOut.of(row, recordings[row.id], statuses, self.settings) for row in rows
            ],
            total=total,
            limit=limit,
            offset=offset,
        )
