"""Interview session endpoints."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from interview_api.consent.withdrawal import withdraw
from interview_api.dependencies import QuestionClientDep
from interview_api.interviews import erasure
from interview_api.interviews.dependencies import EraserDep, ValidInterview
from interview_api.interviews.schemas import (
    EndInterviewRequest,
    InterviewOut,
    InterviewPage,
    InterviewStatus,
    StartInterviewRequest,
)
from interview_api.interviews.service import InterviewService, interview_not_found
from shared.app import SettingsDep
from shared.audit import trail as audit
from shared.audit.actor import StaffActor
from shared.auth import Role, require_roles
from shared.db import SessionDep
from shared.pagination import Page200

router = APIRouter(tags=["interviews"])

# Who may call what: the README's role table (tests/test_access.py holds both to it).
RUNS_INTERVIEWS = require_roles(Role.hr)
READS_INTERVIEWS = require_roles(Role.hr, Role.reviewer, Role.integration)
ERASES = require_roles()  # admins only
HANDLES_CONSENT = require_roles(Role.hr)

_ERRORS: dict[int | str, dict[str, Any]] = {404: {"description": "`interview_not_found`"}}


@router.post(
    "/start-interview",
    status_code=201,
    summary="Start an interview",
    dependencies=[RUNS_INTERVIEWS],
    responses={
        403: {"description": "`consent_required`, `consent_refused`"},
        404: {"description": "`question_set_not_found`"},
        409: {"description": "`no_approved_questions`, `notice_outdated`, `notice_version_taken`"},
        503: {"description": "`question_api_unavailable`"},
    },
)
async def start_interview(
    session: SessionDep,
    questions: QuestionClientDep,
    settings: SettingsDep,
    actor: StaffActor,
    body: Annotated[StartInterviewRequest | None, Body()] = None,
) -> InterviewOut:
    """Start an active interview. It needs the candidate's consent (`consent: {"given": true,
    "notice_version"}` for the interview's notice: the question set's, else NOTICE_VERSION)
    unless CONSENT_REQUIRED is off. With `question_set_id`, its approved questions and its
    compliance settings are fetched from the question API and kept as a snapshot."""
    request = body or StartInterviewRequest()
    started = await InterviewService(session, settings).start(request, questions)
    if started.consent is not None:
        await audit.record(session, actor, "consent_given", interview_id=started.interview_id)
    return started


@router.post(
    "/end-interview",
    summary="End an interview",
    responses=_ERRORS,
    dependencies=[RUNS_INTERVIEWS],
)
async def end_interview(
    body: EndInterviewRequest, session: SessionDep, settings: SettingsDep
) -> InterviewOut:
    """End the interview. Calling it again returns the same answer."""
    return await InterviewService(session, settings).end(body.interview_id)


@router.get("/interviews", summary="List interviews, newest first", dependencies=[READS_INTERVIEWS])
async def list_interviews(
    session: SessionDep,
    settings: SettingsDep,
    page: Annotated[Page200, Query()],
    candidate_id: Annotated[str | None, Query(max_length=128)] = None,
    question_set_id: Annotated[str | None, Query(max_length=128)] = None,
    status: InterviewStatus | None = None,
) -> InterviewPage:
    return await InterviewService(session, settings).page(
        candidate_id=candidate_id,
        status=status,
        limit=page.limit,
        offset=page.offset,
        question_set_id=question_set_id,
    )


@router.get(
    "/interviews/{interview_id}",
    summary="An interview",
    responses=_ERRORS,
    dependencies=[READS_INTERVIEWS],
)
async def get_interview(
    interview: ValidInterview, session: SessionDep, settings: SettingsDep, actor: StaffActor
) -> InterviewOut:
    """The interview with its questions, recordings and compliance settings (recorded in the
    audit trail)."""
    await audit.record(session, actor, "viewed", interview_id=interview.id)
    return await InterviewService(session, settings).describe(interview)


@router.delete(
    "/interviews/{interview_id}",
    status_code=204,
    summary="Erase an interview",
    responses={
        **_ERRORS,
        202: {"description": "Rows erased; some stored files are still being deleted"},
    },
    dependencies=[ERASES],
)
async def delete_interview(
    interview: ValidInterview, eraser: EraserDep, actor: StaffActor
) -> Response:
    """Erase the interview: its rows and analyses at once, then every copy: its recordings' and
    results' files, and the copies kept by analysis providers (Twelve Labs assets), deleted in
    the background and retried until they are gone. 204 when the stored files are gone too;
    202 when a file could not be deleted yet. `GET /interviews/{id}/erasure` lists every copy
    and its state, also once the interview is gone."""
    await erasure.erase_interview(
        eraser.session, interview, eraser.hooks, reason="request", by=actor.role
    )
    await audit.record(eraser.session, actor, "erased", interview_id=interview.id)
    return await eraser.finish(interview.id)


@router.get(
    "/interviews/{interview_id}/erasure",
    summary="What an erasure deleted and is still deleting",
    dependencies=[HANDLES_CONSENT],
    responses=_ERRORS,
)
async def erasure_status(interview_id: str, session: SessionDep) -> dict[str, Any]:
    """Every copy of the interview being deleted (stored files, result files, each provider's
    copy), its state and attempts, until all are `done`; also after the interview is gone
    (the receipt holds no personal data). `status`: `not_erased`, `erasing`, `erased` or
    `failed` (a copy ran out of attempts: an operator must look)."""
    found = await erasure.status(session, interview_id)
    if found is None:
        raise interview_not_found(interview_id)
    return found


@router.post(
    "/interviews/{interview_id}/consent/withdraw",
    status_code=204,
    summary="Withdraw the candidate's consent",
    dependencies=[HANDLES_CONSENT],
    responses={**_ERRORS, 202: {"description": "Some stored files are still being deleted"}},
)
async def withdraw_consent(
    interview: ValidInterview, eraser: EraserDep, actor: StaffActor
) -> Response:
    """On the candidate's request: their consent is withdrawn, the interview's recordings and
    analyses are erased with every copy, and nothing is recorded for it again (403
    `consent_refused`). The interview row stays, without recordings."""
    await withdraw(eraser.session, interview, eraser.hooks, actor)
    return await eraser.finish(interview.id)
