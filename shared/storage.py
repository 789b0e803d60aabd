"""Where recordings and results live: the local folder under DATA_DIR (the default) or an
S3-compatible bucket (`STORAGE_URL=s3://bucket/optional/prefix`: AWS S3, MinIO, ...).

Keys are relative POSIX paths such as `recordings/interview_x/y.webm`; a key that could name
something outside the storage root is refused with ValueError. Large objects are written through
an `UploadSink`, which keeps memory bounded and makes the object visible only on `commit()`.
"""

import hashlib
import os
import shutil
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

import anyio
import anyio.to_thread
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from shared.files import fsync_dir, write_atomic
from shared.settings import Settings

if TYPE_CHECKING:  # typing-only names from boto3-stubs
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, ObjectIdentifierTypeDef

MIB = 1024 * 1024
FLUSH_BYTES = MIB  # smaller writes are gathered to this size before one hop to a thread
MIN_PART_SIZE = 5 * MIB  # S3's minimum for every part but the last
DEFAULT_PART_SIZE = 8 * MIB
MAX_PARTS = 10_000  # S3's limit per multipart upload
DELETE_BATCH = 1000  # S3's limit per DeleteObjects request
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # S3's limit for a SigV4 presigned URL
S3_CONFIG = Config(
    connect_timeout=10,
    read_timeout=60,
    retries={"max_attempts": 5, "mode": "standard"},
    signature_version="s3v4",
)
# For servers other than AWS (MinIO, R2, ...): path-style URLs, and checksums only where S3
# requires them, since not all of them accept the CRC32 headers boto3 sends by default.
S3_COMPATIBLE_CONFIG = Config(
    s3={"addressing_style": "path"},
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
)

T = TypeVar("T")


@dataclass(frozen=True)
class StoredObject:
    key: str
    modified: datetime  # timezone-aware UTC


class StorageError(Exception):
    """The object store refused part of an operation."""


class UploadSink(Protocol):
    """An object being written. Nothing is visible under its key before `commit()`."""

    @property
    def bytes_written(self) -> int: ...

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of every byte written so far."""
        ...

    async def write(self, chunk: bytes | bytearray) -> None: ...

    async def commit(self) -> None:
        """Make the object visible under its key, durably. Raises FileNotFoundError when the
        key's folder was deleted (`delete_prefix`) while the sink was being written (on S3 only
        once a first part had been sent: a smaller object is one PutObject at commit)."""
        ...

    async def abort(self) -> None:
        """Remove whatever was written. Safe after a failed write or commit, twice, and after a
        successful commit (then a no-op), so it fits a `finally:`."""
        ...


class Storage(Protocol):
    def open_sink(self, key: str) -> UploadSink:
        """A sink that streams an object of any size to `key`."""
        ...

    async def write_bytes(self, key: str, data: bytes) -> None:
        """Store `data` under `key` atomically."""
        ...

    def local_copy(self, key: str) -> AbstractAsyncContextManager[Path]:
        """A local file with the object's bytes, for tools that need a path (PyAV, ffmpeg).
        Read it only, and only inside the block (it may be the stored file itself)."""
        ...

    async def delete(self, key: str) -> None:
        """Delete one object; a missing one is not an error."""
        ...

    async def delete_prefix(self, prefix: str) -> None:
        """Delete every object in the folder `prefix`, and any upload in flight into it."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def list_objects(self, prefix: str) -> list["StoredObject"]:
        """Every object in the folder `prefix` (`""`: all), sorted by key, with its age."""
        ...

    async def presigned_url(self, key: str, expires_seconds: int) -> str | None:
        """A URL that lets anyone holding it GET the object for `expires_seconds`; None when the
        backend cannot make one (the local folder)."""
        ...

    async def aclose(self) -> None: ...


def check_key(key: str, *, prefix: bool = False) -> str:
    """`key` if it is a plain relative POSIX path (no `..`, `.`, empty or absolute parts, no
    backslash), else ValueError. With `prefix`, a trailing `/` is dropped and `""` (the whole
    storage) is allowed. Both backends apply the same rule, so a key means the same in each."""
    normal = key.rstrip("/") if prefix else key
    if prefix and normal == "":
        return ""
    if (
        normal.startswith("/")
        or "\\" in normal
        or "\x00" in normal
        or any(part in ("", ".", "..") for part in normal.split("/"))
    ):
        raise ValueError(f"storage key escapes the storage root or is not a plain path: {key!r}")
    return normal


