"""The candidate's side of the survey (whether it is offered, the one submission) and its
erasure with the interview."""

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.bias_audit.gate import bias_audit_enabled
from interview_api.bias_audit.models import SurveyResponse
from interview_api.bias_audit.repository import SurveyRepository
from interview_api.bias_audit.schemas import PURPOSE, QUESTIONS, SurveyIn, SurveyOut
from interview_api.invitations.models import COMPLETED, IN_PROGRESS, Invitation
from interview_api.invitations.service import (
    InvitationService,
    invitation_interview,
    not_started,
)
from shared.db import new_id, utcnow
from shared.errors import Conflict, NotFound
from shared.logging import log_context

logger = logging.getLogger(__name__)


def _not_offered() -> NotFound:
    return NotFound(
        "This interview does not ask the voluntary survey: there is nothing to answer.",
        code="survey_not_offered",
    )


def _already_submitted() -> Conflict:
    return Conflict(
        "The survey was already answered for this interview; answers cannot be changed.",
        code="survey_already_submitted",
    )


async def state(session: AsyncSession, invitation: Invitation) -> SurveyOut:
    """Whether the candidate's interview asks the survey, and whether it was answered."""
    interview = await invitation_interview(session, invitation)
    stored = await SurveyRepository(session).for_interview(interview.id)
    return SurveyOut(
        offered=bias_audit_enabled(interview),
        submitted=stored is not None,
        purpose=PURPOSE,
        questions=QUESTIONS,
    )


async def submit(session: AsyncSession, invitation: Invitation, body: SurveyIn) -> SurveyOut:
    """Store the answers once, after the interview has started (the page asks after the last
    answer); needs the interview's consent like everything the candidate sends."""
    InvitationService.require_consent(invitation)
    interview = await invitation_interview(session, invitation)
    if not bias_audit_enabled(interview):
        raise _not_offered()
    if invitation.status not in (IN_PROGRESS, COMPLETED):
        raise not_started()
    repository = SurveyRepository(session)
    if await repository.for_interview(interview.id) is not None:
        raise _already_submitted()
    response = SurveyResponse(
        id=new_id(),
        interview_id=interview.id,
        sex=body.sex,
        race_ethnicity=body.race_ethnicity,
        submitted_at=utcnow(),
    )
    if not await repository.add(response):
        raise _already_submitted()
    with log_context(interview_id=interview.id):
        logger.info("bias audit survey answered")  # never what was answered
    return await state(session, invitation)
