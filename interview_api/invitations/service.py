"""Invitations: create one (with its interview and question snapshot), list, revoke; and the
candidate's side of it: open, consent, start, end."""

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.consent.service import remember_notice
from interview_api.interviews.compliance import Notice, of_interview
from interview_api.interviews.models import ACTIVE, Interview
from interview_api.interviews.repository import InterviewRepository
from interview_api.interviews.service import approved_snapshot, compliance_snapshot
from interview_api.invitations.models import (
    COMPLETED,
    CONSENTED,
    DECLINED,
    EXPIRED,
    IN_PROGRESS,
    INVITED,
    OPEN_STATUSES,
    OPENED,
    REVOKED,
    Invitation,
)
from interview_api.invitations.repository import InvitationRepository
from interview_api.invitations.schemas import (
    CandidateInterview,
    ConsentRequest,
    CreateInvitationRequest,
    InvitationOut,
    InvitationPage,
)
from interview_api.invitations.tokens import hash_token, new_token
from interview_api.question_client import QuestionApiClient
from interview_api.recordings.repository import RecordingRepository
from shared.audit import trail as audit
from shared.audit.actor import CANDIDATE
from shared.db import new_id, utcnow
from shared.errors import (
    AppError,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    Unauthorized,
    Unprocessable,
)
from shared.logging import log_context
from shared.settings import Settings

logger = logging.getLogger(__name__)

MAX_VALIDITY = timedelta(days=90)


def token_invalid() -> Unauthorized:
    return Unauthorized(
        "This interview link is not valid. Open the link from your invitation exactly as it "
        "was sent, or ask the person who invited you for a new one.",
        code="invitation_token_invalid",
    )


def invitation_not_found(invitation_id: str) -> NotFound:
    return NotFound(
        f"There is no invitation {invitation_id!r}. Create one with POST /invitations.",
        code="invitation_not_found",
    )


def consent_refused() -> Forbidden:
    return Forbidden(
        "You chose not to agree to the recording, so nothing is recorded or sent. If you "
        "changed your mind, ask the person who invited you for a new invitation.",
        code="consent_refused",
    )


def effective_status(invitation: Invitation, now: datetime) -> str:
    """The stored status, or `expired` for an open invitation whose time is up (the sweep
    stores that too, a little later)."""
    if invitation.status in OPEN_STATUSES and invitation.expires_at <= now:
        return EXPIRED
    return invitation.status


def check_usable(invitation: Invitation, now: datetime) -> None:
    """410 when the link no longer opens the interview."""
    if invitation.status == REVOKED:
        raise Gone(
            "This interview link was withdrawn by the person who invited you. Contact them if "
            "you think this is a mistake.",
            code="invitation_revoked",
        )
    if invitation.status == EXPIRED or invitation.expires_at <= now:
        raise Gone(
            "This interview link has expired. Ask the person who invited you for a new one.",
            code="invitation_expired",
        )


