"""A stand-in for OpenAI's `POST /v1/audio/transcriptions`, speaking its wire format.

Use it as the handler of an `httpx.MockTransport` (`fake.client()` gives a ready client). As the
real service does, it:
- takes multipart/form-data: `file`, `model`, `response_format` (`json` or `verbose_json`),
  repeated `timestamp_granularities[]`, `language`, `prompt`;
- answers `json` with `{"text", "usage"}`; `verbose_json` with `task`, `language` (a name such
  as "english"), `duration`, `text`, `segments`, and `words` only when word timestamps were
  asked for;
- refuses `verbose_json` for models in `json_only_models` (as gpt-4o-transcribe does) with 400
  `unsupported_value` naming `response_format`;
- with `gives_words` off, answers `verbose_json` with segments only, as a server whose model has
  no word timestamps does;
- refuses a body over 25 MiB with 413 "Maximum content size limit (26214400) exceeded (N bytes
  read)", `type: server_error`, `code: null`;
- refuses a wrong key with 401 `invalid_api_key`.

It "hears" the words of `fake.answers` (one text per request, in order; the default repeats
"word"), spread evenly over the uploaded audio's real duration, which it decodes with PyAV, so a
request whose audio is broken fails here as it would there.

Faults are scripted one request at a time: `fake.script(None, Fault.RATE_LIMITED)` serves the
first request and answers the second with a 429.
"""

import email.parser
import email.policy
import io
import itertools
from enum import StrEnum
from typing import Any

import av
import httpx

BASE_URL = "https://api.openai.test/v1"
API_KEY = "sk-test-transcription"
SIZE_LIMIT = 26_214_400


class Fault(StrEnum):
    RATE_LIMITED = "rate_limited"  # 429 with Retry-After (fake.retry_after seconds)
    SERVER_ERROR = "server_error"  # 500
    TIMEOUT = "timeout"  # httpx.ReadTimeout
    INVALID_JSON = "invalid_json"  # 200 with an HTML page


class FakeTranscriptionAPI:
    def __init__(self, *, json_only_models: tuple[str, ...] = ("gpt-4o-transcribe",)) -> None:
        self.json_only_models = json_only_models
        self.size_limit = SIZE_LIMIT
        self.gives_words = True
        self.retry_after = 2
        self.answers: list[str] = []
        self.faults: list[Fault | None] = []  # None: serve that request normally
        self.requests: list[dict[str, Any]] = []  # every request: fields, file, headers
        self.served = 0
        self._ids = itertools.count(1)

    def script(self, *faults: Fault | None) -> None:
        self.faults.extend(faults)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/audio/transcriptions", request.url
        body = request.read()
        fields, files = _parse_multipart(request.headers.get("content-type", ""), body)
        self.requests.append({"fields": fields, "files": files, "headers": request.headers})
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return _error(
                401, "Incorrect API key provided.", "invalid_request_error", code="invalid_api_key"
            )
        if len(body) > self.size_limit:
            return _error(
                413,
                f"Maximum content size limit ({self.size_limit}) exceeded ({len(body)} bytes read)",
                "server_error",
            )
        fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            if fault is Fault.TIMEOUT:
                raise httpx.ReadTimeout("timed out", request=request)
            if fault is Fault.RATE_LIMITED:
                return _error(
                    429,
                    "Rate limit reached for requests",
                    "requests",
                    code="rate_limit_exceeded",
                    headers={"retry-after": str(self.retry_after)},
                )
            if fault is Fault.SERVER_ERROR:
                return _error(
                    500, "The server had an error processing your request.", "server_error"
                )
            return httpx.Response(
                200, text="<html>502 Bad Gateway</html>", headers={"content-type": "text/html"}
            )
        model = _one(fields, "model")
        response_format = _one(fields, "response_format") or "json"
        if response_format == "verbose_json" and model in self.json_only_models:
            return _error(
                400,
                f"response_format 'verbose_json' is not compatible with model '{model}'. "
                "Use 'json' or 'text' instead.",
                "invalid_request_error",
                param="response_format",
                code="unsupported_value",
            )
        if "file" not in files:
            return _error(400, "Missing file", "invalid_request_error", param="file")
        duration = _duration(files["file"][2])
        text = self.answers[self.served] if self.served < len(self.answers) else "word word word"
        self.served += 1
        if response_format == "json":
            return httpx.Response(
                200, json={"text": text, "usage": {"type": "duration", "seconds": round(duration)}}
            )
        granularities = [v for k, v in fields if k == "timestamp_granularities[]"] or ["segment"]
        if not self.gives_words:
            granularities = [g for g in granularities if g != "word"] or ["segment"]
        return httpx.Response(200, json=_verbose(text, duration, granularities))


def _verbose(text: str, duration: float, granularities: list[str]) -> dict[str, Any]:
    words = text.split()
    step = duration / max(len(words), 1)
    answer: dict[str, Any] = {
        "task": "transcribe",
        "language": "english",
        "duration": round(duration, 2),
        "text": text,
    }
    if "word" in granularities:
        answer["words"] = [
            {"word": w, "start": round(i * step, 2), "end": round((i + 0.8) * step, 2)}
            for i, w in enumerate(words)
        ]
    if "segment" in granularities:
        answer["segments"] = [
            {
                "id": 0,
                "seek": 0,
                "start": 0.0,
                "end": round(duration, 2),
                "text": f" {text}",
                "tokens": [],
                "temperature": 0.0,
                "avg_logprob": -0.2,
                "compression_ratio": 1.2,
                "no_speech_prob": 0.01,
            }
        ]
    return answer


def _duration(data: bytes) -> float:
    with av.open(io.BytesIO(data), mode="r") as container:
        stream = container.streams.audio[0]
        samples: int = sum(f.samples for f in container.decode(stream))
        return samples / stream.rate


def _error(
    status: int,
    message: str,
    kind: str,
    *,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return httpx.Response(status, json=body, headers=headers)


def _one(fields: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in fields if key == name), None)


def _parse_multipart(
    content_type: str, body: bytes
) -> tuple[list[tuple[str, str]], dict[str, tuple[str, str, bytes]]]:
    """The fields (in order, names may repeat) and files of a multipart/form-data body."""
    if not content_type.startswith("multipart/form-data"):
        return [], {}
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    fields: list[tuple[str, str]] = []
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if (filename := part.get_filename()) is not None:
            files[name] = (filename, part.get_content_type(), data)
        else:
            fields.append((name, data.decode()))
    return fields, files
