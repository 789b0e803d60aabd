"""What the interview API asks of the pipeline: enqueue, read, erase."""

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analysis import transcripts
from analysis.canonical import STORED, AnalysisDocument, ProviderStatus
from analysis.merge import StoredAnalysis, StoredStep, merge
from analysis.models import Analysis, OutboxItem, OutboxKind, OutboxStatus, ProviderStep
from analysis.outbox import Outbox, OutboxPolicy, queue_file_deletion
from analysis.policy import PolicyName, stored_policy
from analysis.registry import keeps_copies, remote_ids_of
from analysis.repository import AnalysisRepository
from shared.db import Database, canonical_id, new_id, utcnow
from shared.errors import NotFound
from shared.storage import Storage

logger = logging.getLogger(__name__)


def result_key(analysis_id: str) -> str:
    return f"results/analysis_{analysis_id}.json"


async def enqueue(
    session: AsyncSession,
    *,
    interview_id: str,
    recording_id: str,
    recording_key: str,
    size_bytes: int,
    sha256: str,
    container: str,
    question_id: str | None = None,
    question_text: str | None = None,
    question_details: dict[str, Any] | None = None,
    analysis_policy: PolicyName | None = None,
) -> str:
    """Queue the analysis of a stored recording; returns the analysis id (one per recording).
    `analysis_policy`: the interview's (None: ANALYSIS_POLICY of the worker that runs it)."""
    repo = AnalysisRepository(session)
    if existing := await repo.get_by_recording(recording_id):
        return existing.id
    analysis = Analysis(
        id=new_id(),
        interview_id=interview_id,
        recording_id=recording_id,
        question_id=question_id,
        question_text=question_text,
        question_details=question_details,
        analysis_policy=analysis_policy,
        recording_key=recording_key,
        size_bytes=size_bytes,
        sha256=sha256,
        container=container,
    )
    await repo.add(analysis)
    return analysis.id


def stored_steps(steps: Sequence[ProviderStep]) -> list[StoredStep]:
    return [
        StoredStep(
            provider=step.provider,
            status=ProviderStatus(step.status),
            section=step.section,
            error_code=step.error_code,
            error_message=step.error_message,
            remote_ids=remote_ids_of(step.provider, step.state or {}),
            attempts=step.attempts,
            notes=list(step.notes or []),
        )
        for step in steps
    ]


def stored_analysis(analysis: Analysis) -> StoredAnalysis:
    return StoredAnalysis(
        analysis_id=analysis.id,
        interview_id=analysis.interview_id,
        recording_id=analysis.recording_id,
        question_id=analysis.question_id,
        question_text=analysis.question_text,
        created_at=analysis.created_at,
        completed_at=analysis.completed_at,
        started=analysis.started_at is not None,
        policy=stored_policy(analysis.analysis_policy),
    )


def document_of(analysis: Analysis) -> AnalysisDocument:
    """The stored document once finished; before that, merged live from the steps so far."""
    if analysis.document is not None:
        return AnalysisDocument.model_validate(analysis.document, context=STORED)
    return merge(stored_analysis(analysis), stored_steps(analysis.steps))


async def load(session: AsyncSession, analysis_id: str) -> Analysis:
    analysis = await AnalysisRepository(session).get(analysis_id)
    if analysis is None:
        raise NotFound(f"No analysis {analysis_id}.", code="analysis_not_found")
    return analysis


def raw_answers(analysis: Analysis) -> dict[str, Any]:
    """Each provider's untouched answer, for audits and re-processing."""
    return {
        "analysis_id": analysis.id,
        "providers": {
            step.provider: {"status": step.status, "raw": step.raw} for step in analysis.steps
        },
    }


async def statuses(session: AsyncSession, recording_ids: Sequence[str]) -> dict[str, str]:
    """Each recording's analysis status (queued, running, succeeded, partial, failed)."""
    return await AnalysisRepository(session).statuses(recording_ids)


async def for_interview(session: AsyncSession, interview_id: str) -> list[AnalysisDocument]:
    analyses = await AnalysisRepository(session).for_interview(interview_id)
    return [document_of(a) for a in analyses]


async def for_interviews(
    session: AsyncSession, interview_ids: Sequence[str]
) -> dict[str, list[AnalysisDocument]]:
    """Each interview's documents, oldest first, read in one query for all of them."""
    found: dict[str, list[AnalysisDocument]] = {interview_id: [] for interview_id in interview_ids}
    for analysis in await AnalysisRepository(session).for_interviews(interview_ids):
        found[analysis.interview_id].append(document_of(analysis))
    return found


