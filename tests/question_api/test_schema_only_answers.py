"""Against a server whose answers only follow the response schema, every description gets
five balanced questions: the schema itself carries the mix."""

import json
import random
import string
from typing import Any

import httpx
import httpx2
import pytest

from tests.question_api.conftest import OpenAIStandIn, completion
from tests.question_api.job_descriptions import JOBS


def instance(schema: dict[str, Any], defs: dict[str, Any], rng: random.Random) -> Any:
    """A random value that follows `schema` (the subset strict structured output uses)."""
    if "$ref" in schema:
        return instance(defs[schema["$ref"].rsplit("/", 1)[1]], defs, rng)
    if "anyOf" in schema:
        return instance(rng.choice(schema["anyOf"]), defs, rng)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    kind = schema["type"]
    if kind == "object":
        return {name: instance(sub, defs, rng) for name, sub in schema["properties"].items()}
    if kind == "array":
        count = rng.randint(schema.get("minItems", 0), schema.get("maxItems", 6))
        return [instance(schema["items"], defs, rng) for _ in range(count)]
    assert kind == "string", schema
    assert schema.get("pattern") in (None, r"\S")
    words = rng.randint(1, 12)
    return " ".join(
        "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9))) for _ in range(words)
    )


def schema_only(seed: int) -> Any:
    """A stand-in reply: whatever the request's schema allows, nothing more."""
    rng = random.Random(seed)

    def reply(request: httpx2.Request) -> httpx2.Response:
        schema = json.loads(request.content)["response_format"]["json_schema"]["schema"]
        return completion(json.dumps(instance(schema, schema.get("$defs", {}), rng)))

    return reply


@pytest.mark.parametrize("job", JOBS, ids=[job.name for job in JOBS])
async def test_every_schema_valid_answer_gives_five_balanced_questions(
    openai_client: httpx.AsyncClient, stand_in: OpenAIStandIn, job: Any
) -> None:
    seed = sum(map(ord, job.name))
    stand_in.reply(schema_only(seed), schema_only(seed + 1))

    response = await openai_client.post("/generate", json={"job_description": job.description})

    assert response.status_code == 201, response.text
    answer = response.json()
    questions = answer["questions"]
    assert len(questions) == 5
    technical = {q["subtype"] for q in questions if q["type"] == "technical"}
    assert {"tech_stack", "coding", "scenario"} <= technical
    hr = [q for q in questions if q["type"] == "hr"]
    assert hr
    assert all(q["subtype"] in ("general", "scenario") for q in hr)
    assert {q["provider"] for q in questions} == {"openai"}
    # Random words are grounded in nothing: the reviewer is told so instead of a 502.
    assert any(w.startswith("grounding:") for w in answer["warnings"])
    assert len(stand_in.requests) == 2
