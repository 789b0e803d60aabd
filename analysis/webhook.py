"""Completion webhooks: the finished document POSTed to ANALYSIS_WEBHOOK_URL, signed.

Signature: `X-Analysis-Signature: t=<unix seconds>,v1=<hex>` where `<hex>` is
HMAC-SHA256(ANALYSIS_WEBHOOK_SECRET, "<t>." + body). A receiver recomputes it over the raw body
and rejects old timestamps, which stops replays. `X-Analysis-Id` names the analysis: a delivery
can arrive twice (a worker that died before recording it), so receivers keep the first.
"""

import hashlib
import hmac
import time

import httpx

SIGNATURE_HEADER = "X-Analysis-Signature"


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


async def post_signed(
    client: httpx.AsyncClient, url: str, body: bytes, *, analysis_id: str, secret: str | None
) -> httpx.Response:
    """One delivery attempt (the outbox retries, with backoff, across restarts)."""
    headers = {"content-type": "application/json", "X-Analysis-Id": analysis_id}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body, int(time.time()))
    response = await client.post(url, content=body, headers=headers)
    await response.aclose()
    return response
