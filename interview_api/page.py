"""The candidate page: `/interview/{token}` serves its HTML, `/static/...` its scripts and styles.

The page's files live in `interview_api/static/candidate/`; nothing comes from a CDN. The token
stays in the page's address: the page reads it from there and sends it as a Bearer token.
"""

from pathlib import Path

import anyio
from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse

from shared.auth import open_access
from shared.errors import NotFound
from shared.staticfiles import CachedStaticFiles

STATIC_ROOT = Path(__file__).parent / "static"
STATIC_PATH = "/static"

router = APIRouter(tags=["candidate page"])


# Open: the same static page for every address; what the token opens is asked of the candidate
# API, which checks it.
@router.get(
    "/interview/{token}",
    summary="The candidate page",
    include_in_schema=False,
    dependencies=[open_access()],
)
async def candidate_page(token: str) -> FileResponse:
    """The same HTML for every token: the page asks the candidate API what the token opens
    and says so in words when it is invalid, expired or withdrawn."""
    # The address carries the token: never cache the page, never send it as a referrer.
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    return await html_page("candidate", "The candidate page", headers)


async def html_page(folder: str, name: str, headers: dict[str, str]) -> FileResponse:
    """`static/<folder>/index.html`, or 404 `page_not_found` when it is not installed."""
    index = STATIC_ROOT / folder / "index.html"
    if not await anyio.Path(index).is_file():
        raise NotFound(f"{name} is not installed.", code="page_not_found")
    return FileResponse(
        index,
        media_type="text/html; charset=utf-8",
        headers={**headers, "X-Content-Type-Options": "nosniff"},
    )


def mount_static(app: FastAPI) -> None:
    """`/static/...` from `interview_api/static/` (the candidate page's files)."""
    app.mount(
        STATIC_PATH,
        CachedStaticFiles(directory=STATIC_ROOT, check_dir=False),
        name="static",
    )
