"""Speech to text through an OpenAI-compatible `POST /v1/audio/transcriptions`.

OpenAI itself, or a local server that speaks the same API (speaches, formerly
faster-whisper-server). Nothing here depends on one model's name: the first request asks for
`verbose_json` with word and segment timestamps; a server or model that refuses that format
(OpenAI's gpt-4o*-transcribe models answer 400 naming `response_format`) is asked again with
`json`, which carries the text only, and the choice is kept for the rest of the answer.

Requests go through the one retry policy (`shared.http`): backoff with jitter on 429, 5xx and
timeouts, `Retry-After` honoured, no retry on other 4xx, one deadline. The audio file is streamed
from disk and re-sent whole on a retry.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from analysis.providers.base import ProviderFailure, json_object
from analysis.transcription.audio import AudioChunk
from analysis.transcription.models import ChunkTranscript
from shared.http import FilePart, MultipartBody, RetryPolicy, send_with_retry

logger = logging.getLogger(__name__)

ResponseFormat = Literal["verbose_json", "json"]
DEFAULT_BASE_URL = "https://api.openai.com/v1"
# OpenAI's advice for keeping disfluencies: a prompt written in the style to keep
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."


class OpenAITranscriber:
    """One chunk at a time, through an OpenAI-compatible transcription endpoint."""

    provider = "openai"

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None = None,
        language: str | None = None,
        prompt: str | None = FILLER_PROMPT,
        timeout_seconds: float = 300.0,
        max_chunk_seconds: float = 600.0,
        max_concurrent: int = 2,
        policy: RetryPolicy | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.model = model
        # gpt-4o-transcribe takes at most 1500 s a request; shorter pieces also retry cheaper
        self.max_chunk_seconds = max_chunk_seconds
        self._api_key = api_key
        self._url = f"{(base_url or DEFAULT_BASE_URL).rstrip('/')}/audio/transcriptions"
        self._language = language
        self._prompt = prompt
        self._timeout = httpx.Timeout(timeout_seconds, connect=15.0)
        self._policy = policy or RetryPolicy(max_attempts=4, deadline=900)
        self._client = client or httpx.AsyncClient()
        self._owns_client = client is None
        self._slots = asyncio.Semaphore(max_concurrent)  # requests in flight, every answer

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def transcribe_chunk(self, chunk: AudioChunk, memo: dict[str, Any]) -> ChunkTranscript:
        """`transcribe` with the format remembered in `memo` (kept across chunks and restarts)."""
        asked = memo.get("response_format", "verbose_json")
        transcript, memo["response_format"] = await self.transcribe(
            chunk, "json" if asked == "json" else "verbose_json"
        )
        return transcript

    async def transcribe(
        self, chunk: AudioChunk, response_format: ResponseFormat = "verbose_json"
    ) -> tuple[ChunkTranscript, ResponseFormat]:
        """The chunk's transcript, and the format that worked (keep it for the next chunk)."""
        response = await self._post(chunk, response_format)
        if response_format == "verbose_json" and _refuses_verbose(response):
            logger.info("%s does not give timestamps; asking for json instead", self.model)
            await response.aclose()
            response_format = "json"
            response = await self._post(chunk, response_format)
        if not response.is_success:
            raise http_failure(response, TRANSCRIPTION_SERVER)
        body = json_object(
            response,
            code="provider_invalid_response",
            message="The transcription server answered with something that is not a JSON object.",
        )
        return _parse(body, self._language), response_format

    async def _post(self, chunk: AudioChunk, response_format: ResponseFormat) -> httpx.Response:
        fields = [("model", self.model), ("response_format", response_format)]
        if response_format == "verbose_json":
            fields += [
                ("timestamp_granularities[]", "word"),
                ("timestamp_granularities[]", "segment"),
            ]
        if self._language:
            fields.append(("language", self._language))
        if self._prompt:
            fields.append(("prompt", self._prompt))
        file = FilePart(chunk.path, chunk.filename, chunk.content_type, chunk.size_bytes)

        async def send() -> httpx.Response:
            body = MultipartBody(fields, file)
            async with self._slots:
                return await self._client.post(
                    self._url,
                    content=body.stream(),
                    headers={**body.headers, "Authorization": f"Bearer {self._api_key}"},
                    timeout=self._timeout,
                )

        return await send_retrying(send, self._policy, TRANSCRIPTION_SERVER)


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return error
    if isinstance(body, dict) and isinstance(body.get("detail"), str):  # FastAPI-based servers
        return {"message": body["detail"]}
    return {}


