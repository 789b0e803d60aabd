"""Generating, storing and reviewing question sets.

Services add and `flush()`; the request's session dependency commits. Files are written only after
the rows they describe have been flushed.
"""

import logging
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from question_api.generation.base import (
    GeneratedQuestion,
    GenerationRequest,
    GenerationResult,
    QuestionGenerator,
    Slot,
)
from question_api.generation.rules import one_line
from question_api.questions.models import (
    IdempotencyRecord,
    Question,
    QuestionSet,
    ReviewEvent,
    SetNoticeVersion,
)
from question_api.questions.repository import (
    IdempotencyRepository,
    QuestionSetRepository,
    ReviewEventRepository,
)
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
    ReviewEventRead,
    ReviewHistory,
)
from shared.db import new_id, utcnow
from shared.errors import Conflict, NotFound
from shared.files import write_atomic
from shared.logging import log_context
from shared.settings import Settings

logger = logging.getLogger(__name__)

CREATED = 201


def questions_text(questions: list[Question]) -> str:
    """One question per line, in order; empty when there are none."""
    return "".join(f"{one_line(q.text)}\n" for q in questions)


async def write_questions_file(data_dir: Path, question_set: QuestionSet) -> None:
    content = questions_text(question_set.questions)
    await write_atomic(data_dir / question_set.file, content.encode("utf-8"))


# --- generation -------------------------------------------------------------------------------


async def generate_question_set(
    session: AsyncSession,
    *,
    data_dir: Path,
    generator: QuestionGenerator,
    body: GenerateRequest,
    idempotency_key: str | None,
) -> QuestionSetRead:
    """Write, store and file a new set, or replay the first answer to a repeated key."""
    keys = IdempotencyRepository(session)
    fingerprint = body.fingerprint()
    if idempotency_key is not None:
        replay = await _replay(keys, idempotency_key, fingerprint)
        if replay is not None:
            return replay
        await session.rollback()  # no connection held while the provider thinks

    result = await generator.generate(body.to_generation_request())
    question_set = _new_question_set(body, result)
    answer = QuestionSetRead.from_model(question_set)
    QuestionSetRepository(session).add(question_set)
    await session.flush()  # the rows below refer to the set
    ReviewEventRepository(session).add(
        ReviewEvent(question_set_id=question_set.id, action="created", created_at=utcnow())
    )
    if idempotency_key is not None:
        keys.add(
            IdempotencyRecord(
                key=idempotency_key,
                request_hash=fingerprint,
                question_set_id=question_set.id,
                status_code=CREATED,
                response=answer.model_dump(mode="json"),
            )
        )
    try:
        await session.flush()
    except IntegrityError:
        # Another request with the same key finished first: its answer wins, ours is discarded.
        if idempotency_key is None:
            raise
        await session.rollback()
        logger.info("a concurrent request with the same Idempotency-Key won; replaying it")
        replay = await _replay(keys, idempotency_key, fingerprint)
        if replay is None:
            raise
        return replay

    await write_questions_file(data_dir, question_set)
    with log_context(question_set_id=question_set.id):
        logger.info("question set generated", extra={"provider": result.provider})
    return answer


async def _replay(
    keys: IdempotencyRepository, key: str, fingerprint: str
) -> QuestionSetRead | None:
    record = await keys.get(key)
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used with a different request body. Use a new "
            "key for a new request, or resend the original body to get its answer.",
            code="idempotency_key_reused",
        )
    return QuestionSetRead.model_validate(record.response)


def _new_question_set(body: GenerateRequest, result: GenerationResult) -> QuestionSet:
    now = utcnow()
    question_set = QuestionSet(
        id=new_id(),
        status="draft",
        provider=result.provider,
        model=result.model,
        notice=result.notice,
        warnings=list(result.warnings),
        job_description=body.job_description,
        role_title=body.role_title,
        language=body.language,
        seniority=body.seniority,
        output_language=body.output_language,
        created_at=now,
        updated_at=now,
    )
    question_set.questions = [
        Question(
            id=new_id(),
            position=position,
            text=generated.text.strip(),
            type=generated.type,
            subtype=generated.subtype,
            competency=generated.competency.strip(),
            expected_points=[point.strip() for point in generated.expected_points],
            provider=result.provider,
            status="pending",
            created_at=now,
            updated_at=now,
        )
        for position, generated in enumerate(result.questions, start=1)
    ]
    return question_set


# --- reading ----------------------------------------------------------------------------------


async def get_question_set(session: AsyncSession, question_set_id: str) -> QuestionSet:
    question_set = await QuestionSetRepository(session).get(question_set_id)
    if question_set is None:
        raise NotFound(
            f"No question set with id '{question_set_id}'. List the sets with GET /question-sets.",
            code="question_set_not_found",
        )
    return question_set


