"""Completion webhooks: the finished document POSTed to ANALYSIS_WEBHOOK_URL, signed.

Signature: `X-Analysis-Signature: t=<unix seconds>,v1=<hex>` where `<hex>` is
HMAC-SHA256(ANALYSIS_WEBHOOK_SECRET, "<t>." + body). A receiver recomputes it over the raw body
and rejects old timestamps, which stops replays.
"""

import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable

import httpx

from shared.http import RetryPolicy, send_with_retry

SIGNATURE_HEADER = "X-Analysis-Signature"
Record = Callable[[int, int | None, str | None, bool], Awaitable[None]]


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, tolerance: float = 300.0) -> bool:
    """What a receiver does: check the signature and that it is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


async def deliver(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    *,
    analysis_id: str,
    secret: str | None,
    policy: RetryPolicy,
    record: Record,
) -> bool:
    """POST `body` until a 2xx answer or the policy gives up; every attempt goes to `record`."""

    async def send() -> httpx.Response:
        headers = {"content-type": "application/json", "X-Analysis-Id": analysis_id}
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, body, int(time.time()))
        return await client.post(url, content=body, headers=headers)

    async def on_attempt(
        attempt: int, response: httpx.Response | None, exc: BaseException | None
    ) -> None:
        ok = response is not None and response.is_success
        error = None if ok else (f"HTTP {response.status_code}" if response else repr(exc))
        await record(attempt, response.status_code if response else None, error, ok)

    try:
        response = await send_with_retry(send, policy, what="webhook", on_attempt=on_attempt)
    except (httpx.TimeoutException, httpx.TransportError):
        return False
    return response.is_success