async def interview_answers(session: AsyncSession, interview_id: str) -> list[transcripts.Answer]:
    """The interview's answers, in question order, with their transcripts."""
    analyses = await AnalysisRepository(session).for_interview(interview_id)
    details = {a.id: a.question_details for a in analyses}
    return transcripts.answers([document_of(a) for a in analyses], details)


async def captions(session: AsyncSession, recording_id: str) -> str:
    """The recording's transcript as WebVTT (a header only while there is none)."""
    analysis = await AnalysisRepository(session).get_by_recording(recording_id)
    if analysis is None:
        raise NotFound(f"No analysis of recording {recording_id}.", code="recording_not_found")
    document = document_of(analysis)
    duration = document.media.duration_seconds if document.media else None
    return transcripts.webvtt(document.transcript, duration)


async def write_transcripts(session: AsyncSession, storage: Storage, analysis_id: str) -> list[str]:
    """Bring the answer's and the interview's transcript files up to date (after an answer's
    analysis ended); the keys written."""
    analysis = await AnalysisRepository(session).get(analysis_id)
    if analysis is None:
        return []
    document = document_of(analysis)
    interview_id, recording_id = analysis.interview_id, analysis.recording_id
    answers = await interview_answers(session, interview_id)
    await session.rollback()  # no transaction stays open across the storage writes
    written = []
    if document.transcript is not None:
        written.append(transcripts.answer_key(recording_id))
        await storage.write_bytes(
            written[-1], transcripts.answer_text(document.transcript).encode()
        )
    if any(answer.transcript is not None for answer in answers):
        written.append(transcripts.interview_key(interview_id))
        await storage.write_bytes(written[-1], transcripts.interview_text(answers).encode())
    return written


async def erase_interview(session: AsyncSession, interview_id: str) -> int:
    """Delete an interview's analyses and queue, in the same transaction, the deletion of their
    result files and of each provider-side copy (one per analysis and provider), and drop the
    webhooks not yet delivered. Nothing is deleted outside the database here: the outbox does
    it once the transaction has committed. Returns how many provider-side deletions were
    queued."""
    repo = AnalysisRepository(session)
    queued = 0
    analyses = await repo.delete_for_interview(interview_id)
    for analysis in analyses:
        for step in analysis.steps:
            if keeps_copies(step.provider) and step.state:
                queued += await repo.queue_remote_deletion(
                    interview_id, analysis.id, step.provider, dict(step.state)
                )
    await repo.drop_undelivered_webhooks(interview_id)
    if analyses:
        await queue_file_deletion(
            repo,
            interview_id,
            keys=[result_key(a.id) for a in analyses]
            + [transcripts.answer_key(a.recording_id) for a in analyses]
            + [transcripts.interview_key(interview_id)],
            prefixes=[],
        )
    return queued


async def queue_interview_files_deletion(
    session: AsyncSession, interview_id: str, prefixes: list[str]
) -> None:
    """Queue the deletion of an erased interview's stored folders (its recordings)."""
    await queue_file_deletion(AnalysisRepository(session), interview_id, keys=[], prefixes=prefixes)


async def queue_orphaned_copies(
    db: Database, interview_id: str, analysis_id: str, states: Mapping[str, Mapping[str, Any]]
) -> None:
    """Queue the deletion of what a job erased while it ran had created at the providers."""
    async with db.session() as session:
        repo = AnalysisRepository(session)
        for provider, state in states.items():
            if keeps_copies(provider) and state:
                await repo.queue_remote_deletion(interview_id, analysis_id, provider, dict(state))


async def delete_erased_files(
    db: Database, storage: Storage, interview_id: str, *, max_attempts: int | None = None
) -> list[str]:
    """Make the erasure's file deletions now, after its commit; returns the storage keys and
    prefixes still there (their deletion failed and stays queued in the outbox)."""
    async with db.session() as session:
        items = await AnalysisRepository(session).outbox_for_interview(interview_id)
    pending = [
        item.id
        for item in items
        if item.kind == OutboxKind.FILE_DELETION.value and item.status == OutboxStatus.PENDING.value
    ]
    policy = OutboxPolicy(max_attempts=max_attempts) if max_attempts else None
    left = await Outbox(db, storage, policy=policy).attempt_now(pending)
    return [path for item in left for path in item.payload["keys"] + item.payload["prefixes"]]


async def queue_state(session: AsyncSession) -> tuple[dict[str, int], datetime | None]:
    """Jobs by status and when the oldest queued one was queued (for /metrics)."""
    repo = AnalysisRepository(session)
    return await repo.count_by_status(), await repo.oldest_queued_at()


