"""A stand-in for OpenAI's `POST /v1/chat/completions` with structured output.

It answers with `fake.reply` (a dict the model would write) as the message content, in the real
envelope (`choices[0].message.content` holding JSON text, `refusal` null). `fake.invent_quotes`
makes it behave as models sometimes do: for each covered point it adds a quote that is not in
the transcript. Faults: `fake.script(429, 500, "not_json")`, one per request.
"""

import json
from typing import Any

import httpx

BASE_URL = "https://api.openai.test/v1"
API_KEY = "sk-test-chat"


class FakeChatAPI:
    def __init__(self) -> None:
        self.reply: dict[str, Any] = {}
        self.invent_quotes = False
        self.faults: list[int | str] = []
        self.requests: list[dict[str, Any]] = []

    def script(self, *faults: int | str) -> None:
        self.faults.extend(faults)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/chat/completions"
        body = json.loads(request.read())
        self.requests.append(body)
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        if self.faults:
            fault = self.faults.pop(0)
            if fault == "not_json":
                return _completion('{"points": [')  # cut off
            status = int(fault)
            return _error(
                status, "try later", None, {"retry-after": "1"} if status == 429 else None
            )
        reply = json.loads(json.dumps(self.reply))
        if self.invent_quotes:
            for point in reply["points"]:
                if point["status"] != "missing":
                    point["quotes"] = ["I have ten years of Kubernetes experience"]
        return _completion(json.dumps(reply))


def _completion(content: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": "stop",
                }
            ],
        },
    )


def _error(
    status: int, message: str, code: str | None, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    }
    return httpx.Response(status, json=body, headers=headers)
