"""Where recordings and results live. The local folder under DATA_DIR is the default."""

import shutil
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Protocol

import anyio.to_thread

from shared.files import write_atomic


class Storage(Protocol):
    async def write_bytes(self, key: str, data: bytes) -> None:
        """Store `data` under `key` atomically."""
        ...

    def local_copy(self, key: str) -> AbstractAsyncContextManager[Path]:
        """A local file with the object's bytes, for tools that need a path (PyAV, ffmpeg)."""
        ...

    async def delete(self, key: str) -> None: ...

    async def delete_prefix(self, prefix: str) -> None: ...


class LocalStorage:
    """Keys are paths relative to the data folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"storage key escapes the data folder: {key!r}")
        return path

    async def write_bytes(self, key: str, data: bytes) -> None:
        await write_atomic(self.path(key), data)

    @asynccontextmanager
    async def _local_copy(self, key: str) -> AsyncIterator[Path]:
        yield self.path(key)

    def local_copy(self, key: str) -> AbstractAsyncContextManager[Path]:
        return self._local_copy(key)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(lambda: self.path(key).unlink(missing_ok=True))

    async def delete_prefix(self, prefix: str) -> None:
        target = self.path(prefix)
        await anyio.to_thread.run_sync(lambda: shutil.rmtree(target, ignore_errors=True))
