"""The one retry policy for outgoing HTTP calls.

Exponential backoff with full jitter on 408/425/429/5xx, timeouts and dropped connections;
`Retry-After` honoured (seconds or an HTTP date); no retry on other 4xx; an overall deadline.
Each attempt re-creates its request, so a multipart upload is re-sent whole, never empty.
"""

import asyncio
import logging
import random
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import anyio
import httpx

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
Sleep = Callable[[float], Awaitable[None]]
OnAttempt = Callable[[int, httpx.Response | None, BaseException | None], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to try. Tests pass a `sleep` that does not wait."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    deadline: float = 300.0
    retry_statuses: frozenset[int] = RETRYABLE_STATUSES
    sleep: Sleep = field(default=asyncio.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay before attempt `attempt + 1` (attempt counts from 1)."""
        ceiling: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * float(self.jitter()))


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """`Retry-After` (or `retry-after-ms`) as seconds, or None when absent or unreadable."""
    if ms := headers.get("retry-after-ms"):
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


RETRYABLE_EXCEPTIONS = (httpx.TimeoutException, httpx.TransportError)


async def send_with_retry(
    send: Callable[[], Awaitable[httpx.Response]],
    policy: RetryPolicy,
    *,
    what: str = "request",
    retry_if: Callable[[httpx.Response], bool] | None = None,
    on_attempt: OnAttempt | None = None,
) -> httpx.Response:
    """Call `send` until it gives a final answer.

    Returns the last response (successful, a non-retryable error, or a retryable one when the
    attempts or the deadline ran out); re-raises the last network error when no attempt got an
    answer. `retry_if` can veto a retry the status allows (e.g. a quota 429 that will not
    clear); `on_attempt` is told of every attempt, e.g. to record it.
    """
    started = policy.clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            response = await send()
        except RETRYABLE_EXCEPTIONS as exc:
            if on_attempt is not None:
                await on_attempt(attempt, None, exc)
            delay = policy.backoff(attempt)
            if not _may_retry(policy, attempt, started, delay):
                raise
            logger.warning(
                "%s failed (%s); retry %d in %.1fs", what, type(exc).__name__, attempt, delay
            )
        else:
            if on_attempt is not None:
                await on_attempt(attempt, response, None)
            retryable = response.status_code in policy.retry_statuses
            if not retryable or (retry_if is not None and not retry_if(response)):
                return response
            hinted = retry_after_seconds(response.headers)
            delay = hinted if hinted is not None else policy.backoff(attempt)
            if not _may_retry(policy, attempt, started, delay):
                return response
            await response.aclose()
            logger.warning(
                "%s answered %d; retry %d in %.1fs", what, response.status_code, attempt, delay
            )
        await policy.sleep(delay)


def _may_retry(policy: RetryPolicy, attempt: int, started: float, delay: float) -> bool:
    if attempt >= policy.max_attempts:
        return False
    return policy.clock() - started + delay <= policy.deadline


@dataclass(frozen=True)
class FilePart:
    """The file of a multipart body: streamed from disk, never read whole into memory."""

    path: Path
    filename: str
    content_type: str
    size: int


class MultipartBody:
    """A multipart/form-data body with an exact Content-Length: the fields (a name may repeat,
    e.g. `include[]`), then the file if any. Each `stream()` opens the file again, so a retried
    request sends it whole."""

    def __init__(self, fields: Sequence[tuple[str, str]], file: FilePart | None = None) -> None:
        boundary = secrets.token_hex(16)
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields
        )
        if file is not None:
            safe = file.filename.replace('"', "%22").replace("\r", "").replace("\n", "")
            head += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{safe}"\r\nContent-Type: {file.content_type}\r\n\r\n'
            )
        self._head = head.encode()
        closing = f"--{boundary}--\r\n"
        self._tail = ("\r\n" + closing if file is not None else closing).encode()
        self._file = file
        length = len(self._head) + (file.size if file else 0) + len(self._tail)
        self.headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(length),
        }

    async def stream(self) -> AsyncIterator[bytes]:
        yield self._head
        if self._file is not None:
            async with await anyio.open_file(self._file.path, "rb") as handle:
                while chunk := await handle.read(_FILE_CHUNK):
                    yield chunk
        yield self._tail


_FILE_CHUNK = 1024 * 1024
