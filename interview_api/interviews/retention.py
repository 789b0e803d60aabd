"""Retention: each interview is erased its retention days after it ended.

An interview's retention days are those it started with (`Interview.compliance`: its question
set's `retention_days`, else RETENTION_DAYS at the time); an interview from before these were
kept follows RETENTION_DAYS. The interview API runs `run_retention_sweeps` beside its other
sweeps; `interview-backend retention --dry-run` lists what the next sweep would erase.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import and_, or_, select

from analysis import service as analysis_service
from interview_api.analysis_hooks import AnalysisHooks
from interview_api.audit import service as audit
from interview_api.audit.actor import SYSTEM
from interview_api.interviews import erasure
from interview_api.interviews.models import ENDED, Interview
from shared.db import Database, utcnow
from shared.storage import Storage

logger = logging.getLogger(__name__)

BATCH = 100  # interviews erased per transaction
SCAN = 500  # ended interviews read per query while looking for expired ones
MIN_DAYS = 1  # the shortest retention anyone can set


@dataclass(frozen=True)
class Expired:
    interview_id: str
    ended_at: datetime
    due_at: datetime


def retention_days(
    kept_snapshot: bool, snapshot_days: int | None, default_days: int | None
) -> int | None:
    """An interview's retention days: its snapshot's (None there: kept), else the default."""
    return snapshot_days if kept_snapshot else default_days


async def expired(
    db: Database, default_days: int | None, now: datetime, limit: int = BATCH
) -> list[Expired]:
    """Ended interviews whose retention ran out, in the order they ended. `default_days`
    (RETENTION_DAYS) applies to interviews that kept no retention of their own."""
    found: list[Expired] = []
    after: tuple[datetime, str] | None = None
    async with db.session() as session:
        while len(found) < limit:
            # only the two keys read, not the snapshot's notice text
            statement = select(
                Interview.id,
                Interview.ended_at,
                Interview.compliance["analysis_policy"].as_string(),  # in every snapshot
                Interview.compliance["retention_days"].as_integer(),
            ).where(Interview.status == ENDED, Interview.ended_at <= now - timedelta(days=MIN_DAYS))
            if after is not None:  # keyset paging: every row once, whatever was erased
                statement = statement.where(
                    or_(
                        Interview.ended_at > after[0],
                        and_(Interview.ended_at == after[0], Interview.id > after[1]),
                    )
                )
            rows = (
                await session.execute(
                    statement.order_by(Interview.ended_at, Interview.id).limit(SCAN)
                )
            ).all()
            for interview_id, ended_at, policy, snapshot_days in rows:
                days = retention_days(policy is not None, snapshot_days, default_days)
                if ended_at is not None and days is not None:
                    due_at = ended_at + timedelta(days=days)
                    if due_at <= now:
                        found.append(Expired(interview_id, ended_at, due_at))
            if len(rows) < SCAN:
                break
            after = (rows[-1][1], rows[-1][0])
    return found[:limit]


async def erase_expired(
    db: Database,
    storage: Storage,
    hooks: AnalysisHooks,
    default_days: int | None,
    now: datetime,
    *,
    max_attempts: int | None = None,
) -> list[str]:
    """Erase every interview whose retention ran out, a batch per transaction; their files
    are deleted after each commit (what fails stays queued). Returns the erased ids."""
    erased: list[str] = []
    while batch := await expired(db, default_days, now):
        await _erase(db, hooks, [item.interview_id for item in batch])
        for item in batch:
            await analysis_service.delete_erased_files(
                db, storage, item.interview_id, max_attempts=max_attempts
            )
        erased += [item.interview_id for item in batch]
        if len(batch) < BATCH:
            break
    if erased:
        logger.info("retention erased %d interviews", len(erased))
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
    default_days: int | None,
    period_seconds: float,
    max_attempts: int | None = None,
) -> None:
    """`erase_expired` now and every `period_seconds`, until cancelled; a failed sweep is
    logged and tried again next time."""
    while True:
        try:
            await erase_expired(
                db, storage, hooks, default_days, utcnow(), max_attempts=max_attempts
            )
        except Exception:
            logger.exception("retention sweep failed; trying again later")
        await anyio.sleep(period_seconds)
