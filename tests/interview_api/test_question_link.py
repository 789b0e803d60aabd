"""Starting an interview from a question set: the snapshot, and every way the link can fail.

The question API here is a local stand-in serving the documented `GET /question-sets/{id}`
shape (`test_question_api_in_process.py` runs the real one).
"""

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from pydantic import SecretStr

from interview_api.main import build_app
from interview_api.question_client import QuestionApiClient
from shared.http import RetryPolicy
from shared.settings import Settings
from tests.conftest import RecordedSleeps
from tests.interview_api.conftest import QuestionSets, serve


async def test_the_interview_keeps_a_snapshot_of_the_approved_questions(
    client_with_questions: httpx.AsyncClient, question_sets: QuestionSets
) -> None:
    client = client_with_questions
    response = await client.post(
        "/start-interview", json={"question_set_id": "set-1", "candidate_id": "c"}
    )
    assert response.status_code == 201
    started = response.json()
    assert started["question_set_id"] == "set-1"
    assert started["questions"] == [
        {
            "id": f"set-1-q{original}",
            "position": position,
            "text": f"Question {original} of set-1?",
            "type": "technical" if original < 5 else "hr",
            "subtype": "tech_stack" if original < 5 else "general",
        }
        for position, original in enumerate((1, 3, 5), start=1)
    ]

    # The reviewer edits and re-approves the set afterwards: the interview does not change.
    question_sets.sets["set-1"][0]["text"] = "An edited question?"
    question_sets.sets["set-1"][1]["status"] = "approved"
    fetched = (await client.get(f"/interviews/{started['interview_id']}")).json()
    assert fetched["questions"] == started["questions"]
    later = (await client.post("/start-interview", json={"question_set_id": "set-1"})).json()
    assert len(later["questions"]) == 4
    assert later["questions"][0]["text"] == "An edited question?"


async def test_an_unknown_question_set_is_404(client_with_questions: httpx.AsyncClient) -> None:
    response = await client_with_questions.post(
        "/start-interview", json={"question_set_id": "missing"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "question_set_not_found"


async def test_a_set_without_approved_questions_is_409(
    client_with_questions: httpx.AsyncClient, question_sets: QuestionSets
) -> None:
    question_sets.add("draft", ["pending", "rejected", "pending", "pending", "pending"])
    response = await client_with_questions.post(
        "/start-interview", json={"question_set_id": "draft"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_approved_questions"
    listed = (await client_with_questions.get("/interviews")).json()
    assert listed["total"] == 0


async def test_the_service_credential_is_sent_never_an_admin_key(
    settings: Settings, question_sets: QuestionSets, fast_policy: RetryPolicy
) -> None:
    settings = settings.model_copy(
        update={"api_keys": "key-one, key-two", "service_api_key": SecretStr("svc-key")}
    )
    questions = QuestionApiClient.from_settings(
        settings, policy=fast_policy, transport=httpx.ASGITransport(question_sets.app())
    )
    async with serve(build_app(settings, question_client=questions)) as client:
        response = await client.post(
            "/start-interview", json={"question_set_id": "set-1"}, headers={"X-API-Key": "key-two"}
        )
    await questions.aclose()
    assert response.status_code == 201
    assert question_sets.api_keys_seen == ["svc-key"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@asynccontextmanager
async def interview_api_with(
    settings: Settings, policy: RetryPolicy, transport: httpx.AsyncBaseTransport | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    questions = QuestionApiClient.from_settings(settings, policy=policy, transport=transport)
    try:
        async with serve(build_app(settings, question_client=questions)) as client:
            yield client
    finally:
        await questions.aclose()


async def test_a_question_api_that_is_down_gives_503_after_bounded_retries(
    settings: Settings, fast_policy: RetryPolicy, sleeps: RecordedSleeps
) -> None:
    settings = settings.model_copy(update={"question_api_url": f"http://127.0.0.1:{closed_port()}"})
    async with interview_api_with(settings, fast_policy) as client:
        response = await client.post("/start-interview", json={"question_set_id": "set-1"})
        listed = (await client.get("/interviews")).json()
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "question_api_unavailable"
    assert "QUESTION_API_URL" in error["message"]
    assert len(sleeps) == fast_policy.max_attempts - 1  # retried, without really waiting
    assert listed["total"] == 0


def answering(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    calls: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return handler(request)

    transport = httpx.MockTransport(record)
    transport.calls = calls  # type: ignore[attr-defined]
    return transport


async def test_a_failing_or_slow_question_api_gives_503(
    settings: Settings, fast_policy: RetryPolicy, sleeps: RecordedSleeps
) -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    for handler in (lambda _: httpx.Response(502, text="bad gateway"), timeout):
        sleeps.clear()
        transport = answering(handler)
        async with interview_api_with(settings, fast_policy, transport) as client:
            response = await client.post("/start-interview", json={"question_set_id": "set-1"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "question_api_unavailable"
        assert len(transport.calls) == fast_policy.max_attempts  # type: ignore[attr-defined]
        assert len(sleeps) == fast_policy.max_attempts - 1


async def test_a_url_that_is_not_the_question_api_gives_502(
    settings: Settings, fast_policy: RetryPolicy
) -> None:
    cases = [
        httpx.Response(404, json={"detail": "Not Found"}),
        httpx.Response(200, text="<html>hello</html>"),
        httpx.Response(200, json={"unexpected": True}),
    ]
    for answer in cases:
        transport = answering(lambda _, answer=answer: answer)  # type: ignore[misc]
        async with interview_api_with(settings, fast_policy, transport) as client:
            response = await client.post("/start-interview", json={"question_set_id": "set-1"})
        assert response.status_code == 502, answer
        assert response.json()["error"]["code"] == "question_api_bad_response"
        assert "QUESTION_API_URL" in response.json()["error"]["message"]
