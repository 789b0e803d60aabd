"""The analysis pipeline behind the upload and erasure hooks."""

from sqlalchemy.ext.asyncio import AsyncSession

from analysis import service
from analysis.worker import AnalysisWorker
from interview_api.interviews.models import Interview
from interview_api.recordings.models import Recording
from shared.db import after_commit
from shared.storage import Storage


class PipelineHooks:
    """Every upload becomes an analysis job; erasure reaches the pipeline's rows, result files
    and provider-side copies. `worker`, when it runs in this process, is woken as soon as the
    transaction commits."""

    def __init__(self, storage: Storage, worker: AnalysisWorker | None = None) -> None:
        self.storage = storage
        self.worker = worker

    async def enqueue(self, session: AsyncSession, recording: Recording) -> str | None:
        # from the interview's snapshot: the question (for the evaluation and the transcripts)
        # and the analysis policy
        interview = await session.get(Interview, recording.interview_id)
        question = None
        if recording.question_id and interview is not None:
            question = interview.question(recording.question_id)
        compliance = interview.compliance if interview is not None else None
        analysis_id = await service.enqueue(
            session,
            interview_id=recording.interview_id,
            recording_id=recording.id,
            recording_key=recording.path,
            size_bytes=recording.size_bytes,
            sha256=recording.sha256,
            container=recording.container,
            question_id=recording.question_id,
            question_text=recording.question_text,
            question_details={
                "position": question.get("position"),
                "competency": question.get("competency"),
                "expected_points": list(question.get("expected_points") or []),
            }
            if question is not None
            else None,
            analysis_policy=compliance.get("analysis_policy") if compliance else None,
        )
        if self.worker is not None:
            after_commit(session, self.worker.notify)  # before it, the job is not visible
        return analysis_id

    async def erase(self, session: AsyncSession, interview_id: str) -> None:
        await service.erase_interview(session, interview_id)
        if self.worker is not None:
            after_commit(session, self.worker.notify_outbox)
