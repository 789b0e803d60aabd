"""What the interview API asks of the pipeline: enqueue, read, erase."""

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from analysis import transcripts
from analysis.canonical import AnalysisDocument, ProviderName, ProviderStatus
from analysis.merge import StoredAnalysis, StoredStep, merge
from analysis.models import Analysis, ProviderStep
from analysis.repository import AnalysisRepository
from shared.errors import NotFound
from shared.storage import Storage

logger = logging.getLogger(__name__)

# Providers that keep a copy of the video after analysing it (erasure must reach them).
KEEPS_COPIES = frozenset({ProviderName.TWELVELABS.value})


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
) -> str:
    """Queue the analysis of a stored recording; returns the analysis id (one per recording)."""
    repo = AnalysisRepository(session)
    if existing := await repo.get_by_recording(recording_id):
        return existing.id
    analysis = Analysis(
        id=str(uuid4()),
        interview_id=interview_id,
        recording_id=recording_id,
        question_id=question_id,
        question_text=question_text,
        question_details=question_details,
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
            remote_ids={k: str(v) for k, v in (step.state or {}).items() if k.endswith("_id")},
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
    )


def document_of(analysis: Analysis) -> AnalysisDocument:
    """The stored document once finished; before that, merged live from the steps so far."""
    if analysis.document is not None:
        return AnalysisDocument.model_validate(analysis.document)
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


async def write_transcripts(session: AsyncSession, storage: Storage, analysis_id: str) -> None:
    """Bring the answer's and the interview's transcript files up to date (after an answer's
    analysis ended). Reads in `session`; the caller should hold no transaction open long."""
    analysis = await AnalysisRepository(session).get(analysis_id)
    if analysis is None:
        return
    document = document_of(analysis)
    if document.transcript is not None:
        await storage.write_bytes(
            transcripts.answer_key(analysis.recording_id),
            transcripts.answer_text(document.transcript).encode(),
        )
    answers = await interview_answers(session, analysis.interview_id)
    if any(answer.transcript is not None for answer in answers):
        await storage.write_bytes(
            transcripts.interview_key(analysis.interview_id),
            transcripts.interview_text(answers).encode(),
        )


async def erase_interview(session: AsyncSession, storage: Storage, interview_id: str) -> int:
    """Delete an interview's analyses and result files; queue the provider-side copies for
    deletion (the worker deletes them and retries what fails). Returns how many were queued."""
    repo = AnalysisRepository(session)
    queued = 0
    for analysis in await repo.delete_for_interview(interview_id):
        for step in analysis.steps:
            if step.provider in KEEPS_COPIES and step.state:
                queued += await repo.queue_remote_deletion(
                    interview_id, step.provider, dict(step.state)
                )
        await storage.delete(result_key(analysis.id))
        await storage.delete(transcripts.answer_key(analysis.recording_id))
    await storage.delete(transcripts.interview_key(interview_id))
    return queued


async def queue_state(session: AsyncSession) -> tuple[dict[str, int], datetime | None]:
    """Jobs by status and when the oldest queued one was queued (for /metrics)."""
    repo = AnalysisRepository(session)
    return await repo.count_by_status(), await repo.oldest_queued_at()


async def remote_deletions(session: AsyncSession, interview_id: str | None) -> list[dict[str, Any]]:
    rows = await AnalysisRepository(session).remote_deletions(interview_id)
    return [
        {
            "interview_id": row.interview_id,
            "provider": row.provider,
            "remote_ids": {k: v for k, v in row.state.items() if k.endswith("_id")},
            "status": row.status,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "updated_at": row.updated_at.isoformat(),
        }
        for row in rows
    ]
