"""Storing an uploaded recording durably, once, and sweeping what a crash left behind."""

import asyncio
import logging
import os
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from analysis import service as analysis_service
from interview_api.analysis_hooks import AnalysisHooks
from interview_api.consent.service import refuse_without_consent
from interview_api.interviews.models import Interview
from interview_api.interviews.repository import InterviewRepository
from interview_api.interviews.service import interview_not_found
from interview_api.recordings.models import Recording
from interview_api.recordings.repository import RecordingRepository
from interview_api.recordings.sniff import EXTENSIONS, HEAD_BYTES, sniff_container
from interview_api.recordings.storage import (
    RECORDINGS_PREFIX,
    folder_of,
    interview_of,
    recording_key,
    safe_original_filename,
)
from interview_api.recordings.streaming import (
    UploadTooLarge,
    not_a_video,
    receive_upload,
    too_large_by_header,
)
from shared.db import Database, new_id, utcnow
from shared.errors import Unprocessable
from shared.logging import log_context
from shared.storage import Storage, StoredObject, UploadSink

logger = logging.getLogger(__name__)

COPY_CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Stored:
    recording: Recording
    created: bool  # False: the same bytes were already stored for this question


class RecordingService:
    def __init__(
        self,
        session: AsyncSession,
        storage: Storage,
        hooks: AnalysisHooks,
        *,
        max_upload_bytes: int,
        consent_required: bool = True,
        idle_timeout: float = 30.0,
    ) -> None:
        self.consent_required = consent_required
        self.recordings = RecordingRepository(session)
        self.session = session
        self.storage = storage
        self.hooks = hooks
        self.max_upload_bytes = max_upload_bytes
        self.idle_timeout = idle_timeout

    async def upload(self, interview: Interview, request: Request) -> Stored:
        """Receive the request's multipart body and store its `file` part for `interview`.

        The order makes a crash harmless: the bytes stream into a sink that becomes visible
        under its final key only when committed (a temporary file fsynced and renamed, or an S3
        multipart upload completed), and only then is the row written; the request's unit of
        work commits it. Whatever a crash leaves without a row is removed by the start-up sweep.
        """
        refuse_without_consent(interview, required=self.consent_required)
        if too_large_by_header(request.headers.get("content-length"), self.max_upload_bytes):
            raise UploadTooLarge(self.max_upload_bytes)
        recording_id = new_id()

        def open_sink(container: str) -> UploadSink:
            key = recording_key(interview.id, recording_id, EXTENSIONS[container])
            return self.storage.open_sink(key)

        with log_context(interview_id=interview.id):
            form, sink = await receive_upload(
                request, open_sink, max_bytes=self.max_upload_bytes, idle_timeout=self.idle_timeout
            )
            return await self._keep(
                interview,
                recording_id,
                sink,
                container=form.container,
                question_id=form.fields.get("question_id") or None,
                filename=form.filename,
            )

    async def store_file(
        self, interview: Interview, source: Path, *, question_id: str | None, filename: str | None
    ) -> Stored:
        """Store a complete file from local disk (a finished resumable upload) exactly as an
        upload of the same bytes: the same checks (consent, size cap, container sniffed from
        the bytes, question), the same sink, hash, de-duplication and queued analysis. The
        file is read in bounded chunks and left in place."""
        refuse_without_consent(interview, required=self.consent_required)
        head, size = await anyio.to_thread.run_sync(_head_and_size, source)
        if size > self.max_upload_bytes:
            raise UploadTooLarge(self.max_upload_bytes)
        if size == 0:
            raise Unprocessable(
                "The uploaded file is empty; send the recorded video.", code="empty_file"
            )
        container = sniff_container(head)
        if container is None:
            raise not_a_video()
        recording_id = new_id()
        key = recording_key(interview.id, recording_id, EXTENSIONS[container])
        with log_context(interview_id=interview.id):
            sink = self.storage.open_sink(key)
            try:
                async with await anyio.open_file(source, "rb") as file:
                    while chunk := await file.read(COPY_CHUNK_BYTES):
                        await sink.write(chunk)
            except BaseException:
                await sink.abort()
                raise
            return await self._keep(
                interview,
                recording_id,
                sink,
                container=container,
                question_id=question_id,
                filename=filename,
            )

    async def keep(
        self,
        interview: Interview,
        recording_id: str,
        sink: UploadSink,
        *,
        container: str,
        question_id: str | None,
        filename: str | None,
    ) -> Stored:
        """Store a sink written elsewhere (a resumable upload's parts, already in storage under
        this recording's key) as the recording `recording_id`, with the same checks, hash,
        de-duplication and queued analysis as an upload; the sink is aborted when it is not
        kept."""
        try:
            refuse_without_consent(interview, required=self.consent_required)
            if sink.bytes_written > self.max_upload_bytes:
                raise UploadTooLarge(self.max_upload_bytes)
        except BaseException:
            await sink.abort()
            raise
        with log_context(interview_id=interview.id):
            return await self._keep(
                interview,
                recording_id,
                sink,
                container=container,
                question_id=question_id,
                filename=filename,
            )

    async def _keep(
        self,
        interview: Interview,
        recording_id: str,
        sink: UploadSink,
        *,
        container: str,
        question_id: str | None,
        filename: str | None,
    ) -> Stored:
        """Commit a written sink as the recording `recording_id`, or answer with the stored
        one of the same bytes; the sink is aborted whenever it is not committed."""
        try:
            question_id, question_text = _question(interview, question_id)
            existing = await self.recordings.find_duplicate(interview.id, question_id, sink.sha256)
            if existing is not None:
                logger.info("duplicate upload of recording %s", existing.id)
                return Stored(existing, created=False)
            recording = Recording(
                id=recording_id,
                interview_id=interview.id,
                question_id=question_id,
                question_text=question_text,
                path=recording_key(interview.id, recording_id, EXTENSIONS[container]),
                size_bytes=sink.bytes_written,
                sha256=sink.sha256,
                container=container,
                original_filename=safe_original_filename(filename),
                created_at=utcnow(),
            )
            try:
                await sink.commit()
            except FileNotFoundError as exc:  # erased while the upload streamed in
                raise interview_not_found(interview.id) from exc
        finally:
            await sink.abort()  # nothing once committed
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
            await self.storage.delete(recording.path)
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
        await self.storage.delete(recording.path)
        await self.recordings.abandon()
        existing = await self.recordings.find_duplicate(
            recording.interview_id, recording.question_id, recording.sha256
        )
        if existing is None:
            raise interview_not_found(recording.interview_id)
        logger.info("duplicate upload of recording %s", existing.id)
        return Stored(existing, created=False)


