"""Withdrawing consent: the interview's recordings and analyses go, with every copy."""

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.analysis_hooks import AnalysisHooks
from interview_api.interviews import erasure
from interview_api.interviews.models import Interview
from interview_api.interviews.repository import InterviewRepository
from interview_api.invitations.models import DECLINED
from interview_api.invitations.repository import InvitationRepository
from shared.audit import trail as audit
from shared.audit.actor import Actor
from shared.db import utcnow

logger = logging.getLogger(__name__)


async def withdraw(
    session: AsyncSession, interview: Interview, hooks: AnalysisHooks, actor: Actor
) -> None:
    """Record the withdrawal, end the interview and erase its recordings and analyses, in the
    caller's unit of work (the caller commits, then deletes the stored files). Withdrawing
    again changes nothing more."""
    now = utcnow()
    interview.consent_given = False
    interview.consent_recorded_at = now
    invitation = await InvitationRepository(session).for_interview(interview.id)
    if invitation is not None:
        invitation.status = DECLINED
        invitation.consent_given = False
        invitation.consent_recorded_at = now
    await InterviewRepository(session).end(interview, now)
    await erasure.erase_recordings(
        session, interview, hooks, reason="consent_withdrawn", by=actor.role
    )
    await audit.record(session, actor, "consent_withdrawn", interview_id=interview.id)
