"""The one HTTP client of the cloud adapters: timeouts, the shared retry policy, one mapping of
failures to typed `ProviderFailure`s, and one polling loop.

Failures every provider can have get one code whichever provider had them (the README lists
them); a provider's own error code is kept for errors that are its own (a rejected video, bad
credentials, a used-up quota):

- `provider_timeout`: no answer in time (or a 408/504), even after retries;
- `provider_unavailable`: unreachable, connection dropped, or a server error (5xx), even after
  retries (the provider's own code, if it sent one, is in the message);
- `provider_rate_limited`: still refused with 429 after retries;
- `provider_invalid_response`: an answer that is not what the provider documents (not JSON, a
  cut answer, no id where one must be);
- `provider_auth_failed`, `provider_rejected`: a 401/403, or another 4xx, that carries no code
  of the provider's own.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from analysis.providers.base import ProviderFailure
from shared.http import RetryPolicy, Sleep, send_with_retry

logger = logging.getLogger(__name__)

T = TypeVar("T")

PROVIDER_TIMEOUT = "provider_timeout"
PROVIDER_UNAVAILABLE = "provider_unavailable"
PROVIDER_RATE_LIMITED = "provider_rate_limited"
PROVIDER_INVALID_RESPONSE = "provider_invalid_response"
PROVIDER_AUTH_FAILED = "provider_auth_failed"
PROVIDER_REJECTED = "provider_rejected"
COMMON_CODES = (
    PROVIDER_TIMEOUT,
    PROVIDER_UNAVAILABLE,
    PROVIDER_RATE_LIMITED,
    PROVIDER_INVALID_RESPONSE,
    PROVIDER_AUTH_FAILED,
    PROVIDER_REJECTED,
)


@dataclass(frozen=True)
class ErrorInfo:
    """What an error answer says, whichever shape the provider sent it in."""

    code: str | None
    message: str
    body: Any = None
    correlation_id: str | None = None


ErrorReader = Callable[[httpx.Response], ErrorInfo]
# (HTTP status, what the answer said, the step) -> a sentence on what to do, or None
Advice = Callable[[int, ErrorInfo, str], str | None]


class ProviderClient:
    """One provider's HTTP: its base URL, timeouts, an optional cap on requests in flight, the
    shared retry policy, and its error reader (the shape of its error answers).

    `final_codes` are provider codes that are never retried although their status would be
    (Interhuman's used-up quota is a 429); they keep their own code.
    """

    def __init__(
        self,
        title: str,
        base_url: str,
        *,
        read_error: ErrorReader,
        http_client: httpx.AsyncClient | None = None,
        policy: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        concurrency: int | None = None,
        final_codes: Collection[str] = (),
        advice: Advice | None = None,
    ) -> None:
        self.title = title
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.timeout = timeout or httpx.Timeout(30.0)
        self._read_error = read_error
        self._owns_client = http_client is None
        self._client = http_client or httpx.AsyncClient(timeout=self.timeout)
        self._slots = asyncio.Semaphore(concurrency) if concurrency else None
        self._final_codes = frozenset(final_codes)
        self._advice = advice

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    # -- one attempt ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        params: Mapping[str, str | int] | None = None,
        content: AsyncIterator[bytes] | None = None,
        timeout: httpx.Timeout | None = None,  # noqa: ASYNC109 (httpx's per-phase timeouts)
    ) -> httpx.Response:
        """One request, no retry, holding a slot of the concurrency cap if there is one."""
        send = self._client.request(
            method,
            f"{self.base_url}{path}",
            json=json,
            params=params,
            content=content,
            headers=headers,
            timeout=timeout or self.timeout,
        )
        if self._slots is None:
            return await send
        async with self._slots:
            return await send

    # -- under the retry policy -------------------------------------------------------------

    async def send(
        self, step: str, send: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        """`send` under the retry policy; the last answer whatever its status. A network
        error that outlasts the retries becomes `provider_timeout` / `provider_unavailable`."""
        try:
            return await send_with_retry(
                send,
                self.policy,
                what=f"{self.title} {step}",
                retry_if=lambda response: self._read_error(response).code not in self._final_codes,
            )
        except httpx.RequestError as exc:
            raise self.network_failure(exc, step) from exc

    async def call(
        self,
        step: str,
        send: Callable[[], Awaitable[httpx.Response]],
        *,
        accept: Collection[int] = (),
    ) -> httpx.Response:
        """`send` under the retry policy; a final error answer (other than `accept`ed
        statuses) becomes a `ProviderFailure`."""
        response = await self.send(step, send)
        return self.check(response, step, accept=accept)

    def check(
        self, response: httpx.Response, step: str, *, accept: Collection[int] = ()
    ) -> httpx.Response:
        if response.is_success or response.status_code in accept:
            return response
        raise self.failure(response, step)

    # -- failures ---------------------------------------------------------------------------

    def failure(self, response: httpx.Response, step: str) -> ProviderFailure:
        """The `ProviderFailure` for a final error answer (see the module docstring)."""
        info = self._read_error(response)
        status = response.status_code
        retryable_status = status in self.policy.retry_statuses
        own = f" ({info.code})" if info.code else ""
        if info.code is not None and info.code in self._final_codes:
            code, retryable = info.code, False
        elif status == 429:
            code, retryable = PROVIDER_RATE_LIMITED, True
        elif status in (408, 504):
            code, retryable = PROVIDER_TIMEOUT, True
        elif retryable_status:
            code, retryable = PROVIDER_UNAVAILABLE, True
        elif info.code:
            code, retryable = info.code, False
        elif status in (401, 403):
            code, retryable = PROVIDER_AUTH_FAILED, False
        else:
            code, retryable = PROVIDER_REJECTED, False
        advice = self._advice(status, info, step) if self._advice else None
        if advice is None and retryable_status:
            advice = f"{self.title} answered HTTP {status}{own} to the {step}; try again later."
        if advice is None and not info.message:
            advice = f"{self.title} answered HTTP {status}{own} to the {step}."
        message = " ".join(part for part in (advice, info.message) if part)
        if info.code and info.code != code and info.code not in message:
            message += f" ({self.title} error {info.code})"
        if info.correlation_id:
            message += f" (correlation id {info.correlation_id})"
        logger.warning(
            "%s %s failed: HTTP %d %s",
            self.title,
            step,
            status,
            info.code or code,
            extra={
                "http_status": status,
                "error_id": info.code,
                "correlation_id": info.correlation_id,
            },
        )
        raw = {"step": step, "status": status, "body": info.body}
        return ProviderFailure(code, message.strip(), retryable=retryable, raw=raw)

    def network_failure(self, exc: httpx.RequestError, step: str) -> ProviderFailure:
        if isinstance(exc, httpx.TimeoutException):
            code, what = PROVIDER_TIMEOUT, "did not answer in time"
        else:
            code, what = PROVIDER_UNAVAILABLE, "could not be reached"
        return ProviderFailure(
            code,
            f"{self.title} {what} for the {step} ({type(exc).__name__}), even after retries; "
            "try again later.",
            retryable=True,
            raw={"step": step, "error": type(exc).__name__},
        )

    def invalid_response(self, step: str, problem: str, raw: Any = None) -> ProviderFailure:
        return ProviderFailure(
            PROVIDER_INVALID_RESPONSE,
            f"{self.title}'s answer to the {step} {problem}.",
            retryable=True,
            raw=raw,
        )

    def json_object(self, response: httpx.Response, step: str) -> dict[str, Any]:
        """The answer's JSON object; anything else (cut short, an HTML page from a proxy) is a
        retryable `provider_invalid_response`, keeping the start of the text."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            problem = f"(HTTP {response.status_code}) is not a JSON object"
            raise self.invalid_response(step, problem, raw=response.text[:2000])
        return body


# -- one polling loop ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PollSchedule:
    """How often to ask: requests start `first` seconds apart (about one a second) for
    `steady_for` seconds, then further apart by `factor` up to `ceiling`. `hold` is how long a
    provider that long-polls may hold each request open (0: it answers at once); a provider
    that ignores the hold is still asked no more often than the schedule says."""

    first: float = 1.0
    factor: float = 1.5
    ceiling: float = 30.0
    steady_for: float = 0.0
    hold: float = 0.0


class PollTimeout(Exception):
    """The deadline passed before the thing polled was done; carries the last answer."""

    def __init__(self, last: Any, waited: float) -> None:
        super().__init__(f"still not done after {waited:.0f}s")
        self.last = last
        self.waited = waited


async def poll_until(
    fetch: Callable[[int], Awaitable[T]],
    done: Callable[[T], bool],
    schedule: PollSchedule,
    *,
    deadline: float,
    first: T | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Ask `fetch(hold_seconds)` until `done(answer)`; `first` is an answer already in hand.

    Between requests it waits only what the schedule asks beyond the time the last request
    took, so a request the provider held open is followed at once by the next. Raises
    `PollTimeout` once the next request would start after `deadline` seconds.
    """
    started = sent = clock()

    def hold() -> int:
        return int(max(0.0, min(schedule.hold, deadline - (clock() - started))))

    answer = first if first is not None else await fetch(hold())
    interval = schedule.first
    while not done(answer):
        waited = clock() - started
        pause = max(0.0, interval - (clock() - sent))
        if waited >= schedule.steady_for:
            interval = min(interval * schedule.factor, schedule.ceiling)
        if waited + pause > deadline:
            raise PollTimeout(answer, waited)
        await sleep(pause)
        sent = clock()
        answer = await fetch(hold())
    return answer
