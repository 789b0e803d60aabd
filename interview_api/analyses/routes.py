"""Analysis results: one answer's merged document, the raw provider answers, the interview
report, the JSON Schema, and what erasure still has to delete at the providers."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from analysis import service
from analysis.canonical import AnalysisDocument
from analysis.registry import analysis_json_schema
from analysis.report import interview_report
from interview_api.interviews.dependencies import ValidInterview
from interview_api.interviews.service import InterviewService
from shared.auth import Role, require_roles
from shared.db import SessionDep

router = APIRouter(tags=["analyses"])

READS_RESULTS = require_roles(Role.hr, Role.reviewer, Role.integration)

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "`analysis_not_found`"}}


@router.get(
    "/analyses/{analysis_id}",
    summary="The merged analysis",
    responses=_NOT_FOUND,
    dependencies=[READS_RESULTS],
)
async def get_analysis(analysis_id: str, session: SessionDep) -> AnalysisDocument:
    """The versioned document (schema 1.0). While the job runs, `status` is `queued` or
    `running` and each provider shows its progress; sections are null until their provider
    succeeds."""
    return service.document_of(await service.load(session, analysis_id))


@router.get(
    "/analyses/{analysis_id}/raw",
    summary="Each provider's untouched answer",
    responses=_NOT_FOUND,
    dependencies=[READS_RESULTS],
)
async def get_raw(analysis_id: str, session: SessionDep) -> dict[str, Any]:
    return service.raw_answers(await service.load(session, analysis_id))


@router.get(
    "/interviews/{interview_id}/report",
    summary="Every answer's analysis together",
    responses={404: {"description": "`interview_not_found`"}},
    dependencies=[READS_RESULTS],
)
async def get_report(interview: ValidInterview, session: SessionDep) -> dict[str, Any]:
    """Each answer's analysis with its question, and the interview as a whole: mean scores,
    quality index and signal counts, computed only from what succeeded."""
    described = await InterviewService(session).describe(interview)
    documents = await service.for_interview(session, interview.id)
    return interview_report(described.model_dump(mode="json"), documents)


@router.get(
    "/schemas/analysis-v1.json",
    summary="JSON Schema of the merged analysis",
    dependencies=[READS_RESULTS],
)
async def get_schema() -> dict[str, Any]:
    return analysis_json_schema()


@router.get(
    "/remote-deletions",
    summary="Provider-side copies that erasure is deleting",
    dependencies=[require_roles(Role.integration)],
)
async def get_remote_deletions(
    session: SessionDep, interview_id: Annotated[str | None, Query(max_length=128)] = None
) -> dict[str, Any]:
    """After `DELETE /interviews/{id}`, the provider-side copies still being deleted (retried
    with backoff until they are gone) and those already deleted."""
    return {"items": await service.remote_deletions(session, interview_id)}
