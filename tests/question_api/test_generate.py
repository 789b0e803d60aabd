"""POST /generate without an OpenAI key: the answer, the stored set, the file, bad input."""

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

JOB = (
    "Python developer with Django and DSA skills, building REST APIs on PostgreSQL in a small "
    "product team."
)


async def test_without_a_key_the_offline_generator_answers_201(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/generate",
        json={
            "job_description": JOB,
            "language": "Python",
            "role_title": "Backend engineer",
            "seniority": "mid",
            "output_language": "en",
        },
    )

    assert response.status_code == 201, response.text
    answer = response.json()
    set_id = answer["question_set_id"]
    assert answer["status"] == "draft"
    assert answer["provider"] == "offline"
    assert answer["model"] == "offline-v1"
    assert "OPENAI_API_KEY" in answer["notice"]
    assert answer["warnings"] == []
    assert answer["file"] == f"generated_questions/questions_{set_id}.txt"
    assert answer["created_at"].endswith("Z")
    questions = answer["questions"]
    assert [q["position"] for q in questions] == [1, 2, 3, 4, 5]
    for question in questions:
        assert set(question) == {
            "id",
            "position",
            "text",
            "type",
            "subtype",
            "competency",
            "expected_points",
            "provider",
            "status",
        }
        assert question["status"] == "pending"
        assert question["provider"] == "offline"
        assert question["type"] in {"technical", "hr"}
        assert question["subtype"] in {"scenario", "tech_stack", "coding", "general"}
    assert "Django" in " ".join(q["text"] for q in questions)


async def test_the_text_file_holds_exactly_one_question_per_line(
    client: httpx.AsyncClient, data_dir: Path
) -> None:
    response = await client.post("/generate", json={"job_description": JOB})
    answer = response.json()

    content = (data_dir / answer["file"]).read_bytes().decode("utf-8")

    assert content == "".join(f"{q['text']}\n" for q in answer["questions"])
    assert content.count("\n") == 5
    # Nothing but the file itself is left behind (no temporary files).
    assert [p.name for p in (data_dir / "generated_questions").iterdir()] == [
        f"questions_{answer['question_set_id']}.txt"
    ]


async def test_the_stored_set_answers_the_same_as_generate(client: httpx.AsyncClient) -> None:
    generated = (await client.post("/generate", json={"job_description": JOB})).json()

    stored = (await client.get(f"/question-sets/{generated['question_set_id']}")).json()

    assert stored == generated
    assert stored["job_description"] == JOB


async def test_seniority_is_read_in_any_case(client: httpx.AsyncClient) -> None:
    response = await client.post("/generate", json={"job_description": JOB, "seniority": "Senior"})

    assert response.status_code == 201
    assert response.json()["seniority"] == "senior"


async def test_the_same_idempotency_key_and_body_give_the_first_answer(
    client: httpx.AsyncClient, data_dir: Path
) -> None:
    headers = {"Idempotency-Key": "offline-1"}

    first = await client.post("/generate", json={"job_description": JOB}, headers=headers)
    again = await client.post("/generate", json={"job_description": JOB}, headers=headers)
    other = await client.post(
        "/generate", json={"job_description": JOB + " Remote."}, headers=headers
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert (await client.get("/question-sets")).json()["total"] == 1
    assert len(list((data_dir / "generated_questions").iterdir())) == 1


async def test_requests_without_a_key_each_make_a_new_set(client: httpx.AsyncClient) -> None:
    first = await client.post("/generate", json={"job_description": JOB})
    second = await client.post("/generate", json={"job_description": JOB})

    assert first.json()["question_set_id"] != second.json()["question_set_id"]


@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        ({}, "job_description_missing", "job_description is required"),
        ({"role_title": "Nurse"}, "job_description_missing", "required"),
        ({"job_description": None}, "job_description_missing", "required"),
        ({"job_description": "   \n\t "}, "job_description_blank", "blank"),
        ({"job_description": "Python dev"}, "job_description_too_short", "at least 20"),
        (
            {"job_description": "a b c d e f g h i j k l m n o p q r s"},
            "job_description_too_short",
            "19",
        ),
        ({"job_description": "x" * 20_001}, "job_description_too_long", "20000"),
        ({"job_description": 12345678901234567890}, "job_description_not_text", "text"),
        ({"job_description": JOB, "seniority": "guru"}, "seniority_invalid", "junior, mid"),
        ({"job_description": JOB, "seniority": 3}, "seniority_invalid", "principal"),
        ({"job_description": JOB, "output_language": "english"}, "output_language_invalid", "en"),
        ({"job_description": JOB, "output_language": 7}, "output_language_invalid", "code"),
        ({"job_description": JOB, "language": "P" * 51}, "language_invalid", "50"),
        ({"job_description": JOB, "role_title": "R" * 201}, "role_title_invalid", "200"),
        ({"job_description": JOB, "role_title": ["a"]}, "role_title_invalid", "text"),
    ],
)
async def test_bad_input_is_422_with_a_code_per_case(
    client: httpx.AsyncClient, body: dict[str, Any], code: str, says: str
) -> None:
    response = await client.post("/generate", json=body)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert says in error["message"]


async def test_exactly_twenty_visible_characters_are_enough(client: httpx.AsyncClient) -> None:
    response = await client.post("/generate", json={"job_description": "Nurse: wound care on ICU"})

    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "job_description_missing"),
        (b"null", "job_description_missing"),
        (b'{"job_description": "Python developer', "invalid_json"),
        (b'["Python developer with Django and DSA skills"]', "request_body_not_object"),
        (b'"Python developer with Django and DSA skills"', "request_body_not_object"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_422(
    client: httpx.AsyncClient, content: bytes, code: str
) -> None:
    response = await client.post(
        "/generate", content=content, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


async def test_a_malformed_idempotency_key_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/generate", json={"job_description": JOB}, headers={"Idempotency-Key": "k" * 256}
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_invalid"


async def test_nothing_is_stored_for_a_rejected_request(
    client: httpx.AsyncClient, data_dir: Path
) -> None:
    await client.post("/generate", json={"job_description": "too short"})

    assert (await client.get("/question-sets")).json()["total"] == 0
    assert not (data_dir / "generated_questions").exists()


async def test_concurrent_requests_with_one_key_make_one_set(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "double-click"}

    first, second = await asyncio.gather(
        client.post("/generate", json={"job_description": JOB}, headers=headers),
        client.post("/generate", json={"job_description": JOB}, headers=headers),
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert (await client.get("/question-sets")).json()["total"] == 1
