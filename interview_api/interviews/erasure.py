"""Erasure: an interview's recordings and analyses (withdrawal of consent), or the whole
interview (a deletion request, the candidate's "Delete my interview", retention). Each leaves a
receipt without personal data, and `status` lists every copy being deleted until all are gone."""

import logging
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from analysis import service as analysis_service
from interview_api.analysis_hooks import AnalysisHooks
from interview_api.bias_audit import erasure as survey_erasure
from interview_api.consent.models import ErasureReceipt
from interview_api.interviews.models import Interview
from interview_api.interviews.repository import InterviewRepository
from interview_api.recordings.repository import RecordingRepository
from interview_api.recordings.storage import folder_of, interview_prefix
from shared.db import new_id, utcnow
from shared.logging import log_context

logger = logging.getLogger(__name__)

Reason = Literal["request", "candidate_request", "consent_withdrawn", "retention"]
# How many copies one erasure lists at most (an interview has one per recording and provider).
MAX_COPIES = 1000


async def erase_recordings(
    session: AsyncSession, interview: Interview, hooks: AnalysisHooks, *, reason: Reason, by: str
) -> None:
    """Delete the interview's recordings and analyses, clear its bias audit survey answers,
    and queue the deletion of every copy (stored files, result files, provider-side assets) in
    the durable outbox, in this unit of work; no storage call runs while its transaction is
    open. `by`: the requester's role."""
    with log_context(interview_id=interview.id):
        recordings = RecordingRepository(session)
        # recordings stored before ids were hyphenated stay in the folder named then
        stored = await recordings.paths_for_interview(interview.id)
        folders = {interview_prefix(interview.id)} | {folder_of(path) for path in stored}
        await hooks.erase(session, interview.id)
        await recordings.delete_for_interview(interview.id)
        await survey_erasure.erase(session, interview.id)
        await analysis_service.queue_interview_files_deletion(
            session, interview.id, sorted(folders)
        )
        session.add(
            ErasureReceipt(
                id=new_id(),
                interview_id=interview.id,
                reason=reason,
                requested_by=by,
                erased_at=utcnow(),
            )
        )
        await session.flush()
        logger.info("recordings erased (%s)", reason)


async def erase_interview(
    session: AsyncSession, interview: Interview, hooks: AnalysisHooks, *, reason: Reason, by: str
) -> None:
    """Everything of the interview: its recordings and analyses, then its row (and with it the
    invitation and unfinished uploads). The receipt stays."""
    await erase_recordings(session, interview, hooks, reason=reason, by=by)
    await InterviewRepository(session).delete(interview.id)


async def receipts(session: AsyncSession, interview_id: str) -> list[ErasureReceipt]:
    rows = await session.scalars(
        select(ErasureReceipt)
        .where(ErasureReceipt.interview_id == interview_id)
        .order_by(ErasureReceipt.erased_at)
    )
    return list(rows.all())


async def status(session: AsyncSession, interview_id: str) -> dict[str, Any] | None:
    """Every copy an erasure of this interview is deleting or has deleted, with its state
    (`not_erased` while nothing was erased); None when there is no such interview and never
    was."""
    found = await receipts(session, interview_id)
    exists = await InterviewRepository(session).exists(interview_id)
    if not found and not exists:
        return None
    page = await analysis_service.remote_deletions(
        session, interview_id=interview_id, limit=MAX_COPIES
    )
    copies = page["items"] + await survey_erasure.erased_copies(session, interview_id)
    states = {copy["status"] for copy in copies}
    overall = "failed" if "failed" in states else "erasing" if "pending" in states else "erased"
    if not found:
        overall = "not_erased"
    return {
        "interview_id": interview_id,
        "status": overall,
        "interview_exists": exists,
        "erasures": [
            {"reason": r.reason, "requested_by": r.requested_by, "erased_at": r.erased_at}
            for r in found
        ],
        "copies": copies,
        "pending": sum(1 for copy in copies if copy["status"] == "pending"),
    }
