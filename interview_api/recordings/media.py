"""Serving a stored recording to a browser: HTTP Range requests from the data folder (the file is
streamed in chunks, never read whole), or a short-lived presigned redirect on S3 (the object
store answers the Range requests itself)."""

import os
import re

import anyio
from fastapi.responses import FileResponse, RedirectResponse
from starlette.responses import Response

from interview_api.recordings.models import Recording
from shared.errors import AppError, NotFound
from shared.storage import LocalStorage, Storage

PRESIGN_SECONDS = 15 * 60  # long enough to watch an answer; the page asks again after that

MEDIA_TYPES = {
    "webm": "video/webm",
    "mp4": "video/mp4",
    "mkv": "video/x-matroska",
    "mov": "video/quicktime",
    "avi": "video/x-msvideo",
    "ts": "video/mp2t",
}

_RANGE_PART = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


def range_not_satisfiable(size: int) -> AppError:
    return AppError(
        f"The requested byte range is outside the recording ({size} bytes). Ask for "
        "`Range: bytes=0-` or a range that starts before the end.",
        code="range_not_satisfiable",
        status=416,
        headers={"Content-Range": f"bytes */{size}"},
    )


def check_range(header: str | None, size: int) -> None:
    """Refuse (416, in the one error shape) a `Range` the file cannot satisfy; a header that is
    not a byte range at all is ignored, as RFC 9110 says, and the whole file is served."""
    if not header or not header.strip().lower().startswith("bytes="):
        return
    satisfiable = False
    for part in header.split("=", 1)[1].split(","):
        match = _RANGE_PART.match(part)
        if match is None or match.groups() == ("", ""):
            raise AppError(
                f"The Range header {header!r} is malformed. Send e.g. `bytes=0-1023`.",
                code="invalid_range",
                status=400,
            )
        start, end = match.groups()
        if start and end and int(end) < int(start):
            raise AppError(
                f"The Range header {header!r} ends before it starts.",
                code="invalid_range",
                status=400,
            )
        satisfiable |= (int(start) < size) if start else (int(end) > 0 and size > 0)
    if not satisfiable:
        raise range_not_satisfiable(size)


async def media_response(
    storage: Storage, recording: Recording, range_header: str | None
) -> Response:
    """The recording's bytes as the browser asked for them, or a redirect to the object store."""
    url = await storage.presigned_url(recording.path, PRESIGN_SECONDS)
    if url is not None:
        return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})
    if not isinstance(storage, LocalStorage):
        raise AppError(
            "This storage backend can neither serve nor presign recordings.",
            code="media_unavailable",
            status=501,
        )
    path = storage.path(recording.path)
    try:
        stat = await anyio.to_thread.run_sync(os.stat, path)
    except FileNotFoundError:
        raise NotFound(
            f"The video of recording {recording.id!r} is no longer stored.",
            code="media_not_found",
        ) from None
    check_range(range_header, stat.st_size)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(recording.container, "application/octet-stream"),
        stat_result=stat,
        headers={
            "Cache-Control": "private, no-cache",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{recording.id}.{recording.container}"',
        },
    )