async def list_question_sets(session: AsyncSession, page: PageParams) -> QuestionSetPage:
    repository = QuestionSetRepository(session)
    sets = await repository.list_newest_first(limit=page.limit, offset=page.offset)
    return QuestionSetPage(
        items=[QuestionSetRead.from_model(s) for s in sets],
        total=await repository.count(),
        limit=page.limit,
        offset=page.offset,
    )


async def review_history(session: AsyncSession, question_set: QuestionSet) -> ReviewHistory:
    events = await ReviewEventRepository(session).list_for_set(question_set.id)
    return ReviewHistory(
        question_set_id=question_set.id,
        items=[ReviewEventRead.from_model(event) for event in events],
    )


def approved_questions_text(question_set: QuestionSet) -> str:
    return questions_text([q for q in question_set.questions if q.status == "approved"])


# --- review -----------------------------------------------------------------------------------


def _find_question(question_set: QuestionSet, question_id: str) -> Question:
    for question in question_set.questions:
        if question.id == question_id:
            return question
    raise NotFound(
        f"Question set '{question_set.id}' has no question with id '{question_id}'. "
        f"GET /question-sets/{question_set.id} lists its questions.",
        code="question_not_found",
    )


async def update_question(
    session: AsyncSession,
    *,
    data_dir: Path,
    question_set: QuestionSet,
    question_id: str,
    patch: QuestionPatch,
) -> Question:
    """Apply a reviewer's edit, record each changed field, and refresh the set's text file."""
    question = _find_question(question_set, question_id)
    events = ReviewEventRepository(session)
    new_text = patch.text if patch.text != question.text else None
    new_status = patch.status if patch.status != question.status else None
    if new_text is not None:
        events.add(_change(question, "text_changed", "text", question.text, new_text, patch))
        question.text = new_text
    if new_status is not None:
        events.add(
            _change(question, "status_changed", "status", question.status, new_status, patch)
        )
        question.status = new_status
    if new_status is not None:
        _back_to_draft_when_nothing_approved(question_set)
    if new_text is not None or new_status is not None:
        question.updated_at = question_set.updated_at = utcnow()
    await session.flush()  # updating the set's row serialises concurrent edits of one set
    if new_text is not None:
        # from the database, not this request's copy: a concurrent edit of another question
        # of the set, committed meanwhile, must stay in the file too
        await session.refresh(question_set, ["questions"])
        await write_questions_file(data_dir, question_set)
    return question


def _back_to_draft_when_nothing_approved(question_set: QuestionSet) -> None:
    if question_set.status == "approved" and not any(
        q.status == "approved" for q in question_set.questions
    ):
        question_set.status = "draft"  # nothing approved is left to interview with


def _as_generated(question: Question) -> GeneratedQuestion:
    return GeneratedQuestion(
        text=question.text,
        type=question.type,
        subtype=question.subtype,
        competency=question.competency,
        expected_points=list(question.expected_points),
    )


def _generation_request(question_set: QuestionSet) -> GenerationRequest:
    return GenerationRequest(
        job_description=question_set.job_description,
        language=question_set.language,
        role_title=question_set.role_title,
        seniority=question_set.seniority,  # type: ignore[arg-type]
        output_language=question_set.output_language,
    )


async def regenerate_question(
    session: AsyncSession,
    *,
    data_dir: Path,
    generator: QuestionGenerator,
    question_set: QuestionSet,
    question_id: str,
    request: RegenerateRequest,
) -> RegeneratedQuestion:
    """A new question in the same slot (type and subtype), on a topic the set's other questions
    do not cover; pending review again, and recorded in the history."""
    question = _find_question(question_set, question_id)
    set_id = question_set.id
    slot = Slot(question.type, question.subtype)  # type: ignore[arg-type]
    others = [_as_generated(q) for q in question_set.questions if q.id != question_id]
    replaced = _as_generated(question)
    generation = _generation_request(question_set)
    await session.rollback()  # no connection held while the provider thinks

    result = await generator.regenerate(generation, slot, others, replaced)
    question_set = await get_question_set(session, set_id)
    question = _find_question(question_set, question_id)
    new = result.question
    events = ReviewEventRepository(session)
    events.add(_change(question, "regenerated", "text", question.text, new.text.strip(), request))
    if question.status != "pending":
        events.add(
            _change(question, "status_changed", "status", question.status, "pending", request)
        )
    question.text = new.text.strip()
    question.competency = new.competency.strip()
    question.expected_points = [point.strip() for point in new.expected_points]
    question.provider = result.provider
    question.status = "pending"
    question.updated_at = question_set.updated_at = utcnow()
    _back_to_draft_when_nothing_approved(question_set)
    await session.flush()
    await session.refresh(question_set, ["questions"])  # see write order in update_question
    await write_questions_file(data_dir, question_set)
    with log_context(question_set_id=set_id):
        logger.info("question regenerated", extra={"provider": result.provider})
    return RegeneratedQuestion(
        **QuestionRead.from_model(question).model_dump(),
        notice=result.notice,
        warnings=list(result.warnings),
    )


