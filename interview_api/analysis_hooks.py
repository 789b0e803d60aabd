"""Where the analysis pipeline plugs into the interview API.

The upload service calls `enqueue` once, after the recording row is flushed and in the same
unit of work, so a job row the pipeline adds commits atomically with the recording. Erasing an
interview calls `erase` before the interview's rows are deleted, in the same unit of work, so the
pipeline removes its own rows and queues the deletion of its result files and provider-side
copies in the durable outbox (`analysis.outbox`), which deletes them after the commit. Set the
implementation on `app.state.analysis_hooks` (or pass it to `build_app`); by default it is the
analysis pipeline (`interview_api.analyses.hooks.PipelineHooks`).
"""

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.recordings.models import Recording


class AnalysisHooks(Protocol):
    async def enqueue(self, session: AsyncSession, recording: Recording) -> str | None:
        """Queue the analysis of a new recording; return its analysis id (None: not analysed)."""
        ...

    async def erase(self, session: AsyncSession, interview_id: str) -> None:
        """Erase every analysis of the interview: delete its rows and queue, in the same
        transaction, the deletion of its result files and provider-side copies."""
        ...
