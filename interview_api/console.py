"""The HR console: `/console` serves its page, `/console/question-api/...` relays its calls to
the question API.

The page's files live in `interview_api/static/console/` (no CDN, no build step). The console
runs on the interview API only, and reaches the question API through this relay rather than
across origins: one address works wherever the browser can reach the interview API (two ports
on one machine, compose, a proxy in front), the question API needs no CORS rule, and its own key
and role checks still apply, because the caller's `X-API-Key` is passed on (never this
service's key).
"""

import re
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from interview_api.dependencies import QuestionClientDep
from interview_api.page import html_page
from interview_api.reviews.dependencies import key_holder
from shared.app import SettingsDep
from shared.auth import OPEN_MODE, Principal, Role, authenticate, open_access, require_roles
from shared.errors import AppError, NotFound, UpstreamError

page_router = APIRouter(tags=["console"])
relay_router = APIRouter(tags=["console"])

# The question API's documented review endpoints, and nothing else.
_ID = r"[A-Za-z0-9_.:-]{1,128}"
_RELAYED = re.compile(
    rf"^(generate|question-sets(/{_ID}(/(questions/{_ID}(/regenerate)?|approve|history"
    rf"|questions\.txt|compliance))?)?)$"
)
_SLOW = re.compile(r"^(generate|.*/regenerate)$")  # generation: OpenAI may take its deadline
MAX_BODY_BYTES = 256 * 1024
_PASSED_HEADERS = ("content-type", "idempotency-key")


@page_router.get(
    "/console",
    summary="The HR console",
    include_in_schema=False,
    dependencies=[open_access()],  # a static page; every call it makes takes a key
)
async def console_page() -> FileResponse:
    return await html_page("console", "The console", {"Cache-Control": "no-cache"})


class ConsoleSession(BaseModel):
    """Who the console's caller is, so that it offers only what the key's role may do."""

    role: Role = Field(description="The key's role (`admin` in open mode).")
    reviewer: str | None = Field(
        description="The name ratings and decisions carry for a named (stored) key; null when "
        "the console must send one (`reviewer`)."
    )
    open_mode: bool = Field(description="True when the service runs without keys (loopback).")


@page_router.get(
    "/console/session",
    summary="The console's caller: role and name of the key",
    dependencies=[require_roles(Role.hr, Role.reviewer, Role.integration)],
)
async def console_session(caller: Annotated[Principal, Depends(authenticate)]) -> ConsoleSession:
    """The calling key's role and name. The console signs in with it (401 for a wrong key) and
    shows only the actions the role may take; the routes check the role themselves anyway."""
    return ConsoleSession(
        role=caller.role, reviewer=key_holder(caller), open_mode=caller is OPEN_MODE
    )


async def relay(
    path: str,
    request: Request,
    questions: QuestionClientDep,
    settings: SettingsDep,
    api_key: Annotated[str | None, Header(alias="X-API-Key")] = None,
) -> Response:
    """`GET|POST|PATCH|PUT /console/question-api/<path>` is `<path>` on the question API (only
    `generate` and `question-sets/...`), with the caller's key, body and query string. Its
    answer comes back as it is, errors included."""
    if not _RELAYED.match(path):
        raise NotFound(
            f"/{path} is not one of the question API's review endpoints.",
            code="relay_path_unknown",
        )
    body = await _bounded_body(request)
    headers = {k: v for k in _PASSED_HEADERS if (v := request.headers.get(k)) is not None}
    wait = settings.openai_deadline_seconds + 15 if _SLOW.match(path) else None
    try:
        answer = await questions.relay(
            request.method,
            "/" + path,
            params=request.url.query,
            content=body,
            headers=headers,
            api_key=api_key,
            wait_seconds=wait,
        )
    except httpx.TimeoutException as exc:
        raise UpstreamError(
            "The question API did not answer in time. Try again; generation can take up to "
            "OPENAI_DEADLINE_SECONDS.",
            code="question_api_timeout",
            status=504,
        ) from exc
    except httpx.TransportError as exc:
        raise questions.unavailable(f"did not answer ({type(exc).__name__})") from exc
    kept = {k: v for k in ("content-type", "retry-after") if (v := answer.headers.get(k))}
    return Response(answer.content, status_code=answer.status_code, headers=kept)


for _method in ("GET", "POST", "PATCH", "PUT"):
    relay_router.add_api_route(
        "/console/question-api/{path:path}",
        relay,
        methods=[_method],
        operation_id=f"console_relay_{_method.lower()}",
        # the question API checks the caller's own key and role once more
        dependencies=[require_roles(Role.hr, Role.reviewer, Role.integration)],
        summary="The question API, relayed for the console",
        responses={
            404: {"description": "`relay_path_unknown` (not a question API review endpoint)"},
            413: {"description": "`request_too_large`"},
            503: {"description": "`question_api_unavailable`"},
            504: {"description": "`question_api_timeout`"},
        },
    )


async def _bounded_body(request: Request) -> bytes:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise AppError(
                f"The request body is larger than {MAX_BODY_BYTES} bytes.",
                code="request_too_large",
                status=413,
            )
    return bytes(body)
