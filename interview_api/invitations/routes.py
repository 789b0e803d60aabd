"""Invitation endpoints for staff (behind the API key) and the candidate's API (behind the
invitation token)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from interview_api.consent.withdrawal import withdraw
from interview_api.dependencies import QuestionClientDep
from interview_api.interviews import erasure
from interview_api.interviews.dependencies import EraserDep
from interview_api.invitations.dependencies import (
    CANDIDATE_ERRORS,
    CandidateInvitation,
    ValidInvitation,
)
from interview_api.invitations.schemas import (
    CandidateInterview,
    ConsentRequest,
    CreateInvitationRequest,
    InvitationOut,
    InvitationPage,
    InvitationStatus,
)
from interview_api.invitations.service import InvitationService, invitation_interview
from shared.app import SettingsDep
from shared.audit import trail as audit
from shared.audit.actor import CANDIDATE, StaffActor
from shared.auth import Role, require_roles
from shared.db import SessionDep
from shared.pagination import Page200
from shared.settings import Settings

router = APIRouter(tags=["invitations"])
candidate_router = APIRouter(prefix="/candidate", tags=["candidate"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "`invitation_not_found`"}}


# Who may call what: the README's role table (tests/test_access.py holds both to it).
INVITES = require_roles(Role.hr)
READS_INVITATIONS = require_roles(Role.hr, Role.reviewer, Role.integration)


@router.post(
    "/invitations",
    status_code=201,
    summary="Invite a candidate",
    dependencies=[INVITES],
    responses={
        404: {"description": "`question_set_not_found`"},
        409: {"description": "`no_approved_questions`"},
        422: {"description": "`expires_at_invalid`, `candidate_email_invalid`, ..."},
        503: {"description": "`question_api_unavailable`"},
    },
)
async def create_invitation(
    body: CreateInvitationRequest,
    request: Request,
    session: SessionDep,
    questions: QuestionClientDep,
    settings: SettingsDep,
    actor: StaffActor,
) -> InvitationOut:
    """A link for one candidate to take one interview in the browser. The set's approved
    questions are snapshotted now. The answer's `url` carries the token: send it to the
    candidate; it is not shown again (only its hash is stored)."""
    created = await InvitationService(session, settings).create(
        body, questions, base_url(request, settings)
    )
    await audit.record(
        session, actor, "invited", interview_id=created.interview_id,
        subject_id=created.invitation_id,
    )  # fmt: skip
    return created


@router.get(
    "/invitations", summary="List invitations, newest first", dependencies=[READS_INVITATIONS]
)
async def list_invitations(
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[Page200, Query()],
    question_set_id: Annotated[str | None, Query(max_length=128)] = None,
    status: InvitationStatus | None = None,
) -> InvitationPage:
    return await InvitationService(session, settings).page(
        question_set_id=question_set_id, status=status, limit=page.limit, offset=page.offset
    )


@router.get(
    "/invitations/{invitation_id}",
    summary="An invitation",
    responses=_NOT_FOUND,
    dependencies=[READS_INVITATIONS],
)
async def get_invitation(
    invitation: ValidInvitation, session: SessionDep, settings: SettingsDep
) -> InvitationOut:
    return InvitationService(session, settings).describe(invitation)


@router.post(
    "/invitations/{invitation_id}/revoke",
    summary="Withdraw an invitation",
    responses=_NOT_FOUND,
    dependencies=[INVITES],
)
async def revoke_invitation(
    invitation: ValidInvitation, session: SessionDep, settings: SettingsDep
) -> InvitationOut:
    """The link stops working at once (410 `invitation_revoked`); an interview in progress is
    ended, and what was already uploaded is kept."""
    return await InvitationService(session, settings).revoke(invitation)


@router.post(
    "/invitations/{invitation_id}/link",
    summary="Give an invitation a new link (the old one stops working)",
    responses={**_NOT_FOUND, 409: {"description": "`invitation_closed`"}},
    dependencies=[INVITES],
)
async def renew_invitation_link(
    invitation: ValidInvitation,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    actor: StaffActor,
) -> InvitationOut:
    """Only the token's hash is stored, so a link cannot be shown again: this makes a new one
    for an open invitation. The answer's `url` is the new link; the link sent before stops
    working at once (401 `invitation_token_invalid`). The candidate's answers, consent and
    status are kept. A closed invitation (completed, declined, expired, revoked) is 409
    `invitation_closed`."""
    renewed = await InvitationService(session, settings).new_link(
        invitation, base_url(request, settings)
    )
    await audit.record(
        session, actor, "link_renewed", interview_id=renewed.interview_id,
        subject_id=renewed.invitation_id,
    )  # fmt: skip
    return renewed


def base_url(request: Request, settings: Settings) -> str:
    """Where invitation links point: PUBLIC_BASE_URL, else the request's own base URL."""
    return (settings.public_base_url or str(request.base_url)).rstrip("/")


