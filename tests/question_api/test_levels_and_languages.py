"""Seniority changes what is asked; output_language reaches OpenAI and its answer is kept."""

from typing import Any

import httpx

from question_api.generation.base import GenerationRequest
from question_api.generation.offline import write_questions
from tests.question_api.conftest import OpenAIStandIn, questions_answer
from tests.question_api.test_openai_generation import GOOD_QUESTIONS, JOB, messages

GERMAN = [
    {**q, "text": text, "competency": competency}
    for q, text, competency in zip(
        GOOD_QUESTIONS,
        [
            "Wie halten Sie ORM-Abfragen auf großen Tabellen schnell?",
            "Schreiben Sie eine Aufgabe, die eine fehlgeschlagene Buchung sicher wiederholt.",
            "Nach einem Deployment verdoppeln sich Buchungen. Wie gehen Sie vor?",
            "Wie gestalten Sie eine Pipeline, die Regressionen früh erkennt?",
            "Erzählen Sie von einer Meinungsverschiedenheit über ein API-Design.",
        ],
        ["ORM", "Aufgaben", "Fehlersuche", "Pipeline", "Zusammenarbeit"],
        strict=True,
    )
]


async def test_the_output_language_is_asked_for_and_a_translated_answer_is_kept(
    openai_client: httpx.AsyncClient, stand_in: OpenAIStandIn
) -> None:
    stand_in.reply(questions_answer(GERMAN))

    response = await openai_client.post(
        "/generate", json={"job_description": JOB, "output_language": "de"}
    )

    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["output_language"] == "de"
    assert answer["warnings"] == []  # German words need not repeat the English description
    assert answer["questions"][0]["text"] == GERMAN[0]["text"]
    assert len(stand_in.requests) == 1
    assert '"de"' in messages(stand_in.bodies[0])[0]["content"]


async def test_seniority_sets_the_difficulty_asked_of_openai(
    openai_client: httpx.AsyncClient, stand_in: OpenAIStandIn
) -> None:
    stand_in.reply(questions_answer(GOOD_QUESTIONS), questions_answer(GOOD_QUESTIONS))

    for level in ("junior", "senior"):
        await openai_client.post("/generate", json={"job_description": JOB, "seniority": level})

    junior, senior = (messages(body)[0]["content"] for body in stand_in.bodies)
    assert "fundamentals" in junior
    assert "design trade-offs" in senior
    assert junior != senior


async def test_a_lead_set_from_openai_without_a_leadership_question_is_asked_again(
    openai_client: httpx.AsyncClient, stand_in: OpenAIStandIn
) -> None:
    lead = [*GOOD_QUESTIONS[:3], {**GOOD_QUESTIONS[3], "type": "hr", "subtype": "scenario"}]
    lead.append(GOOD_QUESTIONS[4])
    stand_in.reply(questions_answer(GOOD_QUESTIONS), questions_answer(lead))

    response = await openai_client.post(
        "/generate", json={"job_description": JOB, "seniority": "lead"}
    )

    assert response.status_code == 201, response.text
    assert response.json()["warnings"] == []
    assert "assess leadership" in messages(stand_in.bodies[1])[-1]["content"]
    assert [q["type"] for q in response.json()["questions"]].count("hr") == 2


def offline(job: str, **fields: Any) -> list[str]:
    request = GenerationRequest(job_description=job, **fields)
    return [q.text for q in write_questions(request)]


def test_a_junior_and_a_senior_offline_set_for_one_description_differ() -> None:
    job = "Backend developer for our Django and PostgreSQL platform, building REST APIs."

    junior = offline(job, seniority="junior")
    senior = offline(job, seniority="senior")

    assert junior != senior
    assert set(junior) != set(senior)
