"""Structured logs: one JSON object a line, carrying the request id and any bound ids."""

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_context: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
    "log_context", default=MappingProxyType({})
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
access_logger = logging.getLogger("access")
_HANDLER_NAME = "interview-backend"


def current_request_id() -> str | None:
    return _context.get().get("request_id")


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Bind ids (interview_id, analysis_id, ...) to every log line inside the block."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def _stamp_context() -> None:
    """Copy the bound ids onto every log record when it is created, so that any handler (also
    one that formats later, or in another thread) sees the ids of the code that logged."""
    base = logging.getLogRecordFactory()
    if getattr(base, "stamps_context", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        for key, value in _context.get().items():
            record.__dict__.setdefault(key, value)
        return record

    factory.stamps_context = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


_stamp_context()


class JsonFormatter(logging.Formatter):
    _standard = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in self._standard})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    # replace our own handler (a second app in one process), never anyone else's
    root.handlers[:] = [h for h in root.handlers if h.get_name() != _HANDLER_NAME] + [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn.access",):  # replaced by our access line, which has the request id
        logging.getLogger(name).disabled = True


def loggable_path(scope: Scope) -> str:
    """The request's path for the logs: the route's template instead when the path carries a
    secret (a `{token}` parameter, such as the candidate page's invitation link)."""
    template = getattr(scope.get("route"), "path_format", None)
    if isinstance(template, str) and "{token}" in template:
        return template
    return str(scope["path"])


class RequestContextMiddleware:
    """Gives each request an id (the caller's `X-Request-ID` when sane), echoes it, logs it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        with log_context(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                path = loggable_path(scope)
                access_logger.info(
                    "%s %s %s",
                    scope["method"],
                    path,
                    status,
                    extra={
                        "method": scope["method"],
                        "path": path,
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    },
                )