@candidate_router.get("/interview", summary="The candidate's interview", responses=CANDIDATE_ERRORS)
async def candidate_interview(
    invitation: CandidateInvitation,
    session: SessionDep,
    settings: SettingsDep,
    questions: QuestionClientDep,
) -> CandidateInterview:
    """What the candidate page shows: role, settings, notice, the questions once started and
    which answers are stored. The first call marks the invitation `opened` and takes the
    question set's compliance settings (its notice) as they are then."""
    return await InvitationService(session, settings).open(invitation, questions)


@candidate_router.post(
    "/consent",
    summary="Agree or refuse",
    responses={
        **CANDIDATE_ERRORS,
        403: {"description": "`consent_refused`"},
        409: {"description": "`notice_outdated`, `interview_already_started`"},
    },
)
async def candidate_consent(
    body: ConsentRequest,
    invitation: CandidateInvitation,
    session: SessionDep,
    settings: SettingsDep,
) -> CandidateInterview:
    """Record the candidate's choice with the notice's version and text. A refusal is final:
    nothing is recorded afterwards (403 `consent_refused`)."""
    return await InvitationService(session, settings).consent(invitation, body)


@candidate_router.post(
    "/start",
    summary="Start the interview",
    responses={**CANDIDATE_ERRORS, 403: {"description": "`consent_required`, `consent_refused`"}},
)
async def candidate_start(
    invitation: CandidateInvitation, session: SessionDep, settings: SettingsDep
) -> CandidateInterview:
    """The questions appear and the interview's clock starts. Needs consent."""
    return await InvitationService(session, settings).start(invitation)


@candidate_router.post(
    "/end",
    summary="Finish the interview",
    responses={
        **CANDIDATE_ERRORS,
        403: {"description": "`consent_required`, `consent_refused`"},
        409: {"description": "`interview_not_started`"},
    },
)
async def candidate_end(
    invitation: CandidateInvitation, session: SessionDep, settings: SettingsDep
) -> CandidateInterview:
    """The interview is ended (status `completed`). Repeating it changes nothing."""
    return await InvitationService(session, settings).end(invitation)


_ERASING: dict[int | str, dict[str, Any]] = {
    **CANDIDATE_ERRORS,
    202: {"description": "Some stored files are still being deleted"},
}


@candidate_router.post(
    "/consent/withdraw",
    status_code=204,
    summary="Withdraw my consent",
    responses=_ERASING,
)
async def candidate_withdraw(invitation: CandidateInvitation, eraser: EraserDep) -> Response:
    """The candidate takes their consent back: their recordings and analyses are erased with
    every copy (here and at the providers) and nothing more is recorded. The link keeps
    working to show that (status `declined`)."""
    interview = await invitation_interview(eraser.session, invitation)
    await withdraw(eraser.session, interview, eraser.hooks, CANDIDATE)
    return await eraser.finish(interview.id)


@candidate_router.delete(
    "/interview",
    status_code=204,
    summary="Delete my interview",
    responses=_ERASING,
)
async def candidate_delete(invitation: CandidateInvitation, eraser: EraserDep) -> Response:
    """Erase the whole interview: recordings, analyses, every copy at the providers, and the
    invitation (the link stops working: 401 afterwards). Only a receipt without personal data
    stays, shown to staff at `GET /interviews/{id}/erasure`."""
    interview = await invitation_interview(eraser.session, invitation)
    await erasure.erase_interview(
        eraser.session, interview, eraser.hooks, reason="candidate_request", by=CANDIDATE.role
    )
    await audit.record(eraser.session, CANDIDATE, "erased", interview_id=interview.id)
    return await eraser.finish(interview.id)
