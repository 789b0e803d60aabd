"""Partial files of resumable uploads: bytes that arrive over many requests, kept on local disk,
and, on S3 storage, sent on as a multipart upload part by part while they arrive.

Each upload has one file, `<root>/<upload id>.part`. A request appends to it at the offset the
caller has recorded, in bounded batches written from a worker thread (memory stays at about one
`FLUSH_BYTES` batch whatever the upload's size), and fsyncs before it reports the new size, so a
reported offset is always bytes that survive a crash. Bytes past the recorded offset (written by
a request that died before it could report them) are cut off when the next request opens the
file.
"""

import errno
import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import anyio
import anyio.to_thread
from botocore.exceptions import ClientError

from shared.files import fsync_dir
from shared.storage import FLUSH_BYTES, MAX_PARTS, S3Storage, StorageError
from shared.storage import _error_code as error_code  # one reading of S3 error codes

if TYPE_CHECKING:
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
SUFFIX = ".part"


@dataclass(frozen=True)
class PartialFile:
    upload_id: str
    size: int
    modified: datetime  # timezone-aware UTC


class PartialFiles:
    """The folder of partial files."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, upload_id: str) -> Path:
        if not _UPLOAD_ID.match(upload_id):
            raise ValueError(f"not an upload id: {upload_id!r}")
        return self.root / f"{upload_id}{SUFFIX}"

    async def size(self, upload_id: str) -> int:
        """The bytes on disk (0 when the file does not exist yet)."""
        path = self.path(upload_id)
        return await anyio.to_thread.run_sync(_size, path)

    async def open_at(
        self, upload_id: str, offset: int, digest: "hashlib._Hash | None" = None
    ) -> "PartialWriter":
        """A writer that appends at `offset`. The file is created when missing; a longer one
        is cut back to `offset`. ValueError when fewer than `offset` bytes are on disk.
        `digest`, a running hash of the bytes before `offset`, is fed what is written."""
        path = self.path(upload_id)
        handle = await anyio.to_thread.run_sync(_open_at, path, offset)
        return PartialWriter(handle, offset, digest)

    async def delete(self, upload_id: str) -> None:
        path = self.path(upload_id)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def all(self) -> list[PartialFile]:
        return await anyio.to_thread.run_sync(self._list_sync)

    def _list_sync(self) -> list[PartialFile]:
        found: list[PartialFile] = []
        if not self.root.is_dir():
            return found
        for entry in os.scandir(self.root):
            upload_id = entry.name.removesuffix(SUFFIX)
            if not entry.name.endswith(SUFFIX) or not _UPLOAD_ID.match(upload_id):
                continue
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue
            found.append(
                PartialFile(upload_id, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))
            )
        return sorted(found, key=lambda item: item.upload_id)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _open_at(path: Path, offset: int) -> BinaryIO:
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    handle = path.open("a+b")
    try:
        size = os.fstat(handle.fileno()).st_size
        if size < offset:
            raise ValueError(f"{path.name} holds {size} bytes, fewer than the offset {offset}")
        if size > offset:
            handle.truncate(offset)
        if created:
            fsync_dir(path.parent)
    except BaseException:
        handle.close()
        raise
    return handle


class PartialWriter:
    """Appends to one partial file; `close()` makes what was written durable."""

    def __init__(
        self, handle: BinaryIO, offset: int, digest: "hashlib._Hash | None" = None
    ) -> None:
        self._handle = handle
        self._pending = bytearray()
        self._digest = digest
        self.size = offset

    async def write(self, chunk: bytes) -> None:
        self._pending += chunk
        self.size += len(chunk)
        if len(self._pending) >= FLUSH_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        data, self._pending = self._pending, bytearray()
        await anyio.to_thread.run_sync(self._write_sync, data)

    def _write_sync(self, data: bytearray) -> None:
        if self._digest is not None:
            self._digest.update(data)
        self._handle.write(data)

    async def close(self) -> int:
        """Write what is pending, fsync, close; the durable size. Safe to call twice."""
        if self._handle.closed:
            return self.size
        with anyio.CancelScope(shield=True):
            try:
                if self._pending:
                    await self._flush()
                await anyio.to_thread.run_sync(self._sync_and_close)
            finally:
                if not self._handle.closed:
                    self._handle.close()
        return self.size

    def _sync_and_close(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()


# S3: a growing partial file sent as a multipart upload, part by part


@dataclass
class MultipartState:
    """Where a resumable multipart upload stands; kept with the upload (as JSON) so that any
    request, after any restart, continues it."""

    key: str  # the storage key the object will have
    upload_id: str | None = None
    parts: list[dict[str, Any]] = field(default_factory=list)  # {"PartNumber", "ETag"}
    sent: int = 0  # bytes of the partial file already in parts

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "upload_id": self.upload_id,
            "parts": self.parts,
            "sent": self.sent,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "MultipartState":
        return cls(
            key=str(data["key"]),
            upload_id=data.get("upload_id"),
            parts=list(data.get("parts", [])),
            sent=int(data.get("sent", 0)),
        )


class S3PartUploads:
    """Sends the durable bytes of a partial file to S3 in parts of `S3_PART_SIZE` as they
    arrive (the last part may be smaller), so that the object is complete moments after its
    last byte. Memory: one part at a time. Every boto3 call runs in a worker thread."""

    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage

    async def advance(
        self, state: MultipartState, source: Path, durable: int, *, final: bool
    ) -> MultipartState:
        """Send every whole part of `source[:durable]` not yet sent; with `final`, the rest
        too. Raises FileNotFoundError when the upload was aborted (its folder erased)."""
        return await anyio.to_thread.run_sync(self._advance_sync, state, source, durable, final)

    def _advance_sync(
        self, state: MultipartState, source: Path, durable: int, final: bool
    ) -> MultipartState:
        size = self.storage.part_size
        s3 = self.storage.client()
        name = self.storage.object_key(state.key)
        with source.open("rb") as file:
            while durable - state.sent >= size or (final and durable > state.sent):
                if len(state.parts) == MAX_PARTS:
                    raise StorageError(f"object larger than {MAX_PARTS} parts; raise S3_PART_SIZE")
                if state.upload_id is None:
                    started = s3.create_multipart_upload(Bucket=self.storage.bucket, Key=name)
                    state.upload_id = started["UploadId"]
                file.seek(state.sent)
                body = file.read(min(size, durable - state.sent))
                number = len(state.parts) + 1
                try:
                    sent = s3.upload_part(
                        Bucket=self.storage.bucket,
                        Key=name,
                        UploadId=state.upload_id,
                        PartNumber=number,
                        Body=body,
                    )
                except ClientError as exc:
                    raise _gone(exc, name) from exc
                state.parts.append({"PartNumber": number, "ETag": sent["ETag"]})
                state.sent += len(body)
        return state

    async def complete(self, state: MultipartState) -> None:
        """Make the object visible under its key."""
        await anyio.to_thread.run_sync(self._complete_sync, state)

    def _complete_sync(self, state: MultipartState) -> None:
        if state.upload_id is None:
            raise StorageError("nothing was sent: advance(final=True) first")
        name = self.storage.object_key(state.key)
        parts = cast("list[CompletedPartTypeDef]", state.parts)
        try:
            self.storage.client().complete_multipart_upload(
                Bucket=self.storage.bucket,
                Key=name,
                UploadId=state.upload_id,
                MultipartUpload={"Parts": parts},
            )
        except ClientError as exc:
            raise _gone(exc, name) from exc

    async def abort(self, state: MultipartState) -> None:
        """Drop the parts sent so far; a no-op for an upload already gone."""
        if state.upload_id is None:
            return
        name = self.storage.object_key(state.key)
        upload_id = state.upload_id

        def abort_sync() -> None:
            try:
                self.storage.client().abort_multipart_upload(
                    Bucket=self.storage.bucket, Key=name, UploadId=upload_id
                )
            except ClientError as exc:
                if error_code(exc) != "NoSuchUpload":
                    raise

        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(abort_sync)


def _gone(exc: ClientError, name: str) -> Exception:
    if error_code(exc) == "NoSuchUpload":
        return FileNotFoundError(f"the upload to {name} was aborted: its folder was deleted")
    return exc


class SentSink:
    """The `UploadSink` of bytes already sent as parts: commit completes the multipart upload.
    Its hash is taken from the local partial file, which holds the same bytes."""

    def __init__(self, parts: S3PartUploads, state: MultipartState, size: int, sha256: str):
        self._parts = parts
        self._state = state
        self._size = size
        self._sha256 = sha256
        self._done = False

    @classmethod
    async def of(
        cls, parts: S3PartUploads, state: MultipartState, source: Path, sha256: str | None = None
    ) -> "SentSink":
        """`sha256`: the bytes' hash when known (else read from `source`)."""
        size, digest = await _size_and_hash(source, sha256)
        return cls(parts, state, size, digest)

    @property
    def bytes_written(self) -> int:
        return self._size

    @property
    def sha256(self) -> str:
        return self._sha256

    async def write(self, chunk: bytes | bytearray) -> None:
        raise RuntimeError("the bytes of a sent upload are already written")

    async def commit(self) -> None:
        await self._parts.complete(self._state)
        self._done = True

    async def abort(self) -> None:
        if not self._done:
            self._done = True
            await self._parts.abort(self._state)


