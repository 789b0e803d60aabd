"""One error shape for every answer: `{"error": {"code", "message"}}`.

Errors are classes that carry their HTTP status; one set of handlers renders them. Validation
errors raised with `invalid()` keep their own code; anything unexpected becomes a 500 with a
request id and never a stack trace.
"""

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logging import current_request_id

logger = logging.getLogger(__name__)

_APP_CODE = "app_code"


class AppError(Exception):
    """An error a client can act on. Subclasses set `status` and `code`."""

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class Gone(AppError):
    status = 410
    code = "gone"


class Unprocessable(AppError):
    status = 422
    code = "validation_error"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class UpstreamError(AppError):
    """A provider or another service failed; `status` is 502, 503 or 504."""

    status = 502
    code = "upstream_error"


def invalid(code: str, message: str) -> PydanticCustomError:
    """A validation error that keeps its own machine code in the 422 answer."""
    return PydanticCustomError(code, message, {_APP_CODE: True})


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def error_response(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status, headers=dict(headers or {}))


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media",
}


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def _validation_response(exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    for err in errors:
        if (err.get("ctx") or {}).get(_APP_CODE):
            return error_response(422, str(err["type"]), str(err["msg"]))
    if any(err.get("type") == "json_invalid" for err in errors):
        return error_response(
            422, "invalid_json", "The request body is not valid JSON. Send a JSON object."
        )
    details = "; ".join(
        f"{_location(tuple(err.get('loc', ())))}: {err.get('msg')}" for err in errors
    )
    return error_response(422, "validation_error", f"The request is invalid: {details}.")


def install_error_handlers(app: FastAPI) -> None:
    """Render every failure in the one error shape."""

    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            return error_response(
                422, "invalid_json", "The request body is not UTF-8 text. Send a JSON object."
            )
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "The request failed."
        if exc.status_code == 404 and message == "Not Found":
            message = "No such endpoint. See /docs for the API."
        return error_response(exc.status_code, code, message, exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Only errors raised outside UnexpectedErrorMiddleware get here.
        logger.exception("unhandled error", exc_info=exc)
        return internal_error_response()


def internal_error_response() -> JSONResponse:
    request_id = current_request_id() or "unknown"
    return error_response(
        500,
        "internal_error",
        f"Something went wrong on our side (request id {request_id}). "
        "Try again; if it keeps failing, report the request id.",
    )


class UnexpectedErrorMiddleware:
    """Turns an unexpected exception into the 500 answer inside the request's context, so the
    answer names the request id and carries `X-Request-ID` like every other answer (Starlette's
    own last-resort handler runs outside every middleware, after the request id is gone)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:  # too late for an error answer: let the server close the connection
                raise
            logger.exception("unhandled error", exc_info=exc)
            await internal_error_response()(scope, receive, send)
