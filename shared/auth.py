"""API keys: when `API_KEYS` is set, every API route wants a matching `X-API-Key`."""

import hmac

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from shared.errors import Unauthorized
from shared.settings import Settings

_header = APIKeyHeader(name="X-API-Key", auto_error=False)


async def require_api_key(request: Request, key: str | None = Depends(_header)) -> None:
    settings: Settings = request.app.state.settings
    accepted = settings.api_key_list
    if not accepted:
        return
    if key is None or not any(hmac.compare_digest(key, ok) for ok in accepted):
        raise Unauthorized(
            "A valid API key is required: send it in the X-API-Key header.",
            code="invalid_api_key",
        )
