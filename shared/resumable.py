"""Partial files of resumable uploads: bytes that arrive over many requests, kept on local disk.

Each upload has one file, `<root>/<upload id>.part`. A request appends to it at the offset the
caller has recorded, in bounded batches written from a worker thread (memory stays at about one
`FLUSH_BYTES` batch whatever the upload's size), and fsyncs before it reports the new size, so a
reported offset is always bytes that survive a crash. Bytes past the recorded offset (written by
a request that died before it could report them) are cut off when the next request opens the
file.
"""

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import anyio
import anyio.to_thread

from shared.files import fsync_dir
from shared.storage import FLUSH_BYTES

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

    async def open_at(self, upload_id: str, offset: int) -> "PartialWriter":
        """A writer that appends at `offset`. The file is created when missing; a longer one
        is cut back to `offset`. ValueError when fewer than `offset` bytes are on disk."""
        path = self.path(upload_id)
        handle = await anyio.to_thread.run_sync(_open_at, path, offset)
        return PartialWriter(handle, offset)

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

    def __init__(self, handle: BinaryIO, offset: int) -> None:
        self._handle = handle
        self._pending = bytearray()
        self.size = offset

    async def write(self, chunk: bytes) -> None:
        self._pending += chunk
        self.size += len(chunk)
        if len(self._pending) >= FLUSH_BYTES:
            await self._flush()

    async def _flush(self) -> None:
        data, self._pending = self._pending, bytearray()
        await anyio.to_thread.run_sync(self._handle.write, data)

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