def _change(
    question: Question,
    action: str,
    field: str,
    old: str,
    new: str,
    by: QuestionPatch | ApproveRequest | RegenerateRequest,
) -> ReviewEvent:
    """The audit record of one field of one question changing."""
    return ReviewEvent(
        question_set_id=question.question_set_id,
        question_id=question.id,
        action=action,
        field=field,
        old_value=old,
        new_value=new,
        reviewer=by.reviewer,
        created_at=utcnow(),
    )


async def approve_question_set(
    session: AsyncSession, question_set: QuestionSet, request: ApproveRequest
) -> QuestionSet:
    """Approve all pending questions (or the listed ones) and mark the set approved."""
    if request.question_ids is None:
        chosen = [q for q in question_set.questions if q.status == "pending"]
    else:
        chosen = [_find_question(question_set, qid) for qid in dict.fromkeys(request.question_ids)]
    if not chosen and not any(q.status == "approved" for q in question_set.questions):
        raise Conflict(
            "No question in this set is pending or approved, so there is nothing to approve. "
            "Set a question's status to pending or approved first.",
            code="question_set_nothing_to_approve",
        )
    events = ReviewEventRepository(session)
    now = utcnow()
    changes = 0
    for question in chosen:
        if question.status != "approved":
            events.add(
                _change(question, "status_changed", "status", question.status, "approved", request)
            )
            question.status = "approved"
            question.updated_at = now
            changes += 1
    if question_set.status != "approved":
        events.add(
            ReviewEvent(
                question_set_id=question_set.id,
                action="set_approved",
                field="status",
                old_value=question_set.status,
                new_value="approved",
                reviewer=request.reviewer,
                created_at=now,
            )
        )
        question_set.status = "approved"
        changes += 1
    if changes:
        question_set.updated_at = now
    await session.flush()
    return question_set


def notice_version_taken(version: str) -> Conflict:
    return Conflict(
        f"Notice version {version!r} already stands for another text (a candidate may have "
        "consented to it, and a version never changes its words). Give the new text a new "
        "version, e.g. with a date or a number added.",
        code="notice_version_taken",
    )


async def _claim_notice_version(
    session: AsyncSession, settings: Settings, question_set: QuestionSet, version: str, text: str
) -> None:
    """Bind `version` to `text` for good; 409 when it already means another text (the global
    notice's, or one any set named before)."""
    if version == settings.notice_version and text != settings.notice_text:
        raise notice_version_taken(version)
    stored = await session.get(SetNoticeVersion, version)
    if stored is None:
        session.add(SetNoticeVersion(version=version, text=text, question_set_id=question_set.id))
        try:
            async with session.begin_nested():  # a concurrent claim of the same version
                await session.flush()
        except IntegrityError:
            stored = await session.get(SetNoticeVersion, version)
    if stored is not None and stored.text != text:
        raise notice_version_taken(version)


async def set_compliance(
    session: AsyncSession,
    settings: Settings,
    question_set: QuestionSet,
    compliance: Compliance,
    reviewer: str | None,
) -> QuestionSet:
    """Replace the set's compliance settings (null fields: the global settings apply). Running
    interviews keep the settings they started with."""
    before = Compliance.from_model(question_set)
    if compliance == before:
        return question_set
    if compliance.notice is not None:
        await _claim_notice_version(
            session, settings, question_set, compliance.notice.version, compliance.notice.text
        )
    notice = compliance.notice
    question_set.compliance_notice_version = notice.version if notice else None
    question_set.compliance_notice_text = notice.text if notice else None
    question_set.retention_days = compliance.retention_days
    question_set.analysis_policy = compliance.analysis_policy
    question_set.bias_audit = compliance.bias_audit
    now = utcnow()
    question_set.updated_at = now
    ReviewEventRepository(session).add(
        ReviewEvent(
            question_set_id=question_set.id,
            action="compliance_changed",
            field="compliance",
            old_value=before.model_dump_json(),
            new_value=compliance.model_dump_json(),
            reviewer=reviewer,
            created_at=now,
        )
    )
    await session.flush()
    with log_context(question_set_id=question_set.id):
        logger.info("compliance settings changed")
    return question_set
