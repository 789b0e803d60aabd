"""Resumable uploads of the candidate's answers (tus 1.0): create, report the offset, append,
terminate; the last byte turns the upload into exactly one recording.

No database connection is held while bytes stream in: each step reads or writes its rows in a
short unit of work of its own. One request at a time appends to an upload (others get 423), and
one upload at a time of an interview becomes a recording, so a question never gets two answers.
"""

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import ClientDisconnect, Request

from interview_api.analysis_hooks import AnalysisHooks
from interview_api.interviews.models import Interview
from interview_api.interviews.repository import InterviewRepository
from interview_api.interviews.service import interview_not_found, new_id
from interview_api.invitations.models import COMPLETED, IN_PROGRESS, Invitation, ResumableUpload
from interview_api.invitations.repository import InvitationRepository, UploadRepository
from interview_api.invitations.service import InvitationService, not_started
from interview_api.invitations.tus import parse_metadata
from interview_api.recordings.repository import RecordingRepository
from interview_api.recordings.service import RecordingService
from interview_api.recordings.sniff import EXTENSIONS, HEAD_BYTES, sniff_container
from interview_api.recordings.storage import recording_key
from interview_api.recordings.streaming import UploadTooLarge, not_a_video
from shared.db import Database, utcnow
from shared.errors import AppError, Conflict, Forbidden, Gone, NotFound, Unprocessable
from shared.logging import log_context
from shared.resumable import MovedSink, MultipartState, PartialFiles, S3PartUploads, SentSink
from shared.storage import LocalStorage, S3Storage, Storage, UploadSink

logger = logging.getLogger(__name__)


