"""Static files with explicit content types and cache headers.

Browsers refuse ES modules served with a wrong type, and the system's MIME table varies between
machines (`.mjs` and `.woff2` are missing on some), so the types that matter are fixed here.
Files are served with `Cache-Control: no-cache`: the browser keeps them and revalidates with the
ETag each time, so a new release is picked up at once and an unchanged file costs a 304.
"""

import mimetypes

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".txt": "text/plain",
    ".wasm": "application/wasm",
    ".webm": "video/webm",
    ".mp4": "video/mp4",
}
for _suffix, _type in CONTENT_TYPES.items():
    mimetypes.add_type(_type, _suffix)

CACHE_CONTROL = "no-cache"


def cache_headers(headers: MutableHeaders) -> None:
    headers["Cache-Control"] = CACHE_CONTROL
    headers["X-Content-Type-Options"] = "nosniff"


class CachedStaticFiles(StaticFiles):
    """`StaticFiles` with the fixed content types above and revalidating cache headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            cache_headers(response.headers)
        return response
