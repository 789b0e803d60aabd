"""The survey on the candidate's side (`/candidate/survey`, the invitation token) and the bias
audit for admins (`GET /audits/bias`)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AfterValidator

from interview_api.bias_audit import service
from interview_api.bias_audit.report import bias_audit, bias_audit_csv
from interview_api.bias_audit.schemas import SurveyIn, SurveyOut
from interview_api.interviews.schemas import check_question_set_id
from interview_api.invitations.dependencies import CANDIDATE_ERRORS, CandidateInvitation
from shared.audit import trail as audit_trail
from shared.audit.actor import StaffActor
from shared.auth import require_roles
from shared.db import SessionDep

candidate_router = APIRouter(prefix="/candidate", tags=["candidate"])
router = APIRouter(tags=["bias audit"])


@candidate_router.get(
    "/survey", summary="Whether the voluntary survey is asked", responses=CANDIDATE_ERRORS
)
async def candidate_survey(invitation: CandidateInvitation, session: SessionDep) -> SurveyOut:
    """`offered` when the interview's question set turned the bias audit on; `submitted` once
    answered. What it asks and why; never the answers."""
    return await service.state(session, invitation)


@candidate_router.post(
    "/survey",
    status_code=201,
    summary="Answer the voluntary survey (once)",
    responses={
        **CANDIDATE_ERRORS,
        403: {"description": "`consent_required`, `consent_refused`"},
        404: {"description": "`survey_not_offered`"},
        409: {"description": "`survey_already_submitted`, `interview_not_started`"},
        422: {"description": "`survey_sex_invalid`, `survey_race_ethnicity_invalid`"},
    },
)
async def answer_survey(
    body: SurveyIn, invitation: CandidateInvitation, session: SessionDep
) -> SurveyOut:
    """Self-declared sex and race/ethnicity, each optional (null leaves it unanswered; `{}`
    answers nothing and closes the survey). Stored apart from the interview: no reviewer,
    report, comparison, webhook or export ever shows them. Once only."""
    return await service.submit(session, invitation, body)


QuestionSetId = Annotated[str, Query(max_length=128), AfterValidator(check_question_set_id)]


@router.get(
    "/audits/bias",
    summary="Bias audit of a question set: selection and scoring rates, impact ratios",
    dependencies=[require_roles()],  # admins only
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv"},
        422: {"description": "`invalid_question_set_id`, `validation_error`"},
    },
)
async def bias_audit_of_set(
    question_set_id: QuestionSetId,
    session: SessionDep,
    actor: StaffActor,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """By sex, by race/ethnicity and by their intersection: candidates, the selection rate
    (decisions `advance` over candidates with a decision) and the scoring rates (share above
    the sample's median of the reviewers' mean rating and of each AI score), each with its
    impact ratio against the highest-rate category; categories under 2 % of the candidates
    are flagged and left out of the impact ratios; unknown answers are counted apart."""
    report = await bias_audit(session, question_set_id)
    await audit_trail.record(
        session,
        actor,
        "exported",
        question_set_id=question_set_id,
        details={"what": "bias_audit", "format": format, "candidates": report["candidates"]},
    )
    if format == "json":
        return report
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in question_set_id)[:80]
    return Response(
        bias_audit_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="bias_audit_{safe}.csv"'},
    )
