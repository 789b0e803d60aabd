"""HTTP endpoints: generate a set, then list, read, edit, approve and export it."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import PlainTextResponse

from question_api.dependencies import GeneratorDep
from question_api.questions import service
from question_api.questions.models import QuestionSet
from question_api.questions.schemas import (
    ApproveRequest,
    Compliance,
    GenerateRequest,
    PageParams,
    QuestionPatch,
    QuestionRead,
    QuestionSetPage,
    QuestionSetRead,
    RegeneratedQuestion,
    RegenerateRequest,
    ReviewHistory,
)
from shared.app import SettingsDep
from shared.auth import Principal, Role, require_roles
from shared.db import SessionDep
from shared.errors import Unprocessable

router = APIRouter(tags=["questions"])

# Who may call what: the README's role table (tests/test_access.py holds both to it).
WRITES = require_roles(Role.hr)
READS = require_roles(Role.hr, Role.reviewer, Role.integration)

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"example": {"error": {"code": "...", "message": "..."}}}},
    }


async def load_question_set(question_set_id: str, session: SessionDep) -> QuestionSet:
    """The set named in the path, or 404 `question_set_not_found`."""
    return await service.get_question_set(session, question_set_id)


QuestionSetDep = Annotated[QuestionSet, Depends(load_question_set)]


def _idempotency_key(
    idempotency_key: Annotated[
        str | None,
        Header(description="Repeat a request safely: the same key and body give the same answer."),
    ] = None,
) -> str | None:
    if idempotency_key is not None and not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise Unprocessable(
            "Idempotency-Key must be 1 to 255 visible ASCII characters, e.g. a UUID.",
            code="idempotency_key_invalid",
        )
    return idempotency_key


@router.post(
    "/generate",
    status_code=201,
    summary="Generate five interview questions for a job description",
    dependencies=[WRITES],
    responses={
        409: _error("The Idempotency-Key was used with a different body."),
        422: _error("The request is invalid; the code says which field and why."),
        502: _error("OpenAI refused the key or the request, or gave nothing usable twice."),
        503: _error("OpenAI is unavailable or rate limiting (see Retry-After)."),
        504: _error("OpenAI did not answer in time."),
    },
)
async def generate(
    session: SessionDep,
    settings: SettingsDep,
    generator: GeneratorDep,
    idempotency_key: Annotated[str | None, Depends(_idempotency_key)],
    body: GenerateRequest | None = None,
) -> QuestionSetRead:
    if body is None:
        raise Unprocessable(
            "job_description is required: send a JSON object with the job description as text.",
            code="job_description_missing",
        )
    return await service.generate_question_set(
        session,
        data_dir=settings.data_dir,
        generator=generator,
        body=body,
        idempotency_key=idempotency_key,
    )


@router.get("/question-sets", summary="List question sets, newest first", dependencies=[READS])
async def list_question_sets(
    session: SessionDep, page: Annotated[PageParams, Query()]
) -> QuestionSetPage:
    return await service.list_question_sets(session, page)


@router.get(
    "/question-sets/{question_set_id}",
    summary="A question set with its questions",
    # the interview API reads the set it starts an interview with, with its service credential
    dependencies=[require_roles(Role.hr, Role.reviewer, Role.integration, Role.service)],
    responses={404: _error("No such question set.")},
)
async def get_question_set(question_set: QuestionSetDep) -> QuestionSetRead:
    return QuestionSetRead.from_model(question_set)


@router.patch(
    "/question-sets/{question_set_id}/questions/{question_id}",
    summary="Edit a question's text or set its status",
    dependencies=[WRITES],
    responses={404: _error("No such question set or question."), 422: _error("Invalid edit.")},
)
async def update_question(
    question_id: str,
    patch: QuestionPatch,
    question_set: QuestionSetDep,
    session: SessionDep,
    settings: SettingsDep,
) -> QuestionRead:
    question = await service.update_question(
        session,
        data_dir=settings.data_dir,
        question_set=question_set,
        question_id=question_id,
        patch=patch,
    )
    return QuestionRead.from_model(question)


@router.post(
    "/question-sets/{question_set_id}/questions/{question_id}/regenerate",
    summary="Replace one question with a new one in the same slot, on another topic",
    dependencies=[WRITES],
    responses={
        404: _error("No such question set or question."),
        502: _error("OpenAI refused the key or gave no usable question."),
        503: _error("OpenAI is unavailable or rate limiting (see Retry-After)."),
        504: _error("OpenAI did not answer in time."),
    },
)
async def regenerate_question(
    question_id: str,
    question_set: QuestionSetDep,
    session: SessionDep,
    settings: SettingsDep,
    generator: GeneratorDep,
    body: RegenerateRequest | None = None,
) -> RegeneratedQuestion:
    return await service.regenerate_question(
        session,
        data_dir=settings.data_dir,
        generator=generator,
        question_set=question_set,
        question_id=question_id,
        request=body or RegenerateRequest(),
    )


@router.post(
    "/question-sets/{question_set_id}/approve",
    summary="Approve all pending questions, or the listed ones, and the set",
    dependencies=[WRITES],
    responses={
        404: _error("No such question set or question."),
        409: _error("Every question is rejected: nothing to approve."),
    },
)
async def approve_question_set(
    question_set: QuestionSetDep, session: SessionDep, body: ApproveRequest | None = None
) -> QuestionSetRead:
    approved = await service.approve_question_set(session, question_set, body or ApproveRequest())
    return QuestionSetRead.from_model(approved)


@router.get(
    "/question-sets/{question_set_id}/history",
    summary="Every change to the set and its questions, oldest first",
    dependencies=[READS],
    responses={404: _error("No such question set.")},
)
async def question_set_history(question_set: QuestionSetDep, session: SessionDep) -> ReviewHistory:
    return await service.review_history(session, question_set)


@router.get(
    "/question-sets/{question_set_id}/questions.txt",
    summary="The approved questions, one per line",
    dependencies=[READS],
    response_class=PlainTextResponse,
    responses={404: _error("No such question set.")},
)
async def approved_questions_file(question_set: QuestionSetDep) -> PlainTextResponse:
    return PlainTextResponse(service.approved_questions_text(question_set))


@router.put(
    "/question-sets/{question_set_id}/compliance",
    summary="Set the notice, retention, analysis policy and bias audit of the set's interviews",
    responses={
        404: _error("No such question set."),
        409: _error("`notice_version_taken`: the notice version already stands for another text."),
        422: _error("Invalid settings; the code says which field and why."),
    },
)
async def set_compliance(
    caller: Annotated[Principal, WRITES],
    body: Compliance,
    question_set: QuestionSetDep,
    session: SessionDep,
    settings: SettingsDep,
) -> QuestionSetRead:
    """Replaces all four settings (null: the global setting applies). An interview takes a
    copy when it starts (or when its candidate opens the invitation): later changes never
    reach it."""
    updated = await service.set_compliance(session, settings, question_set, body, caller.name)
    return QuestionSetRead.from_model(updated)