async def oldest_pending_deletion(session: AsyncSession) -> datetime | None:
    """When the oldest erasure deletion not yet done was queued (for /metrics)."""
    return await AnalysisRepository(session).oldest_pending_outbox(
        [OutboxKind.REMOTE_DELETION.value, OutboxKind.FILE_DELETION.value]
    )


Page = dict[str, Any]


async def remote_deletions(
    session: AsyncSession,
    *,
    interview_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Provider-side copies and stored files that erasures are deleting or have deleted."""
    rows, total = await AnalysisRepository(session).outbox_page(
        [OutboxKind.REMOTE_DELETION.value, OutboxKind.FILE_DELETION.value],
        interview_id=interview_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return {
        "items": [_deletion_json(row) for row in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


def _deletion_json(row: OutboxItem) -> dict[str, Any]:
    is_files = row.kind == OutboxKind.FILE_DELETION.value
    return {
        "id": row.id,
        "interview_id": row.interview_id,
        "analysis_id": row.analysis_id,
        "provider": "storage" if is_files else row.provider,
        "remote_ids": {}
        if is_files
        else remote_ids_of(row.provider or "", row.payload.get("state", {})),
        "objects": row.payload.get("keys", []) + row.payload.get("prefixes", [])
        if is_files
        else [],
        **_attempts_json(row),
    }


def _attempts_json(row: OutboxItem) -> dict[str, Any]:
    return {
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "next_attempt_at": row.due_at.isoformat()
        if row.status == OutboxStatus.PENDING.value
        else None,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "completed_at": row.completed_at.isoformat() if row.completed_at else None,
    }


async def webhook_deliveries(
    session: AsyncSession,
    *,
    analysis_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Completion webhooks: delivered, being retried, or given up."""
    rows, total = await AnalysisRepository(session).outbox_page(
        [OutboxKind.WEBHOOK.value],
        analysis_id=analysis_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    items = [
        {
            "id": row.id,
            "analysis_id": row.analysis_id,
            "interview_id": row.interview_id,
            "last_status_code": row.last_status_code,
            **_attempts_json(row),
        }
        for row in rows
    ]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


RESULTS_PREFIX = "results"


@dataclass(frozen=True)
class _OwnedFiles:
    """Files under `prefix` named `<stem><id><suffix>`, each kept while `present` finds its id."""

    prefix: str
    stem: str
    suffix: str
    present: Callable[[AnalysisRepository, Sequence[str]], Awaitable[set[str]]]
    what: str


_OWNED_FILES = (
    _OwnedFiles(
        RESULTS_PREFIX, "analysis_", ".json", AnalysisRepository.existing_ids, "analysis row"
    ),
    # `transcript_<recording_id>.txt` and `transcript_<interview_id>.txt`: both go with the
    # interview's analyses (an erasure deletes them all at once)
    _OwnedFiles(
        transcripts.TRANSCRIPTS,
        "transcript_",
        ".txt",
        AnalysisRepository.existing_answer_ids,
        "recording or interview with an analysis",
    ),
)


async def sweep_orphan_results(db: Database, storage: Storage, grace_seconds: float) -> int:
    """Delete the files the pipeline writes (result files, transcript files) whose analysis,
    recording or interview is gone: what a crash between an erasure and a job finishing at
    the same moment leaves. Files younger than `grace_seconds` are left alone: a job may be
    finishing. Returns how many were removed."""
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    removed = 0
    for owned in _OWNED_FILES:
        removed += await _sweep(db, storage, owned, cutoff)
    return removed


async def _sweep(db: Database, storage: Storage, owned: _OwnedFiles, cutoff: datetime) -> int:
    stale: dict[str, list[str]] = defaultdict(list)
    for item in await storage.list_objects(owned.prefix):
        name = item.key.rpartition("/")[2]
        if item.modified <= cutoff and name.startswith(owned.stem) and name.endswith(owned.suffix):
            raw = name.removeprefix(owned.stem).removesuffix(owned.suffix)
            # looked up in the one spelling ids have now, whatever spelling named the file
            stale[canonical_id(raw) or raw].append(item.key)
    removed = 0
    ids = sorted(stale)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        async with db.session() as session:
            present = await owned.present(AnalysisRepository(session), chunk)
        for owner_id in chunk:
            if owner_id not in present:
                for key in stale[owner_id]:
                    await storage.delete(key)
                    logger.warning("removed orphan %s (no %s)", key, owned.what)
                    removed += 1
    return removed
