"""The interview API against the real question API, running in-process as its transport."""

from uuid import uuid4

import httpx

from tests.consent import CONSENT
from tests.interview_api.conftest import KEY, Apis, generate


async def start(apis: Apis, question_set_id: str) -> httpx.Response:
    return await apis.interviews.post(
        "/start-interview", json={**CONSENT, "question_set_id": question_set_id}, headers=KEY
    )


async def test_only_approved_questions_reach_the_interview_and_stay_as_they_were(
    apis: Apis,
) -> None:
    generated = await generate(apis.questions)
    set_id, questions = generated["question_set_id"], generated["questions"]

    unapproved = await start(apis, set_id)
    assert unapproved.status_code == 409
    assert unapproved.json()["error"]["code"] == "no_approved_questions"

    chosen = [questions[0], questions[2]]
    approved = await apis.questions.post(
        f"/question-sets/{set_id}/approve",
        json={"question_ids": [q["id"] for q in chosen]},
        headers=KEY,
    )
    assert approved.status_code == 200, approved.text

    response = await start(apis, set_id)
    assert response.status_code == 201, response.text
    interview = response.json()
    assert interview["questions"] == [
        {
            "id": q["id"],
            "position": position,
            "text": q["text"],
            "type": q["type"],
            "subtype": q["subtype"],
        }
        for position, q in enumerate(chosen, start=1)
    ]

    edited = await apis.questions.patch(
        f"/question-sets/{set_id}/questions/{chosen[0]['id']}",
        json={"text": "A completely different question about Django?"},
        headers=KEY,
    )
    assert edited.status_code == 200, edited.text
    again = await apis.interviews.get(f"/interviews/{interview['interview_id']}", headers=KEY)
    assert again.json()["questions"] == interview["questions"]


async def test_an_unknown_question_set_is_404(apis: Apis) -> None:
    response = await start(apis, str(uuid4()))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "question_set_not_found"
