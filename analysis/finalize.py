"""Finishing a job: merge its steps, write the result file, save the document, queue the webhook.

The result file is written before the job is marked done, so a finished analysis always has
its file. The file is written only while the job is still ours and still exists; should an
erasure land between the write and the save, the save finds no row and the file is deleted
again (a crash in that instant leaves a file without a row, which `sweep_orphan_results`
removes). The webhook is queued in the same transaction that saves the document, and the
outbox delivers it. The transcript files are written with the result file, and go with it.
"""

import json
import logging
from dataclasses import replace

from analysis.canonical import AnalysisStatus
from analysis.merge import merge
from analysis.outbox import queue_webhook
from analysis.repository import AnalysisRepository
from analysis.service import result_key, stored_analysis, stored_steps, write_transcripts
from analysis.step_store import AnalysisGone, LeaseLost
from shared.db import Database, utcnow
from shared.settings import Settings
from shared.storage import Storage

logger = logging.getLogger(__name__)


async def finalize(
    db: Database,
    storage: Storage,
    settings: Settings,
    analysis_id: str,
    owner: str,
    *,
    file_required: bool = True,
) -> AnalysisStatus:
    """Finish the job `owner` holds; raises `AnalysisGone` or `LeaseLost` when it cannot.
    With `file_required` off (a job given up on, perhaps because the storage fails), a result
    or transcript file that cannot be written does not keep the job unfinished: the document
    is saved in the database all the same (`sweep_orphan_results` removes any file left
    behind by an erasure)."""
    completed_at = utcnow()
    async with db.session() as session:
        analysis = await AnalysisRepository(session).get(analysis_id)
        if analysis is None:
            raise AnalysisGone(analysis_id)
        if analysis.lease_owner != owner:
            raise LeaseLost(analysis_id)
        interview_id = analysis.interview_id
        stored = replace(stored_analysis(analysis), completed_at=completed_at)
        document = merge(stored, stored_steps(analysis.steps)).model_dump(mode="json")
    status = AnalysisStatus(document["status"])
    key = result_key(analysis_id)
    written: list[str] = []
    try:
        await storage.write_bytes(key, json.dumps(document, indent=2).encode())
        async with db.session() as session:
            written = await write_transcripts(session, storage, analysis_id)
    except Exception:
        if file_required:
            raise
        logger.exception("result files not written; the document is saved in the database only")
    async with db.session() as session:
        repo = AnalysisRepository(session)
        finished = await repo.finish(analysis_id, owner, status, document, completed_at)
        if finished and settings.analysis_webhook_url:
            await queue_webhook(repo, interview_id, analysis_id, document)
        gone = not finished and not await repo.existing_ids([analysis_id])
    if gone:
        for path in (key, *written):  # erased meanwhile: no file may outlive the row
            await storage.delete(path)
        raise AnalysisGone(analysis_id)
    if not finished:
        # another worker took the job over; it writes the same file when it finishes
        raise LeaseLost(analysis_id)
    logger.info("analysis %s", status, extra={"status": status.value})
    return status
