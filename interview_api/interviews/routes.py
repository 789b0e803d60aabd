"""Interview session endpoints."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from fastapi.responses import JSONResponse

from analysis import service as analysis_service
from interview_api.dependencies import AnalysisHooksDep, QuestionClientDep, StorageDep
from interview_api.interviews.dependencies import ValidInterview
from interview_api.interviews.schemas import (
    EndInterviewRequest,
    InterviewOut,
    InterviewPage,
    InterviewStatus,
    StartInterviewRequest,
)
from interview_api.interviews.service import InterviewService
from shared.app import SettingsDep
from shared.auth import Role, require_roles
from shared.db import DatabaseDep, SessionDep
from shared.pagination import Page200

router = APIRouter(tags=["interviews"])

# Who may call what: the README's role table (tests/test_access.py holds both to it).
RUNS_INTERVIEWS = require_roles(Role.hr)
READS_INTERVIEWS = require_roles(Role.hr, Role.reviewer, Role.integration)
ERASES = require_roles()  # admins only

_ERRORS: dict[int | str, dict[str, Any]] = {404: {"description": "`interview_not_found`"}}


@router.post(
    "/start-interview",
    status_code=201,
    summary="Start an interview",
    dependencies=[RUNS_INTERVIEWS],
    responses={
        404: {"description": "`question_set_not_found`"},
        409: {"description": "`no_approved_questions`"},
        503: {"description": "`question_api_unavailable`"},
    },
)
async def start_interview(
    session: SessionDep,
    questions: QuestionClientDep,
    body: Annotated[StartInterviewRequest | None, Body()] = None,
) -> InterviewOut:
    """Start an active interview. With `question_set_id`, its approved questions are fetched
    from the question API and kept as a snapshot."""
    return await InterviewService(session).start(body or StartInterviewRequest(), questions)


@router.post(
    "/end-interview",
    summary="End an interview",
    responses=_ERRORS,
    dependencies=[RUNS_INTERVIEWS],
)
async def end_interview(body: EndInterviewRequest, session: SessionDep) -> InterviewOut:
    """End the interview. Calling it again returns the same answer."""
    return await InterviewService(session).end(body.interview_id)


@router.get("/interviews", summary="List interviews, newest first", dependencies=[READS_INTERVIEWS])
async def list_interviews(
    session: SessionDep,
    page: Annotated[Page200, Query()],
    candidate_id: Annotated[str | None, Query(max_length=128)] = None,
    question_set_id: Annotated[str | None, Query(max_length=128)] = None,
    status: InterviewStatus | None = None,
) -> InterviewPage:
    return await InterviewService(session).page(
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
async def get_interview(interview: ValidInterview, session: SessionDep) -> InterviewOut:
    """The interview with its questions and recordings."""
    return await InterviewService(session).describe(interview)


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
    interview: ValidInterview,
    session: SessionDep,
    db: DatabaseDep,
    hooks: AnalysisHooksDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> Response:
    """Erase the interview: its rows and analyses at once, then its recordings' and results'
    files. 204 when the files are gone too; 202 when a file could not be deleted yet (it is
    retried with backoff; `GET /remote-deletions?interview_id=` shows it). The copies kept by
    analysis providers (Twelve Labs assets) are always deleted in the background, retried
    until they are gone, and listed there too."""
    await InterviewService(session).erase(interview, hooks)
    await session.commit()  # the rows go first; no storage call runs inside the transaction
    left = await analysis_service.delete_erased_files(
        db, storage, interview.id, max_attempts=settings.outbox_max_attempts
    )
    if left:
        return JSONResponse(
            {
                "interview_id": interview.id,
                "status": "erasing",
                "pending_objects": left,
                "message": "The interview is erased; some of its stored files could not be "
                "deleted yet and are retried. GET /remote-deletions?interview_id= shows them.",
            },
            status_code=202,
        )
    return Response(status_code=204)