class InvitationService:
    def __init__(self, session: AsyncSession, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.invitations = InvitationRepository(session)
        self.interviews = InterviewRepository(session)
        self.recordings = RecordingRepository(session)

    # Staff

    async def create(
        self, request: CreateInvitationRequest, questions: QuestionApiClient, base_url: str
    ) -> InvitationOut:
        """A new invitation and its interview, with the set's approved questions snapshotted
        now; the answer carries the link (its token is shown this once)."""
        now = utcnow()
        expires_at = self._expiry(request.expires_at, now)
        question_set = await questions.fetch_question_set(request.question_set_id)
        snapshot = approved_snapshot(question_set)
        compliance = await compliance_snapshot(self.session, question_set, self.settings)
        token = new_token()
        interview = Interview(
            id=new_id(),
            status=ACTIVE,
            candidate_id=request.candidate.id,
            question_set_id=request.question_set_id,
            meta={},
            questions=snapshot,
            compliance=compliance.model_dump(mode="json"),
            started_at=now,  # set again when the candidate starts
        )
        invitation = Invitation(
            id=new_id(),
            interview_id=interview.id,
            token_hash=hash_token(token),
            status=INVITED,
            question_set_id=request.question_set_id,
            role_title=question_set.role_title,
            candidate_name=request.candidate.name,
            candidate_email=request.candidate.email,
            candidate_id=request.candidate.id,
            answer_seconds=request.answer_seconds,
            think_seconds=request.think_seconds,
            retakes=request.retakes,
            practice=request.practice,
            question_count=len(snapshot),
            expires_at=expires_at,
            created_at=now,
        )
        interview.meta = {"invitation_id": invitation.id}
        await self.interviews.add(interview)
        await self.invitations.add(invitation)
        with log_context(interview_id=interview.id):
            logger.info("invitation %s created with %d questions", invitation.id, len(snapshot))
        return InvitationOut.of(invitation, url=f"{base_url}/interview/{token}")

    def _expiry(self, requested: datetime | None, now: datetime) -> datetime:
        if requested is None:
            return now + timedelta(days=self.settings.invitation_days)
        if requested.tzinfo is None:
            raise Unprocessable(
                "expires_at needs a time zone, e.g. 2026-12-31T18:00:00Z.",
                code="expires_at_invalid",
            )
        if requested <= now or requested > now + MAX_VALIDITY:
            raise Unprocessable(
                "expires_at must be in the future and at most 90 days from now.",
                code="expires_at_invalid",
            )
        return requested

    async def get(self, invitation_id: str) -> Invitation:
        invitation = await self.invitations.get(invitation_id)
        if invitation is None:
            raise invitation_not_found(invitation_id)
        return invitation

    def describe(self, invitation: Invitation) -> InvitationOut:
        described = InvitationOut.of(invitation)
        described.status = effective_status(invitation, utcnow())  # type: ignore[assignment]
        return described

    async def page(
        self, *, question_set_id: str | None, status: str | None, limit: int, offset: int
    ) -> InvitationPage:
        await self.invitations.expire_overdue(utcnow())  # so that `status=expired` finds them
        rows, total = await self.invitations.page(
            question_set_id=question_set_id, status=status, limit=limit, offset=offset
        )
        return InvitationPage(
            items=[self.describe(row) for row in rows], total=total, limit=limit, offset=offset
        )

    async def revoke(self, invitation: Invitation) -> InvitationOut:
        """The link stops working at once; an interview still running is ended. Repeating it
        changes nothing."""
        if invitation.status != REVOKED:
            now = utcnow()
            invitation.status = REVOKED
            invitation.revoked_at = now
            interview = await self.interviews.get(invitation.interview_id)
            if interview is not None:
                await self.interviews.end(interview, now)
            await self.invitations.save()
            with log_context(interview_id=invitation.interview_id):
                logger.info("invitation %s revoked", invitation.id)
        return self.describe(invitation)

    async def new_link(self, invitation: Invitation, base_url: str) -> InvitationOut:
        """A new token for an open invitation: the answer carries the new link, and the old one
        stops working at once (401 `invitation_token_invalid`), also in a page already open."""
        now = utcnow()
        status = effective_status(invitation, now)
        if status not in OPEN_STATUSES:
            raise Conflict(
                f"This invitation is {status.replace('_', ' ')}, so a new link would open "
                "nothing. Invite the candidate again with POST /invitations.",
                code="invitation_closed",
            )
        token = new_token()
        invitation.token_hash = hash_token(token)
        await self.invitations.save()
        with log_context(interview_id=invitation.interview_id):
            logger.info("invitation %s has a new link; the old one no longer works", invitation.id)
        described = self.describe(invitation)
        described.url = f"{base_url}/interview/{token}"
        return described

    # The candidate

    def notice(self, invitation: Invitation, interview: Interview) -> Notice:
        """The notice the candidate agreed to once consent is recorded, else the interview's
        (its question set's, or the global one)."""
        if invitation.notice_version is not None and invitation.notice_text is not None:
            return Notice(version=invitation.notice_version, text=invitation.notice_text)
        return of_interview(interview.compliance, self.settings).notice

    async def candidate_view(self, invitation: Invitation) -> CandidateInterview:
        interview = await self._interview(invitation)
        return CandidateInterview.of(
            invitation,
            interview.questions,
            await self.answered(interview),
            self.notice(invitation, interview),
        )

    async def answered(self, interview: Interview) -> list[str]:
        """The interview's questions that have a stored answer, in the interview's order."""
        stored = {r.question_id for r in await self.recordings.for_interview(interview.id)}
        return [str(q["id"]) for q in interview.questions if q.get("id") in stored]

    async def open(
        self, invitation: Invitation, questions: QuestionApiClient
    ) -> CandidateInterview:
        """The candidate's first look marks the invitation `opened` and takes the question
        set's compliance settings as they are now (the notice the candidate will read)."""
        if invitation.status == INVITED:
            await self._refresh_compliance(await self._interview(invitation), questions)
            invitation.status = OPENED
            invitation.opened_at = utcnow()
            await self.invitations.save()
        return await self.candidate_view(invitation)

    async def _refresh_compliance(self, interview: Interview, questions: QuestionApiClient) -> None:
        """The set's current settings; when the question API cannot give them (after its few
        quick retries), those copied when the invitation was created: the link still opens."""
        if interview.question_set_id is None:
            return
        try:
            question_set = await questions.fetch_question_set(interview.question_set_id)
            async with self.session.begin_nested():  # a refused notice leaves nothing behind
                compliance = await compliance_snapshot(self.session, question_set, self.settings)
        except AppError as exc:
            with log_context(interview_id=interview.id):
                logger.warning(
                    "kept the compliance settings copied at the invitation (%s)", exc.code
                )
            return
        interview.compliance = compliance.model_dump(mode="json")

    async def consent(self, invitation: Invitation, request: ConsentRequest) -> CandidateInterview:
        """Record the candidate's choice with the notice they were shown. Refusing ends the
        interview and nothing is ever recorded afterwards; agreeing again changes nothing."""
        status = invitation.status
        if status == DECLINED:
            if request.given:
                raise consent_refused()
            return await self.candidate_view(invitation)
        if status in (IN_PROGRESS, COMPLETED, CONSENTED) and request.given:
            return await self.candidate_view(invitation)
        if status in (IN_PROGRESS, COMPLETED):
            raise Conflict(
                "The interview has already started with your consent. To have your recordings "
                "deleted, withdraw your consent (POST /candidate/consent/withdraw).",
                code="interview_already_started",
            )
        interview = await self._interview(invitation)
        notice = of_interview(interview.compliance, self.settings).notice
        if request.notice_version != notice.version:
            raise Conflict(
                f"The notice has changed (now version {notice.version}). Reload the page, read "
                "the new notice and choose again.",
                code="notice_outdated",
            )
        now = utcnow()
        stored = await remember_notice(self.session, notice)
        invitation.status = CONSENTED if request.given else DECLINED
        invitation.consent_given = request.given
        invitation.notice_version = stored.version
        invitation.notice_text = stored.text
        invitation.consent_recorded_at = now
        interview.consent_given = request.given
        interview.consent_notice_version = stored.version
        interview.consent_recorded_at = now
        await self.invitations.save()
        if not request.given:
            await self.interviews.end(interview, now)
        action: audit.Action = "consent_given" if request.given else "consent_refused"
        await audit.record(self.session, CANDIDATE, action, interview_id=interview.id)
        with log_context(interview_id=interview.id):
            logger.info("consent %s", "given" if request.given else "refused")
        return await self.candidate_view(invitation)

    async def start(self, invitation: Invitation) -> CandidateInterview:
        """Show the questions; the interview's clock starts now. Repeating it changes nothing."""
        self.require_consent(invitation)
        if invitation.status == CONSENTED:
            now = utcnow()
            invitation.status = IN_PROGRESS
            invitation.started_at = now
            interview = await self._interview(invitation)
            interview.started_at = now
            await self.invitations.save()
        return await self.candidate_view(invitation)

    async def end(self, invitation: Invitation) -> CandidateInterview:
        """Finish: the interview is ended. Repeating it changes nothing."""
        self.require_consent(invitation)
        if invitation.status == CONSENTED:
            raise not_started()
        if invitation.status == IN_PROGRESS:
            now = utcnow()
            invitation.status = COMPLETED
            invitation.completed_at = now
            await self.interviews.end(await self._interview(invitation), now)
            await self.invitations.save()
            with log_context(interview_id=invitation.interview_id):
                logger.info("candidate finished the interview")
        return await self.candidate_view(invitation)

    @staticmethod
    def require_consent(invitation: Invitation) -> None:
        """403 unless the candidate agreed (`consent_refused` after a refusal)."""
        if invitation.status == DECLINED:
            raise consent_refused()
        if invitation.status in (INVITED, OPENED):
            raise Forbidden(
                "Please read the notice and agree to it before the interview starts.",
                code="consent_required",
            )

    async def _interview(self, invitation: Invitation) -> Interview:
        return await invitation_interview(self.session, invitation)


async def invitation_interview(session: AsyncSession, invitation: Invitation) -> Interview:
    """The invitation's interview; a token whose interview is gone is no longer valid (401)."""
    interview = await InterviewRepository(session).get(invitation.interview_id)
    if interview is None:  # erased: the invitation row goes with it, so only in a race
        raise token_invalid()
    return interview


def not_started() -> Conflict:
    return Conflict(
        "The interview has not started yet: start it (POST /candidate/start) first.",
        code="interview_not_started",
    )
