"""Regenerating one question: the slot stays, the topic changes, the history records it."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from question_api.generation.rules import are_near_duplicates, normalise_text
from tests.question_api.conftest import OpenAIStandIn, completion, error, questions_answer, serve
from tests.question_api.job_descriptions import JOBS
from tests.question_api.test_openai_generation import GOOD_QUESTIONS, JOB, messages

NURSE = next(job for job in JOBS if job.name == "registered_nurse").description


async def generate(client: httpx.AsyncClient, job: str = NURSE) -> dict[str, Any]:
    response = await client.post("/generate", json={"job_description": job})
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def regenerate(
    client: httpx.AsyncClient, set_id: str, question_id: str, **body: Any
) -> httpx.Response:
    url = f"/question-sets/{set_id}/questions/{question_id}/regenerate"
    return await client.post(url, json=body or None)


def assert_new_topic(new: dict[str, Any], old: dict[str, Any], others: list[dict[str, Any]]):
    assert new["text"] != old["text"]
    for other in [old, *others]:
        assert not are_near_duplicates(new["text"], other["text"])
    assert normalise_text(new["competency"]) not in {
        normalise_text(q["competency"]) for q in others
    }


@pytest.mark.parametrize("position", [1, 2, 3, 4, 5])
async def test_an_offline_question_is_replaced_in_its_slot_on_another_topic(
    client: httpx.AsyncClient, data_dir: Path, position: int
) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]
    old = generated["questions"][position - 1]
    others = [q for q in generated["questions"] if q["id"] != old["id"]]

    response = await regenerate(client, set_id, old["id"], reviewer="ana@hr")

    assert response.status_code == 200, response.text
    new = response.json()
    assert (new["id"], new["position"]) == (old["id"], old["position"])
    assert (new["type"], new["subtype"]) == (old["type"], old["subtype"])
    assert new["provider"] == "offline"
    assert new["status"] == "pending"
    assert_new_topic(new, old, others)
    lines = (data_dir / generated["file"]).read_text(encoding="utf-8").splitlines()
    assert lines[position - 1] == new["text"]
    stored = (await client.get(f"/question-sets/{set_id}")).json()
    assert stored["questions"][position - 1]["text"] == new["text"]


async def test_regenerating_is_recorded_and_an_approved_question_is_pending_again(
    client: httpx.AsyncClient,
) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]
    first = generated["questions"][0]
    await client.post(
        f"/question-sets/{set_id}/approve", json={"question_ids": [first["id"]], "reviewer": "a"}
    )

    new = (await regenerate(client, set_id, first["id"], reviewer="ana@hr")).json()

    history = (await client.get(f"/question-sets/{set_id}/history")).json()["items"]
    regenerated = [e for e in history if e["action"] == "regenerated"]
    assert len(regenerated) == 1
    assert regenerated[0] | {"id": 0, "created_at": ""} == {
        "id": 0,
        "question_id": first["id"],
        "action": "regenerated",
        "field": "text",
        "old_value": first["text"],
        "new_value": new["text"],
        "reviewer": "ana@hr",
        "created_at": "",
    }
    assert history[-1]["action"] == "status_changed"
    assert (history[-1]["old_value"], history[-1]["new_value"]) == ("approved", "pending")
    stored = (await client.get(f"/question-sets/{set_id}")).json()
    assert stored["status"] == "draft"  # its only approved question is pending again


async def test_regenerating_twice_gives_yet_another_question(client: httpx.AsyncClient) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]
    question = generated["questions"][2]

    once = (await regenerate(client, set_id, question["id"])).json()
    twice = (await regenerate(client, set_id, question["id"])).json()

    assert once["text"] != question["text"]
    assert twice["text"] != once["text"]


async def test_regenerating_an_unknown_question_is_404(client: httpx.AsyncClient) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]

    unknown_question = await regenerate(client, set_id, "nope")
    unknown_set = await regenerate(client, "nope", generated["questions"][0]["id"])

    assert unknown_question.status_code == 404
    assert unknown_question.json()["error"]["code"] == "question_not_found"
    assert unknown_set.status_code == 404
    assert unknown_set.json()["error"]["code"] == "question_set_not_found"


async def test_a_bad_regenerate_body_is_422(client: httpx.AsyncClient) -> None:
    generated = await generate(client)
    set_id, question_id = generated["question_set_id"], generated["questions"][0]["id"]

    response = await regenerate(client, set_id, question_id, reviewer=42)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "reviewer_invalid"


# --- through OpenAI -----------------------------------------------------------------------------

NEW_CODING = {
    "text": "Write a PostgreSQL migration that adds a booking reference without locking the table.",
    "competency": "PostgreSQL migrations",
    "expected_points": ["concurrent index", "backfill in batches"],
}


async def test_openai_writes_the_replacement_knowing_the_questions_it_must_avoid(
    openai_client: httpx.AsyncClient, stand_in: OpenAIStandIn
) -> None:
    stand_in.reply(questions_answer(GOOD_QUESTIONS), completion(json.dumps(NEW_CODING)))
    generated = await generate(openai_client, JOB)
    coding = generated["questions"][1]

    response = await regenerate(openai_client, generated["question_set_id"], coding["id"])

    assert response.status_code == 200, response.text
    new = response.json()
    assert new["text"] == NEW_CODING["text"]
    assert (new["type"], new["subtype"], new["provider"]) == ("technical", "coding", "openai")
    assert new["warnings"] == []
    body = stand_in.bodies[1]
    schema = body["response_format"]["json_schema"]["schema"]
    assert set(schema["required"]) == {"text", "competency", "expected_points"}
    system = messages(body)[0]["content"]
    assert 'subtype "coding"' in system
    for question in GOOD_QUESTIONS:  # the replaced one and the four kept ones
        assert question["text"] in system


async def test_a_replacement_that_repeats_a_kept_question_is_asked_again(
    openai_client: httpx.AsyncClient, stand_in: OpenAIStandIn
) -> None:
    repeat = {k: GOOD_QUESTIONS[0][k] for k in ("text", "competency", "expected_points")}
    stand_in.reply(
        questions_answer(GOOD_QUESTIONS),
        completion(json.dumps(repeat)),
        completion(json.dumps(NEW_CODING)),
    )
    generated = await generate(openai_client, JOB)

    response = await regenerate(
        openai_client, generated["question_set_id"], generated["questions"][1]["id"]
    )

    assert response.json()["text"] == NEW_CODING["text"]
    assert "choose another topic" in messages(stand_in.bodies[2])[-1]["content"]


async def test_with_the_fallback_an_unreachable_openai_replaces_it_offline(
    openai_app: Callable[..., FastAPI], stand_in: OpenAIStandIn
) -> None:
    stand_in.reply(questions_answer(GOOD_QUESTIONS), error(503))

    async with serve(openai_app(question_fallback="offline")) as client:
        generated = await generate(client, JOB)
        old = generated["questions"][2]
        response = await regenerate(client, generated["question_set_id"], old["id"])
        stored = (await client.get(f"/question-sets/{generated['question_set_id']}")).json()

    assert response.status_code == 200, response.text
    new = response.json()
    assert (new["provider"], new["subtype"]) == ("offline", "scenario")
    assert "could not be reached" in new["notice"]
    assert [q["provider"] for q in stored["questions"]] == [
        "openai",
        "openai",
        "offline",
        "openai",
        "openai",
    ]
