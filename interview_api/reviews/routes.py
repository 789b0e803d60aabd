"""Human review: ratings of answers, decisions on interviews, and the comparison of a question
set's candidates."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response

from interview_api.interviews.dependencies import ValidInterview
from interview_api.recordings.dependencies import ValidRecording
from interview_api.reviews.comparison import comparison, comparison_csv
from interview_api.reviews.dependencies import reviewing_actor
from interview_api.reviews.schemas import (
    DecisionIn,
    DecisionOut,
    DecisionState,
    RatingIn,
    RatingList,
    RatingOut,
)
from interview_api.reviews.service import ReviewService, review_action
from shared.app import SettingsDep
from shared.audit.actor import StaffActor
from shared.auth import Principal, Role, require_roles
from shared.db import SessionDep

router = APIRouter(tags=["review"])

Reviewer = Annotated[Principal, require_roles(Role.reviewer)]
READS_REVIEWS = require_roles(Role.hr, Role.reviewer, Role.integration)

_RECORDING: dict[int | str, dict[str, Any]] = {404: {"description": "`recording_not_found`"}}
_INTERVIEW: dict[int | str, dict[str, Any]] = {404: {"description": "`interview_not_found`"}}
_REVIEWER: dict[int | str, dict[str, Any]] = {
    422: {"description": "`reviewer_required`, `validation_error`"}
}


@router.post(
    "/recordings/{recording_id}/ratings",
    summary="Rate an answer (1-5, with notes)",
    responses={**_RECORDING, **_REVIEWER},
)
async def rate_recording(
    caller: Reviewer, recording: ValidRecording, body: RatingIn, session: SessionDep
) -> RatingOut:
    """The signed-in reviewer's rating of this answer. One rating per reviewer: rating again
    updates it in place (`updated_at` moves, `created_at` stays)."""
    reviewer = reviewing_actor(caller, body.reviewer)
    return await ReviewService(session).rate(recording, reviewer, body)


@router.get(
    "/recordings/{recording_id}/ratings",
    summary="Every reviewer's rating",
    responses=_RECORDING,
    dependencies=[READS_REVIEWS],
)
async def list_ratings(recording: ValidRecording, session: SessionDep) -> RatingList:
    return await ReviewService(session).ratings(recording)


@router.post(
    "/interviews/{interview_id}/decision",
    status_code=201,
    summary="Record a person's decision",
    responses={**_INTERVIEW, **_REVIEWER},
)
async def record_decision(
    caller: Reviewer,
    interview: ValidInterview,
    body: DecisionIn,
    session: SessionDep,
    settings: SettingsDep,
) -> DecisionOut:
    """`advance`, `hold` or `reject`, with a reason, by the signed-in person. A new decision
    supersedes the previous one, which stays in the history. No analysis ever sets it. With
    ANALYSIS_WEBHOOK_URL set, the review (decision and ratings) is sent there."""
    reviewer = reviewing_actor(caller, body.reviewer)
    return await ReviewService(session).decide(
        interview, reviewer, body, webhook=bool(settings.analysis_webhook_url)
    )


@router.get(
    "/interviews/{interview_id}/decision",
    summary="The current decision and its history",
    responses=_INTERVIEW,
    dependencies=[READS_REVIEWS],
)
async def get_decision(interview: ValidInterview, session: SessionDep) -> DecisionState:
    return await ReviewService(session).decision_state(interview)


@router.get(
    "/question-sets/{question_set_id}/comparison",
    summary="Compare a question set's candidates",
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv"}},
)
async def compare_candidates(
    question_set_id: str,
    _: Annotated[Principal, READS_REVIEWS],
    actor: StaffActor,
    session: SessionDep,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """Candidates by questions: reviewers' mean ratings and the decision first, then the AI
    figures under `ai` (advisory). A set nobody has taken yet has no candidates."""
    table = await comparison(session, question_set_id)
    await review_action(
        session,
        actor,
        "exported",
        interview_id=None,
        question_set_id=question_set_id,
        details={"what": "comparison", "format": format, "candidates": len(table["candidates"])},
    )
    if format == "json":
        return table
    return Response(
        comparison_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_csv_name(question_set_id)}"'},
    )


def _csv_name(question_set_id: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in question_set_id)[:80]
    return f"comparison_{safe}.csv"