def _head_and_size(source: Path) -> tuple[bytes, int]:
    with source.open("rb") as file:
        return file.read(HEAD_BYTES), os.fstat(file.fileno()).st_size


def _question(interview: Interview, question_id: str | None) -> tuple[str | None, str | None]:
    """The answered question's id and text from the snapshot, or 422 `unknown_question`."""
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


async def sweep_periodically(
    db: Database,
    storage: Storage,
    grace_seconds: float,
    interval_seconds: float,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """Sweep again every `interval_seconds` while the service runs, so what a crashed replica
    or a dropped upload leaves behind is removed without waiting for a restart."""
    while True:
        await sleep(interval_seconds)
        try:
            await sweep_orphans(db, storage, grace_seconds)
        except Exception:  # storage or database briefly away: the next round tries again
            logger.exception("the periodic sweep of orphan files failed")


async def sweep_orphans(db: Database, storage: Storage, grace_seconds: float) -> int:
    """Remove every file a crash left without its row: recordings and unfinished uploads, then
    result and transcript files whose analysis is gone."""
    removed = await sweep_orphan_files(db, storage, grace_seconds)
    return removed + await analysis_service.sweep_orphan_results(db, storage, grace_seconds)


async def sweep_orphan_files(db: Database, storage: Storage, grace_seconds: float) -> int:
    """Delete recording objects that have no row (and unfinished temporary files): what a crash
    between writing a file and committing its row leaves behind. Runs at start-up. Objects
    younger than `grace_seconds` are left alone: they may be another replica's upload in flight.
    Returns how many were removed."""
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    by_interview: dict[str, list[StoredObject]] = defaultdict(list)
    for item in await storage.list_objects(RECORDINGS_PREFIX):
        if (interview_id := interview_of(item.key)) is not None:
            by_interview[interview_id].append(item)
    removed = 0
    for interview_id, items in sorted(by_interview.items()):
        async with db.session() as session:
            exists = await InterviewRepository(session).exists(interview_id)
            keep = await RecordingRepository(session).paths_for_interview(interview_id)
        stale = [i for i in items if i.key not in keep and i.modified <= cutoff]
        if not exists and len(stale) == len(items):
            # the folder named by the id as it was spelled when the files were stored
            for prefix in sorted({folder_of(item.key) for item in items}):
                await storage.delete_prefix(prefix)
        else:
            for item in stale:
                await storage.delete(item.key)
        for item in stale:
            logger.warning(
                "removed orphan %s (no recording row)", item.key, extra={"key": item.key}
            )
        removed += len(stale)
    return removed
