"""Analysis results: one answer's merged document, the raw provider answers, the interview
report, the JSON Schema, and what erasure still has to delete at the providers."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from analysis import service, transcripts
from analysis.canonical import AnalysisDocument
from analysis.registry import analysis_json_schema
from analysis.report import interview_report
from interview_api.interviews.dependencies import ValidInterview
from interview_api.interviews.service import InterviewService
from interview_api.reviews.service import ReviewService, review_action
from shared.app import SettingsDep
from shared.audit.actor import StaffActor
from shared.auth import Role, require_roles
from shared.db import SessionDep, canonical_id
from shared.pagination import Page200

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
async def get_report(
    interview: ValidInterview, session: SessionDep, settings: SettingsDep, actor: StaffActor
) -> dict[str, Any]:
    """Each answer's analysis with its question, and the interview as a whole: mean scores,
    quality index and signal counts, computed only from what succeeded. `review` holds the
    people's ratings and decision, apart from every AI figure. Recorded in the audit trail as
    an export."""
    await review_action(
        session, actor, "exported", interview_id=interview.id, details={"what": "report"}
    )
    described = await InterviewService(session, settings).describe(interview)
    documents = await service.for_interview(session, interview.id)
    report = interview_report(described.model_dump(mode="json"), documents)
    review = await ReviewService(session).section(interview.id)
    return {**report, "review": review.model_dump(mode="json")}


@router.get(
    "/interviews/{interview_id}/transcript",
    summary="The interview's questions and answers as text",
    responses={
        200: {"content": {"text/plain": {}}, "description": "JSON, or text with format=text"},
        404: {"description": "`interview_not_found`"},
    },
    dependencies=[READS_RESULTS],
)
async def get_transcript(
    interview: ValidInterview,
    session: SessionDep,
    actor: StaffActor,
    format: Annotated[Literal["json", "text"], Query()] = "json",
) -> Response:
    """Each answer in question order with its transcript (`null` until transcribed). With
    `format=text`: `Q1: ...` / `A1: ...`, as in `transcripts/transcript_<interview_id>.txt`.
    Recorded in the audit trail as an export."""
    details = {"what": "transcript", "format": format}
    await review_action(session, actor, "exported", interview_id=interview.id, details=details)
    answers = await service.interview_answers(session, interview.id)
    if format == "text":
        return PlainTextResponse(transcripts.interview_text(answers))
    body = {
        "interview_id": interview.id,
        "answers": [
            {
                "number": number,
                "question_id": a.question_id,
                "question": a.question,
                "recording_id": a.recording_id,
                "analysis_id": a.analysis_id,
                "status": a.status,
                "transcript": a.transcript.model_dump(mode="json") if a.transcript else None,
            }
            for number, a in enumerate(answers, 1)
        ],
    }
    return JSONResponse(body)


@router.get(
    "/recordings/{recording_id}/captions.vtt",
    summary="The answer's transcript as WebVTT captions",
    responses={
        200: {"content": {"text/vtt": {}}},
        404: {"description": "`recording_not_found`"},
    },
    dependencies=[READS_RESULTS],
)
async def get_captions(recording_id: str, session: SessionDep) -> Response:
    """Captions for a player's `<track>`: one cue per segment (or per few words); only the
    `WEBVTT` header while the answer has no transcript."""
    return Response(await service.captions(session, recording_id), media_type="text/vtt")


@router.get(
    "/schemas/analysis-v1.json",
    summary="JSON Schema of the merged analysis",
    dependencies=[READS_RESULTS],
)
async def get_schema() -> dict[str, Any]:
    return analysis_json_schema()


OutboxStatusFilter = Literal["pending", "done", "failed"]


READS_OUTBOX = require_roles(Role.integration)


def _filter_id(raw: str | None) -> str | None:
    """An id filter as stored (an older unhyphenated spelling is understood); else as given."""
    return raw and (canonical_id(raw) or raw)


@router.get(
    "/remote-deletions",
    summary="What erasures are deleting, oldest first",
    dependencies=[READS_OUTBOX],
)
async def get_remote_deletions(
    session: SessionDep,
    page: Annotated[Page200, Query()],
    interview_id: Annotated[str | None, Query(max_length=128)] = None,
    status: OutboxStatusFilter | None = None,
) -> dict[str, Any]:
    """After `DELETE /interviews/{id}`: each provider-side copy (`provider` names it) and each
    set of stored files (`provider: "storage"`) being deleted, retried with backoff, `done`,
    or `failed` once every attempt failed. `{"items", "total", "limit", "offset"}`."""
    return await service.remote_deletions(
        session,
        interview_id=_filter_id(interview_id),
        status=status,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/webhook-deliveries",
    summary="Completion webhooks and their delivery",
    dependencies=[READS_OUTBOX],
)
async def get_webhook_deliveries(
    session: SessionDep,
    page: Annotated[Page200, Query()],
    analysis_id: Annotated[str | None, Query(max_length=128)] = None,
    status: OutboxStatusFilter | None = None,
) -> dict[str, Any]:
    """Each finished analysis sent to ANALYSIS_WEBHOOK_URL: `pending` (being retried with
    backoff), `done`, or `failed` once every attempt failed, with the attempts made and the
    last answer. `{"items", "total", "limit", "offset"}`."""
    return await service.webhook_deliveries(
        session,
        analysis_id=_filter_id(analysis_id),
        status=status,
        limit=page.limit,
        offset=page.offset,
    )