class UploadLocks:
    """In-process state of the uploads in flight: one appending request per upload, one
    completion per interview, and each upload's running SHA-256 (so that its last byte needs
    no second read of the file; after a restart, or on another replica, the file is read)."""

    MAX_HASHES = 10_000  # abandoned uploads' hashes go, oldest first, beyond this

    def __init__(self) -> None:
        self._held: set[str] = set()
        self._interviews: dict[str, tuple[asyncio.Lock, int]] = {}  # the lock, its users
        self._hashes: OrderedDict[str, tuple[int, hashlib._Hash]] = OrderedDict()

    def running_hash(self, upload_id: str, offset: int) -> "hashlib._Hash | None":
        """The hash of the upload's first `offset` bytes, if this process has it."""
        if offset == 0:
            return hashlib.sha256()
        known = self._hashes.get(upload_id)
        return known[1] if known is not None and known[0] == offset else None

    def keep_hash(self, upload_id: str, offset: int, digest: "hashlib._Hash | None") -> None:
        self._hashes.pop(upload_id, None)
        if digest is not None:
            self._hashes[upload_id] = (offset, digest)
            while len(self._hashes) > self.MAX_HASHES:
                self._hashes.popitem(last=False)

    def hash_of(self, upload_id: str, length: int) -> str | None:
        """The hex SHA-256 of a complete upload of `length` bytes, if known; forgets it."""
        known = self._hashes.pop(upload_id, None)
        return known[1].hexdigest() if known is not None and known[0] == length else None

    @asynccontextmanager
    async def appending(self, upload_id: str) -> AsyncIterator[None]:
        if upload_id in self._held:
            raise AppError(
                "Another request is still sending bytes to this upload. Retry in a moment "
                "(ask HEAD for the offset first).",
                code="upload_locked",
                status=423,
            )
        self._held.add(upload_id)
        try:
            yield
        finally:
            self._held.discard(upload_id)

    @asynccontextmanager
    async def completing(self, interview_id: str) -> AsyncIterator[None]:
        lock, users = self._interviews.get(interview_id, (asyncio.Lock(), 0))
        self._interviews[interview_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._interviews[interview_id]
            if users == 1:
                del self._interviews[interview_id]
            else:
                self._interviews[interview_id] = (lock, users - 1)


@dataclass(frozen=True)
class Progress:
    upload: ResumableUpload
    offset: int
    recording_id: str | None


def upload_not_found(upload_id: str) -> NotFound:
    return NotFound(
        f"There is no upload {upload_id!r} (finished uploads, terminated and expired ones "
        "are gone). Start a new one with POST /candidate/uploads.",
        code="upload_not_found",
    )


def already_answered() -> Conflict:
    return Conflict(
        "An answer to this question is already stored; each question takes one answer.",
        code="answer_already_submitted",
    )


class UploadService:
    def __init__(
        self,
        db: Database,
        storage: Storage,
        hooks: AnalysisHooks,
        partials: PartialFiles,
        locks: UploadLocks,
        *,
        max_upload_bytes: int,
        expiry: timedelta,
    ) -> None:
        self.db = db
        self.storage = storage
        self.hooks = hooks
        self.partials = partials
        self.locks = locks
        self.max_upload_bytes = max_upload_bytes
        self.expiry = expiry
        # On S3 the bytes go on to the bucket part by part while they arrive.
        self.parts = S3PartUploads(storage) if isinstance(storage, S3Storage) else None

    async def create(
        self, invitation: Invitation, length: int, metadata_header: str | None
    ) -> ResumableUpload:
        """A new upload of one answer of `length` bytes."""
        require_uploading(invitation)
        if length > self.max_upload_bytes:
            raise UploadTooLarge(self.max_upload_bytes)
        if length == 0:
            raise Unprocessable(
                "The upload is empty (Upload-Length: 0); send the recorded video.",
                code="empty_file",
            )
        metadata = parse_metadata(metadata_header)
        question_id = metadata.get("question_id")
        if not question_id:
            raise Unprocessable(
                "Name the question this video answers: Upload-Metadata `question_id`.",
                code="upload_metadata_invalid",
            )
        now = utcnow()
        async with self.db.session() as session:
            interview = await self._interview(session, invitation)
            if interview.question(question_id) is None:
                raise Unprocessable(
                    f"Question {question_id!r} is not one of this interview's questions.",
                    code="unknown_question",
                )
            if question_id in await _answered(session, interview.id):
                raise already_answered()
            upload = ResumableUpload(
                id=new_id(),
                invitation_id=invitation.id,
                interview_id=invitation.interview_id,
                question_id=question_id,
                filename=(metadata.get("filename") or None),
                filetype=(metadata.get("filetype") or None),
                length=length,
                received=0,
                created_at=now,
                expires_at=now + self.expiry,
            )
            await UploadRepository(session).add(upload)
        with log_context(interview_id=invitation.interview_id):
            logger.info("resumable upload %s created: %d bytes", upload.id, length)
        return upload

    async def progress(self, invitation: Invitation, upload_id: str) -> Progress:
        """Where the upload stands: the bytes the server holds durably."""
        upload = await self._upload(invitation, upload_id)
        if upload.recording_id is not None:
            return Progress(upload, upload.length, upload.recording_id)
        on_disk = await self.partials.size(upload.id)
        return Progress(upload, min(upload.received, on_disk), None)

    async def append(
        self, invitation: Invitation, upload_id: str, offset: int, request: Request
    ) -> Progress:
        """Append the request's body at `offset`; with the last byte, store the recording."""
        current = await self.progress(invitation, upload_id)
        upload = current.upload
        if current.recording_id is not None and offset == upload.length:
            return current  # the last PATCH again, its answer lost: the same recording
        require_uploading(invitation)
        if offset != current.offset:
            raise offset_mismatch(current.offset)
        async with self.locks.appending(upload.id):
            with log_context(interview_id=upload.interview_id):
                received = await self._receive(upload, offset, request)
                if offset < min(HEAD_BYTES, upload.length) <= received:
                    await self._sniff(upload)
                if received < upload.length:
                    if self.parts is not None:
                        await self._send_parts(upload, received, final=False)
                    return Progress(upload, received, None)
                recording_id = await self._complete(invitation, upload)
                return Progress(upload, received, recording_id)

    async def _receive(self, upload: ResumableUpload, offset: int, request: Request) -> int:
        """Stream the body to the partial file; the new durable offset, recorded. A dropped
        connection keeps (and records) every byte that arrived."""
        digest = self.locks.running_hash(upload.id, offset)
        self.locks.keep_hash(upload.id, offset, None)  # valid again only once this is durable
        room = upload.length - offset
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > room:
            raise exceeds_length(upload)
        writer = await self.partials.open_at(upload.id, offset, digest)
        overflow = False
        try:
            async for chunk in request.stream():
                if len(chunk) > room:
                    overflow = True
                    break
                room -= len(chunk)
                await writer.write(chunk)
        except ClientDisconnect:
            logger.info("upload %s: the connection dropped; bytes so far are kept", upload.id)
        finally:
            received = await writer.close()
        if overflow:  # none of this request's bytes are kept
            await (await self.partials.open_at(upload.id, offset)).close()
            raise exceeds_length(upload)
        await self._record_offset(upload, received)
        self.locks.keep_hash(upload.id, received, digest)
        return received

    async def _record_offset(self, upload: ResumableUpload, received: int) -> None:
        expires_at = utcnow() + self.expiry
        async with self.db.session() as session:
            row = await UploadRepository(session).get(upload.id)
            if row is None:  # terminated or erased meanwhile
                raise upload_not_found(upload.id)
            row.received, row.expires_at = received, expires_at
        upload.received, upload.expires_at = received, expires_at

    async def _sniff(self, upload: ResumableUpload) -> None:
        """Refuse anything but a video as soon as its first bytes are in (415)."""
        path = self.partials.path(upload.id)
        head = await _read_head(path)
        if sniff_container(head) is None:
            await self._drop(upload.id)
            raise not_a_video()

    async def _complete(self, invitation: Invitation, upload: ResumableUpload) -> str:
        """The whole file is in: store it as the answer's one recording."""
        async with self.locks.completing(upload.interview_id):
            async with self.db.session() as session:
                interview = await self._interview(session, invitation)
                answered = upload.question_id in await _answered(session, interview.id)
            if answered:
                await self._drop(upload.id)
                raise already_answered()
            async with self.db.session() as session:
                recordings = RecordingService(
                    session, self.storage, self.hooks, max_upload_bytes=self.max_upload_bytes
                )
                source = self.partials.path(upload.id)
                if isinstance(self.storage, LocalStorage) or self.parts is not None:
                    plan, sink = await self._finished_sink(upload, source)
                    stored = await recordings.keep(
                        interview,
                        plan["recording_id"],
                        sink,
                        container=plan["container"],
                        question_id=upload.question_id,
                        filename=upload.filename,
                    )
                else:  # another backend: the bytes are copied through its own sink
                    stored = await recordings.store_file(
                        interview, source, question_id=upload.question_id, filename=upload.filename
                    )
                row = await UploadRepository(session).get(upload.id)
                if row is None:
                    raise upload_not_found(upload.id)
                row.recording_id = stored.recording.id
        await self.partials.delete(upload.id)
        upload.recording_id = stored.recording.id
        logger.info("upload %s became recording %s", upload.id, stored.recording.id)
        return stored.recording.id

    async def _finished_sink(
        self, upload: ResumableUpload, source: Path
    ) -> tuple[dict[str, Any], UploadSink]:
        """The complete upload as a sink to commit: on a folder the partial file moves into
        place; on S3 the last part is sent and committing completes the multipart upload."""
        if self.parts is not None:
            plan = await self._send_parts(upload, upload.length, final=True)
            state = MultipartState.from_json(plan["state"])
            sha256 = self.locks.hash_of(upload.id, upload.length)
            return plan, await SentSink.of(self.parts, state, source, sha256)
        assert isinstance(self.storage, LocalStorage)
        plan = await self._local_plan(upload)
        sha256 = self.locks.hash_of(upload.id, upload.length)
        return plan, await MovedSink.of(source, self.storage.path(plan["key"]), sha256)

    async def _send_parts(
        self, upload: ResumableUpload, durable: int, *, final: bool
    ) -> dict[str, Any]:
        """Send the whole parts of the durable bytes on to S3 (with `final`, all of them); the
        upload's plan (recording id, container, multipart state), kept in its row."""
        assert self.parts is not None
        plan = upload.multipart or await self._plan(upload)
        state = MultipartState.from_json(plan["state"])
        try:
            await self.parts.advance(state, self.partials.path(upload.id), durable, final=final)
        except FileNotFoundError as exc:  # its folder was erased meanwhile
            raise interview_not_found(upload.interview_id) from exc
        finally:
            # Kept even when a part failed, so that the parts sent are never forgotten.
            plan = {**plan, "state": state.to_json()}
            if plan != upload.multipart:
                async with self.db.session() as session:
                    row = await UploadRepository(session).get(upload.id)
                    if row is not None:
                        row.multipart = plan
                upload.multipart = plan
        return plan

    async def _plan(self, upload: ResumableUpload) -> dict[str, Any]:
        """The recording an S3 upload becomes: its id and key are fixed before the first part
        is sent (the container is known by then: it is sniffed from the first bytes)."""
        plan = await self._local_plan(upload)
        return {**plan, "state": MultipartState(key=plan["key"]).to_json()}

    async def _local_plan(self, upload: ResumableUpload) -> dict[str, Any]:
        """A new recording id, the container sniffed from the partial file and the key."""
        container = sniff_container(await _read_head(self.partials.path(upload.id)))
        if container is None:
            raise not_a_video()
        recording_id = new_id()
        key = recording_key(upload.interview_id, recording_id, EXTENSIONS[container])
        return {"recording_id": recording_id, "container": container, "key": key}

    async def terminate(self, invitation: Invitation, upload_id: str) -> None:
        upload = await self._upload(invitation, upload_id)
        if upload.recording_id is not None:
            raise Conflict(
                "This upload is finished and its answer stored; it cannot be terminated.",
                code="answer_already_submitted",
            )
        async with self.locks.appending(upload.id):
            await self._drop(upload.id)

    async def _drop(self, upload_id: str) -> None:
        """Forget an unfinished upload: its row, its partial file, the parts sent to S3."""
        async with self.db.session() as session:
            uploads = UploadRepository(session)
            upload = await uploads.get(upload_id)
            await uploads.delete(upload_id)
        if upload is not None:
            await abort_parts(self.storage, upload)
        await self.partials.delete(upload_id)

    async def _upload(self, invitation: Invitation, upload_id: str) -> ResumableUpload:
        """The upload, if it is this invitation's and still alive."""
        try:
            self.partials.path(upload_id)  # a well-formed id
        except ValueError:
            raise upload_not_found(upload_id) from None
        async with self.db.session() as session:
            upload = await UploadRepository(session).get(upload_id)
        if upload is None:
            raise upload_not_found(upload_id)
        if upload.invitation_id != invitation.id:
            raise Forbidden("This upload belongs to another interview.", code="upload_forbidden")
        if upload.recording_id is None and upload.expires_at <= utcnow():
            raise Gone(
                "This upload expired before it was finished. Start it again with "
                "POST /candidate/uploads.",
                code="upload_expired",
            )
        return upload

    @staticmethod
    async def _interview(session: AsyncSession, invitation: Invitation) -> Interview:
        interview = await InterviewRepository(session).get(invitation.interview_id)
        if interview is None:
            raise interview_not_found(invitation.interview_id)
        return interview


def require_uploading(invitation: Invitation) -> None:
    """Uploads need consent and a started interview (and stay possible after its end, so
    that an answer still in flight is never lost)."""
    InvitationService.require_consent(invitation)
    if invitation.status not in (IN_PROGRESS, COMPLETED):
        raise not_started()


def exceeds_length(upload: ResumableUpload) -> AppError:
    return AppError(
        f"More bytes than the upload's Upload-Length ({upload.length}) were sent.",
        code="upload_exceeds_length",
        status=413,
    )


def offset_mismatch(offset: int) -> Conflict:
    return Conflict(
        f"Upload-Offset does not match the {offset} bytes the server holds; continue from "
        f"there (HEAD tells the offset).",
        code="upload_offset_mismatch",
        headers={"Upload-Offset": str(offset)},
    )


async def _answered(session: AsyncSession, interview_id: str) -> set[str | None]:
    return {r.question_id for r in await RecordingRepository(session).for_interview(interview_id)}


async def _read_head(path: Path) -> bytes:
    async with await anyio.open_file(path, "rb") as file:
        return bytes(await file.read(HEAD_BYTES))


async def abort_parts(storage: Storage, upload: ResumableUpload) -> None:
    """Drop what an unfinished upload sent to S3, if anything."""
    if upload.multipart and isinstance(storage, S3Storage):
        state = MultipartState.from_json(upload.multipart["state"])
        await S3PartUploads(storage).abort(state)


async def sweep_uploads(
    db: Database, storage: Storage, partials: PartialFiles, now: datetime
) -> int:
    """Remove expired unfinished uploads (with the parts they sent to S3) and partial files
    without an unfinished upload (what a termination, an erasure or a crash left), and mark
    overdue invitations expired. Returns how many uploads or partial files were removed."""
    async with db.session() as session:
        uploads = UploadRepository(session)
        rows = list(await uploads.expired_unfinished(now))
        for row in rows:
            await uploads.delete(row.id)
        await InvitationRepository(session).expire_overdue(now)
    for row in rows:
        await abort_parts(storage, row)
    expired = [row.id for row in rows]
    files = await partials.all()
    async with db.session() as session:
        alive = await UploadRepository(session).unfinished_ids([f.upload_id for f in files])
    stale = {f.upload_id for f in files if f.upload_id not in alive} | set(expired)
    for upload_id in sorted(stale):
        await partials.delete(upload_id)
        logger.info("removed unfinished upload %s", upload_id)
    return len(stale)


async def run_upload_sweeps(
    db: Database, storage: Storage, partials: PartialFiles, period_seconds: float
) -> None:
    """`sweep_uploads` now and every `period_seconds`, until cancelled; a failed sweep is
    logged and tried again next time."""
    while True:
        try:
            await sweep_uploads(db, storage, partials, utcnow())
        except Exception:
            logger.exception("sweep of unfinished uploads failed; trying again later")
        await anyio.sleep(period_seconds)
