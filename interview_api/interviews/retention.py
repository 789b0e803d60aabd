"""Retention: interviews are erased RETENTION_DAYS after they ended.

The interview API runs `run_retention_sweeps` beside its other sweeps; `interview-backend
retention --dry-run` lists what the next sweep would erase.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import select

from analysis import service as analysis_service
from interview_api.analysis_hooks import AnalysisHooks
from interview_api.interviews import erasure
from interview_api.interviews.models import ENDED, Interview
from shared.audit import trail as audit
from shared.audit.actor import SYSTEM
from shared.db import Database, utcnow
from shared.storage import Storage

logger = logging.getLogger(__name__)

BATCH = 100  # interviews erased per transaction


@dataclass(frozen=True)
class Expired:
    interview_id: str
    ended_at: datetime
    due_at: datetime


async def expired(db: Database, days: int, now: datetime, limit: int = BATCH) -> list[Expired]:
    """Ended interviews whose retention ran out, oldest first."""
    cutoff = now - timedelta(days=days)
    async with db.session() as session:
        rows = await session.execute(
            select(Interview.id, Interview.ended_at)
            .where(Interview.status == ENDED, Interview.ended_at <= cutoff)
            .order_by(Interview.ended_at, Interview.id)
            .limit(limit)
        )
        return [
            Expired(interview_id, ended_at, ended_at + timedelta(days=days))
            for interview_id, ended_at in rows.all()
            if ended_at is not None
        ]


async def erase_expired(
    db: Database,
    storage: Storage,
    hooks: AnalysisHooks,
    days: int,
    now: datetime,
    *,
    max_attempts: int | None = None,
) -> list[str]:
    """Erase every interview whose retention ran out, a batch per transaction; their files
    are deleted after each commit (what fails stays queued). Returns the erased ids."""
    erased: list[str] = []
    while batch := await expired(db, days, now):
        await _erase(db, hooks, [item.interview_id for item in batch])
        for item in batch:
            await analysis_service.delete_erased_files(
                db, storage, item.interview_id, max_attempts=max_attempts
            )
        erased += [item.interview_id for item in batch]
        if len(batch) < BATCH:
            break
    if erased:
        logger.info("retention erased %d interviews ended before %s", len(erased), now)
    return erased


async def _erase(db: Database, hooks: AnalysisHooks, interview_ids: Sequence[str]) -> None:
    async with db.session() as session:
        for interview_id in interview_ids:
            interview = await session.get(Interview, interview_id)
            if interview is None:  # erased meanwhile
                continue
            await erasure.erase_interview(
                session, interview, hooks, reason="retention", by=SYSTEM.role
            )
            await audit.record(session, SYSTEM, "erased", interview_id=interview_id)


async def run_retention_sweeps(
    db: Database,
    storage: Storage,
    hooks: AnalysisHooks,
    days: int,
    period_seconds: float,
    max_attempts: int | None = None,
) -> None:
    """`erase_expired` now and every `period_seconds`, until cancelled; a failed sweep is
    logged and tried again next time."""
    while True:
        try:
            await erase_expired(db, storage, hooks, days, utcnow(), max_attempts=max_attempts)
        except Exception:
            logger.exception("retention sweep failed; trying again later")
        await anyio.sleep(period_seconds)
