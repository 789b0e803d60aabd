"""The parts of the tus 1.0 protocol (https://tus.io/protocols/resumable-upload) that are
plain header work: versions, metadata, offsets, dates, and `Tus-Resumable` on every answer."""

import base64
import binascii
from collections.abc import Callable, Coroutine
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from shared.errors import AppError, Unprocessable, error_response

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
MAX_METADATA_BYTES = 4096


class TusRoute(APIRoute):
    """Every answer of a tus endpoint carries `Tus-Resumable`, errors included (they are
    rendered here rather than by the app's handlers, which do not know the protocol)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def tus_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except AppError as exc:
                response = error_response(exc.status, exc.code, exc.message, exc.headers)
            response.headers["Tus-Resumable"] = TUS_VERSION
            return response

        return tus_handler


def require_version(request: Request) -> None:
    """412 unless the client speaks tus 1.0.0 (OPTIONS is exempt, as tus says)."""
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise AppError(
            f"This server speaks tus {TUS_VERSION}: send `Tus-Resumable: {TUS_VERSION}`.",
            code="tus_version_unsupported",
            status=412,
            headers={"Tus-Version": TUS_VERSION},
        )


def int_header(request: Request, name: str, code: str) -> int:
    """A required non-negative integer header, or 422 with `code`."""
    raw = request.headers.get(name)
    if raw is None or not raw.isdigit() or len(raw) > 19:
        raise Unprocessable(f"Send the `{name}` header as a whole number of bytes.", code=code)
    return int(raw)


def parse_metadata(raw: str | None) -> dict[str, str]:
    """`Upload-Metadata`: comma-separated `key base64(value)` pairs (a key may have no value).
    422 `upload_metadata_invalid` for anything else."""
    if not raw:
        return {}
    if len(raw) > MAX_METADATA_BYTES:
        raise _bad_metadata(f"it is longer than {MAX_METADATA_BYTES} bytes")
    found: dict[str, str] = {}
    for pair in raw.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not key or " " in encoded.strip() or key in found:
            raise _bad_metadata("each pair is `key base64value`, keys unique")
        try:
            found[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise _bad_metadata(f"the value of {key!r} is not base64 of UTF-8 text") from exc
    return found


def _bad_metadata(why: str) -> Unprocessable:
    return Unprocessable(
        f"Upload-Metadata is not valid: {why}. Use a tus client, or see the README.",
        code="upload_metadata_invalid",
    )


def http_date(moment: datetime) -> str:
    """The HTTP date format tus uses for `Upload-Expires`."""
    return format_datetime(moment, usegmt=True)