def storage_from_settings(settings: Settings) -> Storage:
    """The backend `STORAGE_URL` names: unset or `file://` for DATA_DIR, `file:///abs/path` for
    another folder, `s3://bucket[/prefix]` for a bucket (with the S3_* and AWS_* settings)."""
    url = settings.storage_url
    if not url:
        return LocalStorage(settings.data_dir)
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"STORAGE_URL {url!r}: write a local folder as file:///absolute/path")
        return LocalStorage(Path(unquote(parts.path)) if parts.path else settings.data_dir)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise ValueError(f"STORAGE_URL {url!r} has no bucket: write s3://bucket[/prefix]")
        secret, token = settings.aws_secret_access_key, settings.aws_session_token
        return S3Storage(
            parts.netloc,
            unquote(parts.path),
            endpoint_url=settings.s3_endpoint_url,
            region=settings.aws_region,
            access_key_id=settings.aws_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            session_token=token.get_secret_value() if token else None,
            part_size=settings.s3_part_size,
            create_bucket=settings.s3_create_bucket,
        )
    raise ValueError(f"STORAGE_URL {url!r} must start with file:// or s3://")


class Batch:
    """A buffer of fixed size filled by copying into it, so that gathering many small chunks
    never holds more than `size` bytes (a growing bytearray briefly holds two copies)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.filled = 0
        self._data = bytearray()

    @property
    def full(self) -> bool:
        return self.filled == self.size

    def fill(self, view: memoryview) -> memoryview:
        """Copy as much of `view` as fits; return the rest."""
        if not self._data:
            self._data = bytearray(self.size)
        take = min(len(view), self.size - self.filled)
        # Through a memoryview: assigning one to a bytearray slice would copy it first.
        with memoryview(self._data) as target:
            target[self.filled : self.filled + take] = view[:take]
        self.filled += take
        return view[take:]

    def peek(self) -> memoryview:
        return memoryview(self._data)[: self.filled]

    def take(self) -> bytearray:
        """The filled bytes (the buffer itself, shrunk in place), leaving the batch empty."""
        data, self._data = self._data, bytearray()
        del data[self.filled :]
        self.filled = 0
        return data


# Hashing runs beside the backend's write of the same batch: hashlib releases the GIL on large
# buffers, as file and socket writes do, so the two take the time of the slower one.
_HASHING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sink-sha256")


class _BufferedSink(ABC):
    """Gathers writes into `FLUSH_BYTES` batches and hands each to a thread, where it is hashed
    (in a second thread, at the same time) and passed to the backend's `_consume_sync`. A write
    of at least `FLUSH_BYTES` is handed over as it is, without a copy. Subclasses do their
    blocking work in `_*_sync`."""

    def __init__(self) -> None:
        self._batch = Batch(FLUSH_BYTES)
        self._handover: memoryview | None = None
        self._opened = False
        self._sha = hashlib.sha256()
        self._bytes_written = 0
        self._state: Literal["open", "committed", "aborted"] = "open"

    @property
    def bytes_written(self) -> int:
        return self._bytes_written

    @property
    def sha256(self) -> str:
        digest = self._sha.copy()
        with self._batch.peek() as pending:
            digest.update(pending)
        return digest.hexdigest()

    async def write(self, chunk: bytes | bytearray) -> None:
        if self._state != "open":
            raise RuntimeError(f"write to a sink already {self._state}")
        if not self._opened:
            # at once, not at the first batch: a folder erased meanwhile then fails the commit
            await anyio.to_thread.run_sync(self._open_sync)
            self._opened = True
        view = memoryview(chunk)
        self._bytes_written += len(view)
        while view:
            if not self._batch.filled and len(view) >= FLUSH_BYTES:
                self._handover, view = view, view[len(view) :]
            else:
                view = self._batch.fill(view)
                if not self._batch.full:
                    return
            await self._flush()

    async def commit(self) -> None:
        if self._state != "open":
            raise RuntimeError(f"commit of a sink already {self._state}")
        if self._batch.filled:
            await self._flush()
        await anyio.to_thread.run_sync(self._commit_sync)
        self._state = "committed"

    async def abort(self) -> None:
        if self._state != "open":
            return
        self._batch.take()
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._abort_sync)
        self._state = "aborted"

    async def _flush(self) -> None:
        await anyio.to_thread.run_sync(self._absorb_sync)

    def _absorb_sync(self) -> None:
        # Taken here, not passed as an argument: the worker thread keeps its last call's
        # arguments alive until its next call, which would hold a second batch.
        data: bytearray | memoryview
        if self._handover is not None:
            data, self._handover = self._handover, None
        else:
            data = self._batch.take()
        hashed = _HASHING.submit(self._sha.update, data)
        try:
            self._consume_sync(data)
        finally:
            hashed.result()  # in order: the next batch is hashed only after this one

    @abstractmethod
    def _open_sync(self) -> None:
        """Prepare the destination, at the first write."""

    @abstractmethod
    def _consume_sync(self, data: bytearray | memoryview) -> None: ...

    @abstractmethod
    def _commit_sync(self) -> None: ...

    @abstractmethod
    def _abort_sync(self) -> None: ...


# The local folder


def _remove_tree(target: Path) -> None:
    """Remove the folder; a folder already gone is fine, a file that stays is an error (an
    erasure must not report done while something is left)."""
    try:
        shutil.rmtree(target)
    except FileNotFoundError:
        if target.exists():
            raise


class LocalStorage:
    """Keys are paths relative to the data folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()  # once: every key is checked against it

    def path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"storage key escapes the data folder: {key!r}")
        return path

    def open_sink(self, key: str) -> UploadSink:
        return _LocalSink(self.path(key))

    async def write_bytes(self, key: str, data: bytes) -> None:
        await write_atomic(self.path(key), data)

    @asynccontextmanager
    async def _local_copy(self, key: str) -> AsyncIterator[Path]:
        yield self.path(key)

    def local_copy(self, key: str) -> AbstractAsyncContextManager[Path]:
        """The stored file itself (no copy is made)."""
        return self._local_copy(key)

    async def delete(self, key: str) -> None:
        path = self.path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def delete_prefix(self, prefix: str) -> None:
        """Delete the folder `prefix`, temporary files of sinks still open in it included."""
        normal = check_key(prefix, prefix=True)
        if not normal:
            raise ValueError("refusing to delete the whole storage (empty prefix)")
        target = self.path(normal)
        await anyio.to_thread.run_sync(_remove_tree, target)

    async def exists(self, key: str) -> bool:
        path = self.path(key)
        return await anyio.to_thread.run_sync(path.is_file)

    async def list_objects(self, prefix: str) -> list[StoredObject]:
        """Every file under the folder `prefix`, temporary files of open or crashed sinks
        included (so that an orphan sweep removes them too)."""
        normal = check_key(prefix, prefix=True)
        folder = self.path(normal) if normal else self.root
        return await anyio.to_thread.run_sync(self._list_sync, folder)

    def _list_sync(self, folder: Path) -> list[StoredObject]:
        root = self.root
        found = []
        for directory, _, names in os.walk(folder):
            for name in names:
                path = Path(directory) / name
                try:
                    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                except FileNotFoundError:  # removed while listing (a sink that just committed)
                    continue
                found.append(StoredObject(path.relative_to(root).as_posix(), modified))
        return sorted(found, key=lambda item: item.key)

    async def presigned_url(self, key: str, expires_seconds: int) -> str | None:
        self.path(key)  # the same refusal of a bad key as every other backend
        return None

    async def aclose(self) -> None:
        return None


