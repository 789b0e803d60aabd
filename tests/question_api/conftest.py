"""Fixtures for the question API: the app running in-process, and an OpenAI stand-in."""

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from question_api.main import build_app
from shared.settings import Settings

Reply = httpx2.Response | Callable[[httpx2.Request], httpx2.Response]


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Start the app (its lifespan included) and give a client that talks to it in-process."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://question-api"
        ) as client,
    ):
        yield client


def completion(content: str, *, model: str = "gpt-stand-in-2025") -> httpx2.Response:
    """A Chat Completions answer whose message is `content`."""
    return httpx2.Response(
        200,
        json={
            "id": "chatcmpl-stand-in",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": content, "refusal": None},
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        },
    )


SLOTS = ("tech_stack", "coding", "scenario", "extra", "hr")


def slotted(questions: list[dict[str, Any]]) -> dict[str, Any]:
    """Five questions in interview order (tech_stack, coding, scenario, extra, hr) as the
    slotted answer the schema asks for."""
    answer: dict[str, Any] = {}
    for slot, question in zip(SLOTS, questions, strict=False):
        fields = {k: question[k] for k in ("text", "competency", "expected_points")}
        if slot == "hr":
            fields["subtype"] = question["subtype"]
        if slot == "extra":
            fields |= {"type": question["type"], "subtype": question["subtype"]}
        answer[slot] = fields
    return answer


def questions_answer(questions: list[dict[str, Any]], **kwargs: Any) -> httpx2.Response:
    return completion(json.dumps(slotted(questions)), **kwargs)


def error(status: int, message: str = "stand-in error", **headers: str) -> httpx2.Response:
    body = {"error": {"message": message, "type": "error", "code": None, "param": None}}
    return httpx2.Response(status, json=body, headers=headers)


class OpenAIStandIn:
    """Speaks the Chat Completions wire format; replies in the order they were queued."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.requests: list[httpx2.Request] = []

    def reply(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self.replies:
            raise AssertionError("the OpenAI stand-in got a request it did not expect")
        reply = self.replies.pop(0)
        return reply(request) if callable(reply) else reply

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]


def openai_settings(settings: Settings, **overrides: Any) -> Settings:
    """Settings with an OpenAI key and no SDK retries (a retry would sleep)."""
    values: dict[str, Any] = {
        "openai_api_key": SecretStr("sk-test-secret-key"),
        "openai_base_url": "http://openai.stand-in/v1",
        "openai_model": "gpt-test",
        "openai_max_retries": 0,
        **overrides,
    }
    return settings.model_copy(update=values)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The question API without an OpenAI key: the offline generator writes the questions."""
    async with serve(build_app(settings)) as client:
        yield client


@pytest.fixture
def stand_in() -> OpenAIStandIn:
    return OpenAIStandIn()


@pytest.fixture
def openai_app(settings: Settings, stand_in: OpenAIStandIn) -> Callable[..., FastAPI]:
    """Builds the question API talking to the stand-in; keyword arguments override settings."""

    def build(**overrides: Any) -> FastAPI:
        http_client = httpx2.AsyncClient(transport=httpx2.MockTransport(stand_in))
        return build_app(openai_settings(settings, **overrides), openai_http_client=http_client)

    return build


@pytest.fixture
async def openai_client(openai_app: Callable[..., FastAPI]) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(openai_app()) as client:
        yield client
