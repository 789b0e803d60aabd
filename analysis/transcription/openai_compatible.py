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

import logging
from typing import Any, Literal

import httpx

from analysis.providers.http import ErrorInfo, ProviderClient
from analysis.transcription.audio import AudioChunk
from analysis.transcription.models import ChunkTranscript
from shared.http import FilePart, MultipartBody, RetryPolicy

logger = logging.getLogger(__name__)

ResponseFormat = Literal["verbose_json", "json"]
DEFAULT_BASE_URL = "https://api.openai.com/v1"
# OpenAI's advice for keeping disfluencies: a prompt written in the style to keep
FILLER_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."
STEP = "transcription"


def read_openai_error(response: httpx.Response) -> ErrorInfo:
    """An OpenAI-style error answer (`{"error": {"message", "type", "param", "code"}}`), or a
    FastAPI-based server's `{"detail": ...}`."""
    error = _error(response)
    code = error.get("code")
    return ErrorInfo(
        code=code if isinstance(code, str) and code else None,
        message=str(error.get("message") or "")[:500],
        body=response.text[:2000],
    )


def openai_client(
    title: str,
    base_url: str | None,
    *,
    key_setting: str,
    timeout_seconds: float,
    policy: RetryPolicy,
    concurrency: int | None = None,
    client: httpx.AsyncClient | None = None,
) -> ProviderClient:
    """The shared provider client for an OpenAI-compatible server."""

    def advice(status: int, info: ErrorInfo, step: str) -> str | None:
        if status in (401, 403):
            return f"{title} refused the key ({key_setting}): HTTP {status}."
        if status == 413:
            return f"{title} refused the {step} as too large."
        return None

    return ProviderClient(
        title,
        base_url or DEFAULT_BASE_URL,
        read_error=read_openai_error,
        http_client=client,
        policy=policy,
        timeout=httpx.Timeout(timeout_seconds, connect=15.0),
        concurrency=concurrency,
        advice=advice,
    )


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
        self._language = language
        self._prompt = prompt
        self._http = openai_client(
            "The transcription endpoint",
            base_url,
            key_setting="TRANSCRIPTION_API_KEY, or OPENAI_API_KEY when that is unset",
            timeout_seconds=timeout_seconds,
            policy=policy or RetryPolicy(max_attempts=4, deadline=900),
            concurrency=max_concurrent,
            client=client,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

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
        body = self._http.json_object(self._http.check(response, STEP), STEP)
        return _parse(body, self._language, self._http), response_format

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
            body = MultipartBody(fields, file)  # made again for each attempt: sent whole
            headers = {**body.headers, "Authorization": f"Bearer {self._api_key}"}
            return await self._http.request(
                "POST", "/audio/transcriptions", content=body.stream(), headers=headers
            )

        return await self._http.send(STEP, send)


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


def _parse(body: dict[str, Any], language: str | None, http: ProviderClient) -> ChunkTranscript:
    text = body.get("text")
    if not isinstance(text, str):
        raise http.invalid_response(STEP, "has no text", raw=body)
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