class _LocalSink(_BufferedSink):
    """A temporary file beside the destination, renamed into place on commit."""

    def __init__(self, final: Path) -> None:
        super().__init__()
        self._final = final
        self._temp: Path | None = None
        self._handle: BinaryIO | None = None

    def _file(self) -> BinaryIO:
        if self._handle is None:
            self._final.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(
                dir=self._final.parent, prefix=f".{self._final.name}.", suffix=".part"
            )
            self._temp, self._handle = Path(name), os.fdopen(fd, "wb")
        return self._handle

    def _open_sync(self) -> None:
        self._file()

    def _consume_sync(self, data: bytearray | memoryview) -> None:
        self._file().write(data)

    def _commit_sync(self) -> None:
        handle = self._file()
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        assert self._temp is not None
        # FileNotFoundError here: the folder was deleted while the sink was being written.
        os.replace(self._temp, self._final)
        self._temp = None
        fsync_dir(self._final.parent)

    def _abort_sync(self) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
            self._temp = None


# S3-compatible object storage


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_missing(exc: ClientError) -> bool:
    return _error_code(exc) in ("404", "NoSuchKey", "NotFound")


class S3Storage:
    """Objects in one bucket, under an optional key prefix. boto3 is synchronous, so every call
    runs in a worker thread; the client (thread-safe) is made on first use, in a thread too,
    because making it reads files and may ask the instance metadata service for credentials.
    With `create_bucket`, the bucket is created then if it does not exist."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        create_bucket: bool = False,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"S3 part size must be at least {MIN_PART_SIZE} bytes")
        normal = check_key(prefix.strip("/"), prefix=True)
        self.bucket = bucket
        self.prefix = f"{normal}/" if normal else ""
        self.part_size = part_size
        self._endpoint_url = endpoint_url
        self._region = region
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._session_token = session_token
        self._create_bucket = create_bucket
        self._client: S3Client | None = None
        self._client_lock = threading.Lock()

    def object_key(self, key: str) -> str:
        """The key in the bucket: the prefix and the checked storage key."""
        return self.prefix + check_key(key)

    def client(self) -> "S3Client":
        """The client, made on first use. Blocking: call it from a worker thread."""
        with self._client_lock:
            if self._client is None:
                client = boto3.session.Session().client(
                    "s3",
                    endpoint_url=self._endpoint_url,
                    region_name=self._region,
                    aws_access_key_id=self._access_key_id,
                    aws_secret_access_key=self._secret_access_key,
                    aws_session_token=self._session_token,
                    config=S3_CONFIG.merge(S3_COMPATIBLE_CONFIG)
                    if self._endpoint_url
                    else S3_CONFIG,
                )
                if self._create_bucket:
                    self._ensure_bucket(client)
                self._client = client
            return self._client

    def _ensure_bucket(self, client: "S3Client") -> None:
        try:
            client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _error_code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                raise
        try:
            if self._region == "us-east-1":
                client.create_bucket(Bucket=self.bucket)
            else:
                client.create_bucket(
                    Bucket=self.bucket,
                    CreateBucketConfiguration={"LocationConstraint": self._region},  # type: ignore[typeddict-item]
                )
        except ClientError as exc:
            if _error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    async def _run(self, call: Callable[["S3Client"], T]) -> T:
        return await anyio.to_thread.run_sync(lambda: call(self.client()))

    def open_sink(self, key: str) -> UploadSink:
        return _S3Sink(self, self.object_key(key))

    async def write_bytes(self, key: str, data: bytes) -> None:
        name = self.object_key(key)
        await self._run(lambda s3: s3.put_object(Bucket=self.bucket, Key=name, Body=data))

    @asynccontextmanager
    async def _local_copy(self, key: str) -> AsyncIterator[Path]:
        name = self.object_key(key)
        folder = Path(await anyio.to_thread.run_sync(lambda: tempfile.mkdtemp(prefix="s3-copy-")))
        try:
            path = folder / name.rsplit("/", 1)[-1]  # the name keeps its extension for ffmpeg
            await self._run(lambda s3: self._download_sync(s3, name, path))
            yield path
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(lambda: shutil.rmtree(folder, ignore_errors=True))

    def _download_sync(self, s3: "S3Client", name: str, path: Path) -> None:
        try:
            s3.download_file(self.bucket, name, str(path))
        except ClientError as exc:
            if _is_missing(exc):
                raise FileNotFoundError(f"no object s3://{self.bucket}/{name}") from exc
            raise

    def local_copy(self, key: str) -> AbstractAsyncContextManager[Path]:
        """A temporary file (under TMPDIR) with the object's bytes, downloaded in a thread and
        deleted on exit. FileNotFoundError when there is no such object."""
        return self._local_copy(key)

    async def delete(self, key: str) -> None:
        name = self.object_key(key)
        await self._run(lambda s3: s3.delete_object(Bucket=self.bucket, Key=name))

    async def delete_prefix(self, prefix: str) -> None:
        """Delete the folder's objects, and abort the uploads in flight into it so that an
        erasure leaves no stored part behind (their sinks' `commit` then fails)."""
        normal = check_key(prefix, prefix=True)
        if not normal:
            raise ValueError("refusing to delete the whole storage (empty prefix)")
        folder = self.prefix + normal + "/"
        await self._run(lambda s3: self._abort_uploads_sync(s3, folder))
        await self._run(lambda s3: self._delete_objects_sync(s3, folder))

    def _abort_uploads_sync(self, s3: "S3Client", folder: str) -> None:
        for page in s3.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=folder
        ):
            for upload in page.get("Uploads", []):
                _abort_upload(s3, self.bucket, upload["Key"], upload["UploadId"])

    def _delete_objects_sync(self, s3: "S3Client", folder: str) -> None:
        batch: list[ObjectIdentifierTypeDef] = []
        for name, _ in self._list_sync(s3, folder):
            batch.append({"Key": name})
            if len(batch) == DELETE_BATCH:
                self._delete_batch_sync(s3, batch)
                batch = []
        if batch:
            self._delete_batch_sync(s3, batch)

    def _delete_batch_sync(self, s3: "S3Client", batch: "list[ObjectIdentifierTypeDef]") -> None:
        answer = s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        if errors := answer.get("Errors"):
            first = errors[0]
            raise StorageError(
                f"{len(errors)} objects not deleted, e.g. {first.get('Key')}: "
                f"{first.get('Code')} {first.get('Message')}"
            )

    async def exists(self, key: str) -> bool:
        name = self.object_key(key)
        return await self._run(lambda s3: self._exists_sync(s3, name))

    def _exists_sync(self, s3: "S3Client", name: str) -> bool:
        try:
            s3.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    async def list_objects(self, prefix: str) -> list[StoredObject]:
        normal = check_key(prefix, prefix=True)
        folder = self.prefix + (normal + "/" if normal else "")
        items = await self._run(lambda s3: self._list_sync(s3, folder))
        return sorted(
            (StoredObject(name.removeprefix(self.prefix), modified) for name, modified in items),
            key=lambda item: item.key,
        )

    def _list_sync(self, s3: "S3Client", folder: str) -> list[tuple[str, datetime]]:
        return [
            (item["Key"], item["LastModified"])
            for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder
            )
            for item in page.get("Contents", [])
        ]

    async def presigned_url(self, key: str, expires_seconds: int) -> str | None:
        if not 1 <= expires_seconds <= MAX_PRESIGN_SECONDS:
            raise ValueError(f"expires_seconds must be 1..{MAX_PRESIGN_SECONDS}")
        name = self.object_key(key)
        return await self._run(
            lambda s3: s3.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": name},
                ExpiresIn=expires_seconds,
            )
        )

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await anyio.to_thread.run_sync(client.close)


