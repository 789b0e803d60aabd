"""A job's lease, renewed in the background while the job runs.

A renewal that fails for a passing reason (SQLite busy, a dropped PostgreSQL connection) is
tried again sooner; the heartbeat never dies of it, so a busy database does not hand the job to
a second worker that would repeat paid provider calls. When the renewal finds the job taken by
another worker (or erased), the heartbeat stops: the job itself stops at its next checkpoint
(`DatabaseStepStore` checks the lease before every write).
"""

import asyncio
import logging
from datetime import timedelta

from analysis.repository import AnalysisRepository
from shared.db import TRANSIENT_DB_ERRORS, Database
from shared.http import Sleep

logger = logging.getLogger(__name__)


class Lease:
    def __init__(
        self,
        db: Database,
        analysis_id: str,
        owner: str,
        duration: timedelta,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.db = db
        self.analysis_id = analysis_id
        self.owner = owner
        self.duration = duration
        self.sleep = sleep
        self.lost = False
        self.failed_renewals = 0

    async def renew(self) -> bool:
        """One renewal; False when the job is no longer ours."""
        async with self.db.session() as session:
            return await AnalysisRepository(session).renew_lease(
                self.analysis_id, self.owner, self.duration
            )

    async def keep(self) -> None:
        """Renew three times per lease period until cancelled or the lease is lost."""
        interval = self.duration.total_seconds() / 3
        delay = interval
        while True:
            await self.sleep(delay)
            try:
                ours = await self.renew()
            except TRANSIENT_DB_ERRORS as exc:
                self.failed_renewals += 1
                delay = interval / 4  # several more tries before the lease runs out
                logger.warning("lease renewal failed (%s); trying again", type(exc).__name__)
                continue
            delay = interval
            if not ours:
                self.lost = True
                logger.warning("lost the lease; the job stops at its next checkpoint")
                return
