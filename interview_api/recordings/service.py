"""Storing an uploaded recording durably, once, and sweeping what a crash left behind."""

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from interview_api.analysis_hooks import AnalysisHooks
from interview_api.interviews.models import Interview
from interview_api.interviews.repository import InterviewRepository
from interview_api.interviews.service import interview_not_found, new_id
from interview_api.recordings.models import Recording
from interview_api.recordings.repository import RecordingRepository
from interview_api.recordings.sniff import EXTENSIONS
from interview_api.recordings.storage import RecordingStorage, safe_original_filename
from interview_api.recordings.streaming import (
    ReceivedForm,
    UploadTooLarge,
    receive_upload,
    too_large_by_header,
)
from shared.db import Database, utcnow
from shared.errors import Unprocessable
from shared.logging import log_context

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stored:
    recording: Recording
    created: bool  # False: the same bytes were already stored for this question


class RecordingService:
    def __init__(
        self,
        session: AsyncSession,
        storage: RecordingStorage,
        hooks: AnalysisHooks,
        *,
        max_upload_bytes: int,
    ) -> None:
        self.recordings = RecordingRepository(session)
        self.session = session
        self.storage = storage
        self.hooks = hooks
        self.max_upload_bytes = max_upload_bytes

    async def upload(self, interview: Interview, request: Request) -> Stored:
        """Receive the request's multipart body and store its `file` part for `interview`.

        The order makes a crash harmless: the bytes go to a temporary file in the destination
        directory (fsynced), are renamed to their final name (directory fsynced), and only then
        is the row written; the request's unit of work commits it. Whatever a crash leaves
        without a row is removed by the start-up sweep.
        """
        if too_large_by_header(request.headers.get("content-length"), self.max_upload_bytes):
            raise UploadTooLarge(self.max_upload_bytes)
        with log_context(interview_id=interview.id):
            temp = await self.storage.open_temp(interview.id)
            try:
                form = await receive_upload(request, temp, max_bytes=self.max_upload_bytes)
                question_id, question_text = _question(interview, form)
                existing = await self.recordings.find_duplicate(
                    interview.id, question_id, temp.sha256
                )
                if existing is not None:
                    logger.info("duplicate upload of recording %s", existing.id)
                    return Stored(existing, created=False)
                recording = Recording(
                    id=new_id(),
                    interview_id=interview.id,
                    question_id=question_id,
                    question_text=question_text,
                    size_bytes=temp.size_bytes,
                    sha256=temp.sha256,
                    container=form.container,
                    original_filename=safe_original_filename(form.filename),
                    created_at=utcnow(),
                )
                final = self.storage.final_path(
                    interview.id, recording.id, EXTENSIONS[form.container]
                )
                recording.path = self.storage.relative(final)
                try:
                    await temp.publish(final)
                except FileNotFoundError as exc:  # erased while the upload streamed in
                    raise interview_not_found(interview.id) from exc
            finally:
                await temp.discard()
            return await self._record(recording)

    async def _record(self, recording: Recording) -> Stored:
        """Write the row of a file already in place (and enqueue its analysis); remove the
        file when that fails."""
        try:
            try:
                await self.recordings.add(recording)
            except IntegrityError:
                return await self._stored_meanwhile(recording)
            recording.analysis_id = await self.hooks.enqueue(self.session, recording)
            await self.recordings.save()
        except BaseException:
            await self.storage.remove(recording.path)
            raise
        logger.info(
            "recording %s stored: %d bytes, %s",
            recording.id,
            recording.size_bytes,
            recording.container,
            extra={"recording_id": recording.id, "sha256": recording.sha256},
        )
        return Stored(recording, created=True)

    async def _stored_meanwhile(self, recording: Recording) -> Stored:
        """The row could not be written: an identical upload was stored while this one streamed
        in (answer with that one), or the interview was erased meanwhile (404)."""
        await self.storage.remove(recording.path)
        await self.recordings.abandon()
        existing = await self.recordings.find_duplicate(
            recording.interview_id, recording.question_id, recording.sha256
        )
        if existing is None:
            raise interview_not_found(recording.interview_id)
        logger.info("duplicate upload of recording %s", existing.id)
        return Stored(existing, created=False)


def _question(interview: Interview, form: ReceivedForm) -> tuple[str | None, str | None]:
    """The answered question's id and text from the snapshot, or 422 `unknown_question`."""
    question_id = form.fields.get("question_id") or None
    if question_id is None:
        return None, None
    question = interview.question(question_id)
    if question is None:
        known = ", ".join(str(q.get("id")) for q in interview.questions) or "none"
        raise Unprocessable(
            f"Question {question_id!r} is not one of this interview's questions ({known}).",
            code="unknown_question",
        )
    text = question.get("text")
    return question_id, text if isinstance(text, str) else None


async def sweep_orphan_files(db: Database, storage: RecordingStorage) -> int:
    """Delete recording files that have no row (and unfinished temporary files): what a crash
    between writing a file and committing its row leaves behind. Runs at start-up, before any
    upload, so nothing in flight is mistaken for an orphan. Returns how many were removed."""
    removed = 0
    for interview_id, directory in await storage.interview_dirs():
        async with db.session() as session:
            exists = await InterviewRepository(session).exists(interview_id)
            keep = await RecordingRepository(session).paths_for_interview(interview_id)
        for path in await storage.remove_unlisted(directory, keep if exists else set()):
            logger.warning("removed orphan file %s (no recording row)", path, extra={"path": path})
            removed += 1
    return removed