def _abort_upload(s3: "S3Client", bucket: str, name: str, upload_id: str) -> None:
    try:
        s3.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=upload_id)
    except ClientError as exc:
        if _error_code(exc) != "NoSuchUpload":
            raise


class _S3Sink(_BufferedSink):
    """A multipart upload, started once a whole part is buffered; a smaller object is sent with
    one PutObject on commit. Memory stays at about one part (plus one `FLUSH_BYTES` batch)
    whatever the object's size."""

    def __init__(self, storage: S3Storage, name: str) -> None:
        super().__init__()
        self._storage = storage
        self._bucket = storage.bucket
        self._name = name
        self._part = Batch(storage.part_size)
        self._upload_id: str | None = None
        self._parts: list[CompletedPartTypeDef] = []

    def _open_sync(self) -> None:
        return None  # the multipart upload starts with the first whole part

    def _consume_sync(self, data: bytearray | memoryview) -> None:
        view = memoryview(data)
        while view:
            view = self._part.fill(view)
            if self._part.full:
                self._send_part(self._part.take())

    def _send_part(self, body: bytearray) -> None:
        s3 = self._storage.client()
        if len(self._parts) == MAX_PARTS:
            raise StorageError(f"object larger than {MAX_PARTS} parts; raise S3_PART_SIZE")
        if self._upload_id is None:
            started = s3.create_multipart_upload(Bucket=self._bucket, Key=self._name)
            self._upload_id = started["UploadId"]
        number = len(self._parts) + 1
        try:
            sent = s3.upload_part(
                Bucket=self._bucket,
                Key=self._name,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=body,  # type: ignore[arg-type]  # botocore takes a bytearray; its stubs don't
            )
        except ClientError as exc:
            raise self._gone(exc) from exc
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def _commit_sync(self) -> None:
        if self._upload_id is None:
            body = self._part.take()
            s3 = self._storage.client()
            s3.put_object(Bucket=self._bucket, Key=self._name, Body=body)  # type: ignore[arg-type]
            return
        if self._part.filled:
            self._send_part(self._part.take())
        try:
            self._storage.client().complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._name,
                UploadId=self._upload_id,
                MultipartUpload={"Parts": self._parts},
            )
        except ClientError as exc:
            raise self._gone(exc) from exc
        self._upload_id = None

    def _abort_sync(self) -> None:
        self._part.take()
        if self._upload_id is not None:
            _abort_upload(self._storage.client(), self._bucket, self._name, self._upload_id)
            self._upload_id = None

    def _gone(self, exc: ClientError) -> Exception:
        if _error_code(exc) == "NoSuchUpload":
            return FileNotFoundError(
                f"upload to s3://{self._bucket}/{self._name} was aborted: its folder was deleted"
            )
        return exc
