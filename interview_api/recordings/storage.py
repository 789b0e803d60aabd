"""Recording files under `DATA_DIR/recordings/interview_<id>/<recording_id>.<ext>`.

An upload is written to a temporary file in its destination directory, fsynced, then renamed
into place (and the directory fsynced), so a file at a final name is always complete. Every
name comes from server-side ids; the client's filename is only ever metadata.
"""

import hashlib
import logging
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Collection
from pathlib import Path
from typing import BinaryIO

import anyio
import anyio.to_thread

from shared.files import fsync_dir

logger = logging.getLogger(__name__)

RECORDINGS_DIR = "recordings"
INTERVIEW_DIR_PREFIX = "interview_"
TEMP_PREFIX = ".upload-"
TEMP_SUFFIX = ".part"


class TempUpload:
    """A temporary file being filled with an upload, hashed and counted as it is written."""

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path = path
        self._handle = handle
        self._sha = hashlib.sha256()
        self.size_bytes = 0
        self._published = False

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    async def write(self, data: bytes) -> None:
        await anyio.to_thread.run_sync(self._write_sync, data)

    def _write_sync(self, data: bytes) -> None:
        self._sha.update(data)
        self._handle.write(data)
        self.size_bytes += len(data)

    async def finish(self) -> None:
        """Make the written bytes durable."""
        await anyio.to_thread.run_sync(self._finish_sync)

    def _finish_sync(self) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()

    async def publish(self, final: Path) -> None:
        """Rename into place and make the rename durable."""
        await anyio.to_thread.run_sync(self._publish_sync, final)

    def _publish_sync(self, final: Path) -> None:
        os.replace(self.path, final)
        self._published = True
        fsync_dir(final.parent)

    async def discard(self) -> None:
        """Remove the temporary file (no-op once published). Safe to call more than once."""
        if self._published:
            return
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._discard_sync)

    def _discard_sync(self) -> None:
        self._handle.close()
        self.path.unlink(missing_ok=True)


class RecordingStorage:
    """The recordings tree under one DATA_DIR."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.root = data_dir / RECORDINGS_DIR

    def interview_dir(self, interview_id: str) -> Path:
        return self.root / f"{INTERVIEW_DIR_PREFIX}{interview_id}"

    def final_path(self, interview_id: str, recording_id: str, extension: str) -> Path:
        return self.interview_dir(interview_id) / f"{recording_id}.{extension}"

    def relative(self, path: Path) -> str:
        """The path as stored in the database: relative to DATA_DIR, POSIX separators."""
        return path.relative_to(self.data_dir).as_posix()

    def absolute(self, relative: str) -> Path:
        return self.data_dir / relative

    async def open_temp(self, interview_id: str) -> TempUpload:
        return await anyio.to_thread.run_sync(self._open_temp_sync, interview_id)

    def _open_temp_sync(self, interview_id: str) -> TempUpload:
        directory = self.interview_dir(interview_id)
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX)
        return TempUpload(Path(name), os.fdopen(fd, "wb"))

    async def remove(self, relative: str) -> None:
        """Delete one stored recording file, if it is there."""
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._remove_sync, relative)

    def _remove_sync(self, relative: str) -> None:
        path = self.absolute(relative)
        path.unlink(missing_ok=True)
        if path.parent.exists():
            fsync_dir(path.parent)

    async def erase_interview(self, interview_id: str) -> None:
        """Delete the interview's whole directory: every recording and any upload in flight."""
        await anyio.to_thread.run_sync(self._erase_sync, self.interview_dir(interview_id))

    def _erase_sync(self, directory: Path) -> None:
        if not directory.exists():
            return
        shutil.rmtree(directory)
        fsync_dir(directory.parent)

    async def interview_dirs(self) -> list[tuple[str, Path]]:
        """(interview id, directory) for every interview directory on disk."""
        return await anyio.to_thread.run_sync(self._interview_dirs_sync)

    def _interview_dirs_sync(self) -> list[tuple[str, Path]]:
        if not self.root.is_dir():
            return []
        return [
            (entry.name.removeprefix(INTERVIEW_DIR_PREFIX), entry)
            for entry in sorted(self.root.iterdir())
            if entry.is_dir() and entry.name.startswith(INTERVIEW_DIR_PREFIX)
        ]

    async def remove_unlisted(self, directory: Path, keep: Collection[str]) -> list[str]:
        """Delete every file in `directory` whose DATA_DIR-relative path is not in `keep`
        (temporary files included); remove the directory when nothing is left. Returns the
        removed paths."""
        return await anyio.to_thread.run_sync(self._remove_unlisted_sync, directory, set(keep))

    def _remove_unlisted_sync(self, directory: Path, keep: set[str]) -> list[str]:
        removed: list[str] = []
        for entry in sorted(directory.iterdir()):
            relative = self.relative(entry)
            if relative in keep:
                continue
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)
            removed.append(relative)
        if removed:
            fsync_dir(directory)
        if not any(directory.iterdir()):
            directory.rmdir()
        return removed


def safe_original_filename(raw: str | None) -> str | None:
    """The client's filename reduced to a harmless label: its last path component, without
    control characters, at most 255 characters. Stored as metadata only, never used as a path."""
    if not raw:
        return None
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip()
    if name in ("", ".", ".."):
        return None
    return name[:255]