async def _size_and_hash(source: Path, sha256: str | None) -> tuple[int, str]:
    if sha256 is not None:
        return await anyio.to_thread.run_sync(lambda: source.stat().st_size), sha256
    return await anyio.to_thread.run_sync(_hash_file, source)


def _hash_file(source: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as file:
        while chunk := file.read(FLUSH_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


class MovedSink:
    """The `UploadSink` of a complete partial file that becomes a file of the local storage:
    commit moves it into place (a rename on the same file system, else an fsynced copy), so
    its bytes are written once. Its hash is read from the file."""

    def __init__(self, source: Path, final: Path, size: int, sha256: str) -> None:
        self._source = source
        self._final = final
        self._size = size
        self._sha256 = sha256

    @classmethod
    async def of(cls, source: Path, final: Path, sha256: str | None = None) -> "MovedSink":
        """`sha256`: the bytes' hash when known (else read from `source`)."""
        size, digest = await _size_and_hash(source, sha256)
        return cls(source, final, size, digest)

    @property
    def bytes_written(self) -> int:
        return self._size

    @property
    def sha256(self) -> str:
        return self._sha256

    async def write(self, chunk: bytes | bytearray) -> None:
        raise RuntimeError("the bytes of a finished upload are already written")

    async def commit(self) -> None:
        await anyio.to_thread.run_sync(self._commit_sync)

    def _commit_sync(self) -> None:
        self._final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(self._source, self._final)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            self._copy_sync()
        fsync_dir(self._final.parent)

    def _copy_sync(self) -> None:
        temp = self._final.with_name(f".{self._final.name}.part")
        with self._source.open("rb") as source, temp.open("wb") as target:
            shutil.copyfileobj(source, target, FLUSH_BYTES)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temp, self._final)
        self._source.unlink(missing_ok=True)

    async def abort(self) -> None:
        """Nothing to undo: the partial file stays its upload's until the upload is dropped."""