def _refuses_verbose(response: httpx.Response) -> bool:
    """A 400 that is about the response format or the timestamps, not about the audio."""
    if response.status_code not in (400, 422):
        return False
    error = _error(response)
    about = f"{error.get('param') or ''} {error.get('message') or ''}".lower()
    return any(word in about for word in ("response_format", "verbose_json", "timestamp"))


@dataclass(frozen=True)
class Server:
    """An OpenAI-compatible server as error messages name it: what it is, the key setting."""

    what: str
    key_setting: str
    code_prefix: str


TRANSCRIPTION_SERVER = Server(
    "transcription server",
    "TRANSCRIPTION_API_KEY, or OPENAI_API_KEY when that is unset",
    "transcription",
)


async def send_retrying(
    send: Callable[[], Awaitable[httpx.Response]], policy: RetryPolicy, server: Server
) -> httpx.Response:
    """`send` under the retry policy; a network failure that outlasts it is a retryable
    `ProviderFailure` (`provider_timeout`, `provider_unavailable`)."""
    try:
        return await send_with_retry(send, policy, what=server.what)
    except httpx.TimeoutException as exc:
        raise ProviderFailure(
            "provider_timeout",
            f"The {server.what} did not answer in time; try again later.",
            retryable=True,
        ) from exc
    except httpx.TransportError as exc:
        raise ProviderFailure(
            "provider_unavailable",
            f"The {server.what} could not be reached ({type(exc).__name__}).",
            retryable=True,
        ) from exc


def http_failure(response: httpx.Response, server: Server) -> ProviderFailure:
    """A final error answer of an OpenAI-compatible server as a `ProviderFailure`."""
    status = response.status_code
    message = str(_error(response).get("message") or "")[:500]
    raw = {"status": status, "body": response.text[:2000]}
    if status in (401, 403):
        return ProviderFailure(
            f"{server.code_prefix}_auth",
            f"The {server.what} refused the key ({server.key_setting}): HTTP {status}.",
            raw=raw,
        )
    if status == 413:
        return ProviderFailure(
            f"{server.code_prefix}_too_large",
            f"The {server.what} refused the request as too large: {message}",
            raw=raw,
        )
    if status == 429:
        return ProviderFailure(
            "provider_rate_limited",
            f"The {server.what} is rate limiting or out of quota: {message}",
            retryable=True,
            raw=raw,
        )
    if status >= 500 or status == 408:
        return ProviderFailure(
            "provider_unavailable",
            f"The {server.what} failed (HTTP {status}); try again later.",
            retryable=True,
            raw=raw,
        )
    return ProviderFailure(
        f"{server.code_prefix}_rejected",
        f"The {server.what} refused the request (HTTP {status}): {message or 'no message'}",
        raw=raw,
    )


def _parse(body: dict[str, Any], language: str | None) -> ChunkTranscript:
    text = body.get("text")
    if not isinstance(text, str):
        raise ProviderFailure(
            "provider_invalid_response",
            "The transcription server's answer has no text.",
            retryable=True,
            raw=body,
        )
    words = _parts(body.get("words"), "word")
    segments = _parts(body.get("segments"), "text") or []
    detected = body.get("language")
    return ChunkTranscript(
        text=text.strip(),
        language=detected if isinstance(detected, str) and detected else language,
        words=words,
        segments=segments,
    )


def _parts(items: Any, key: str) -> list[tuple[str, float, float]] | None:
    if not isinstance(items, list):
        return None
    parts = []
    for item in items:
        try:
            parts.append((str(item[key]).strip(), float(item["start"]), float(item["end"])))
        except (KeyError, TypeError, ValueError):
            continue  # one odd entry costs its own timestamp, not the transcript
    return parts
