"""The language models behind the console's system: OpenAI-compatible stand-ins.

One chat completions endpoint serves both services, as `OPENAI_API_KEY` and `OPENAI_BASE_URL`
do: the question API's generation (structured output, the `SlottedQuestionSet` schema) and the
analysis's answer evaluation (strict JSON schema `answer_evaluation`). Each request is told
apart by its schema's name. The evaluation judges the first expected point covered and quotes
the transcript word for word (so the quote is found in it, and a click on it seeks); the other
points are missing. Transcription is `FakeTranscriptionAPI` hearing `ANSWER` in every answer.
"""

import json
import re
from typing import Any

import httpx

from tests.analysis.fakes.openai_chat import API_KEY as CHAT_KEY
from tests.analysis.fakes.openai_chat import FakeChatAPI, _completion
from tests.analysis.fakes.openai_transcription import FakeTranscriptionAPI

# What every answer says; spread evenly over the answer's sound by the transcription stand-in.
ANSWER = (
    "I would start with an invoice table and a line item table in PostgreSQL then expose them "
    "through a small REST API with Django and test every endpoint"
)
QUOTE_WORDS = slice(14, 18)  # "then expose them through": a quote away from the answer's start

QUESTIONS: dict[str, dict[str, Any]] = {
    "tech_stack": {
        "text": "How do you keep Django ORM queries fast on large PostgreSQL tables?",
        "competency": "Django and PostgreSQL",
        "expected_points": ["select_related and prefetch_related", "indexes and query plans"],
    },
    "coding": {
        "text": "Write a Django REST endpoint that lists a customer's invoices, with its tests.",
        "competency": "REST APIs",
        "expected_points": ["pagination", "permissions per customer", "tests"],
    },
    "scenario": {
        "text": "An API release doubles the PostgreSQL load. How do you find out why in Python?",
        "competency": "incident response",
        "expected_points": ["roll back first", "query logs and metrics", "a regression test"],
    },
    "extra": {
        "text": "How do you review a teammate's Python pull request so that it teaches?",
        "competency": "code review",
        "expected_points": ["explain the why", "small focused comments"],
        "type": "technical",
        "subtype": "general",
    },
    "hr": {
        "text": "Tell us about a time you mentored a junior developer on a small team.",
        "competency": "mentoring",
        "expected_points": ["listened first", "a concrete result"],
        "subtype": "general",
    },
}


class ConsoleModels:
    """The chat and transcription stand-ins of the console's system, as `httpx` handlers."""

    def __init__(self) -> None:
        self.transcription = FakeTranscriptionAPI()
        self.transcription.answers = [ANSWER] * 100
        self.chat = FakeChatAPI()  # its key, its envelope and its faults
        self.evaluations: list[dict[str, Any]] = []

    def chat_handler(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read())
        schema = body.get("response_format", {}).get("json_schema", {})
        if request.headers.get("authorization") != f"Bearer {CHAT_KEY}":
            return self.chat.handler(request)  # the fake's own 401
        if schema.get("name") == "answer_evaluation":
            assert schema.get("strict") is True, schema
            self.evaluations.append(body)
            return _completion(json.dumps(evaluation(body["messages"][-1]["content"])))
        if schema.get("name") == "SlottedQuestionSet":
            return _completion(json.dumps(QUESTIONS))
        extra = QUESTIONS["extra"]
        return _completion(
            json.dumps({k: extra[k] for k in ("text", "competency", "expected_points")})
        )


def evaluation(prompt: str) -> dict[str, Any]:
    """The model's judgement of the answer in `prompt` (see the module's docstring)."""
    points = re.findall(r"^\d+\. (.+)$", prompt, flags=re.M)
    spoken = prompt.split("<transcript>", 1)[1].split("</transcript>", 1)[0].split()
    quote = " ".join(spoken[QUOTE_WORDS])
    judged = [
        {"point": point, "status": "covered" if i == 0 and quote else "missing",
         "quotes": [quote] if i == 0 and quote else []}
        for i, point in enumerate(points)
    ]  # fmt: skip
    return {
        "points": judged,
        "summary": "The answer outlines a data model and an API. It says little about speed.",
        "strengths": ["a clear data model"],
        "gaps": ["no word on query speed"],
    }
