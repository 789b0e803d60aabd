"""Review and approval: list, read, edit, approve or reject, the audit trail, questions.txt."""

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

JOB = "Registered Nurse for a surgical ward: patient care, medication administration, wound care."
OTHER_JOB = "Data engineer building Spark and Airflow pipelines with SQL on Snowflake."


async def generate(client: httpx.AsyncClient, job: str = JOB) -> dict[str, Any]:
    response = await client.post("/generate", json={"job_description": job})
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def patch(
    client: httpx.AsyncClient, set_id: str, question_id: str, **body: Any
) -> httpx.Response:
    return await client.patch(f"/question-sets/{set_id}/questions/{question_id}", json=body)


async def test_a_reviewed_set_serves_only_its_approved_questions(
    client: httpx.AsyncClient, data_dir: Path
) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]
    q1, q2, q3, q4, q5 = (q["id"] for q in generated["questions"])

    edited = await patch(
        client, set_id, q1, text="How do you check a patient's\nwound each shift?", reviewer="alice"
    )
    rejected = await patch(client, set_id, q2, status="rejected", reviewer="bob")
    approved = await client.post(f"/question-sets/{set_id}/approve", json={"reviewer": "carol"})

    assert edited.status_code == 200, edited.text
    assert edited.json()["text"] == "How do you check a patient's\nwound each shift?"
    assert edited.json()["status"] == "pending"
    assert rejected.json()["status"] == "rejected"
    assert approved.status_code == 200, approved.text
    approved_set = approved.json()
    assert approved_set["status"] == "approved"
    assert [q["status"] for q in approved_set["questions"]] == [
        "approved",
        "rejected",
        "approved",
        "approved",
        "approved",
    ]
    assert approved_set["updated_at"] >= approved_set["created_at"]

    # The generated file follows the edit, newline folded into a space.
    lines = (data_dir / generated["file"]).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "How do you check a patient's wound each shift?"
    assert len(lines) == 5

    served = await client.get(f"/question-sets/{set_id}/questions.txt")
    assert served.status_code == 200
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    texts = {q["id"]: q["text"] for q in approved_set["questions"]}
    assert served.text == (
        "How do you check a patient's wound each shift?\n"
        + "".join(f"{texts[q]}\n" for q in (q3, q4, q5))
    )

    stored = (await client.get(f"/question-sets/{set_id}")).json()
    assert stored == approved_set


async def test_every_change_is_recorded_with_who_and_what(client: httpx.AsyncClient) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]
    first = generated["questions"][0]
    second = generated["questions"][1]

    await patch(
        client, set_id, first["id"], text="A clearer question about wound care?", reviewer="alice"
    )
    await patch(client, set_id, second["id"], status="rejected", reviewer="bob")
    await patch(client, set_id, second["id"], status="rejected", reviewer="bob")  # no change
    await client.post(
        f"/question-sets/{set_id}/approve",
        json={"question_ids": [first["id"]], "reviewer": "carol"},
    )

    history = await client.get(f"/question-sets/{set_id}/history")

    assert history.status_code == 200
    events = [
        {k: e[k] for k in ("question_id", "action", "field", "old_value", "new_value", "reviewer")}
        for e in history.json()["items"]
    ]
    assert events == [
        {
            "question_id": None,
            "action": "created",
            "field": None,
            "old_value": None,
            "new_value": None,
            "reviewer": None,
        },
        {
            "question_id": first["id"],
            "action": "text_changed",
            "field": "text",
            "old_value": first["text"],
            "new_value": "A clearer question about wound care?",
            "reviewer": "alice",
        },
        {
            "question_id": second["id"],
            "action": "status_changed",
            "field": "status",
            "old_value": "pending",
            "new_value": "rejected",
            "reviewer": "bob",
        },
        {
            "question_id": first["id"],
            "action": "status_changed",
            "field": "status",
            "old_value": "pending",
            "new_value": "approved",
            "reviewer": "carol",
        },
        {
            "question_id": None,
            "action": "set_approved",
            "field": "status",
            "old_value": "draft",
            "new_value": "approved",
            "reviewer": "carol",
        },
    ]
    assert all(e["created_at"].endswith("Z") for e in history.json()["items"])


async def test_approving_listed_questions_leaves_the_others_pending(
    client: httpx.AsyncClient,
) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]
    chosen = [generated["questions"][0]["id"], generated["questions"][2]["id"]]

    response = await client.post(f"/question-sets/{set_id}/approve", json={"question_ids": chosen})

    assert response.status_code == 200
    statuses = {q["id"]: q["status"] for q in response.json()["questions"]}
    assert [statuses[q] for q in chosen] == ["approved", "approved"]
    assert sorted(statuses.values()).count("pending") == 3
    served = await client.get(f"/question-sets/{set_id}/questions.txt")
    assert len(served.text.splitlines()) == 2


async def test_approving_twice_changes_nothing_more(client: httpx.AsyncClient) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]

    first = await client.post(f"/question-sets/{set_id}/approve")
    again = await client.post(f"/question-sets/{set_id}/approve")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    history = (await client.get(f"/question-sets/{set_id}/history")).json()["items"]
    assert [e["action"] for e in history].count("set_approved") == 1


async def test_a_set_with_every_question_rejected_cannot_be_approved(
    client: httpx.AsyncClient,
) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]
    for question in generated["questions"]:
        await patch(client, set_id, question["id"], status="rejected")

    response = await client.post(f"/question-sets/{set_id}/approve", json={})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "question_set_nothing_to_approve"
    assert (await client.get(f"/question-sets/{set_id}")).json()["status"] == "draft"


async def test_an_unapproved_set_serves_an_empty_questions_file(
    client: httpx.AsyncClient,
) -> None:
    generated = await generate(client)

    served = await client.get(f"/question-sets/{generated['question_set_id']}/questions.txt")

    assert served.status_code == 200
    assert served.text == ""


async def test_sets_are_listed_newest_first_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    created = [
        (await generate(client, f"{OTHER_JOB} Team {n}."))["question_set_id"] for n in range(3)
    ]

    first_page = (await client.get("/question-sets", params={"limit": 2})).json()
    second_page = (await client.get("/question-sets", params={"limit": 2, "offset": 2})).json()
    default = (await client.get("/question-sets")).json()

    assert [s["question_set_id"] for s in first_page["items"]] == created[::-1][:2]
    assert (first_page["total"], first_page["limit"], first_page["offset"]) == (3, 2, 0)
    assert [s["question_set_id"] for s in second_page["items"]] == created[:1]
    assert (default["limit"], default["offset"], len(default["items"])) == (20, 0, 3)
    assert len(default["items"][0]["questions"]) == 5


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, "limit_out_of_range"),
        ({"limit": 101}, "limit_out_of_range"),
        ({"limit": "ten"}, "limit_invalid"),
        ({"offset": -1}, "offset_out_of_range"),
        ({"offset": 1_000_000_001}, "offset_out_of_range"),
        ({"offset": "9223372036854775808"}, "offset_out_of_range"),
        ({"offset": "1.5"}, "offset_invalid"),
    ],
)
async def test_a_bad_page_is_422(
    client: httpx.AsyncClient, params: dict[str, Any], code: str
) -> None:
    response = await client.get("/question-sets", params=params)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "question_patch_empty"),
        ({"reviewer": "alice"}, "question_patch_empty"),
        ({"status": "maybe"}, "question_status_invalid"),
        ({"text": "   "}, "question_text_blank"),
        ({"text": "x" * 1001}, "question_text_too_long"),
        ({"text": 42}, "question_text_invalid"),
        ({"status": "approved", "reviewer": "r" * 201}, "reviewer_invalid"),
    ],
)
async def test_a_bad_edit_is_422_and_changes_nothing(
    client: httpx.AsyncClient, body: dict[str, Any], code: str
) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]

    response = await patch(client, set_id, generated["questions"][0]["id"], **body)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert (await client.get(f"/question-sets/{set_id}")).json() == generated


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"question_ids": []}, "question_ids_invalid"),
        ({"question_ids": "all"}, "question_ids_invalid"),
        ({"question_ids": [1, 2]}, "question_ids_invalid"),
    ],
)
async def test_a_bad_approval_is_422(
    client: httpx.AsyncClient, body: dict[str, Any], code: str
) -> None:
    generated = await generate(client)

    response = await client.post(
        f"/question-sets/{generated['question_set_id']}/approve", json=body
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


async def test_unknown_sets_and_questions_are_404(client: httpx.AsyncClient) -> None:
    generated = await generate(client)
    set_id = generated["question_set_id"]
    question_id = generated["questions"][0]["id"]
    missing = "00000000-0000-0000-0000-000000000000"

    answers = {
        "get": await client.get(f"/question-sets/{missing}"),
        "history": await client.get(f"/question-sets/{missing}/history"),
        "file": await client.get(f"/question-sets/{missing}/questions.txt"),
        "approve": await client.post(f"/question-sets/{missing}/approve"),
        "patch set": await patch(client, missing, question_id, status="approved"),
    }
    for name, response in answers.items():
        assert response.status_code == 404, name
        assert response.json()["error"]["code"] == "question_set_not_found", name

    unknown_question = await patch(client, set_id, missing, status="approved")
    assert unknown_question.status_code == 404
    assert unknown_question.json()["error"]["code"] == "question_not_found"

    approve_unknown = await client.post(
        f"/question-sets/{set_id}/approve", json={"question_ids": [question_id, missing]}
    )
    assert approve_unknown.status_code == 404
    assert approve_unknown.json()["error"]["code"] == "question_not_found"
    assert (await client.get(f"/question-sets/{set_id}")).json()["status"] == "draft"


async def test_a_question_of_another_set_is_not_found(client: httpx.AsyncClient) -> None:
    first = await generate(client)
    second = await generate(client, OTHER_JOB)

    response = await patch(
        client, first["question_set_id"], second["questions"][0]["id"], status="approved"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "question_not_found"


async def test_two_reviewers_editing_at_once_both_reach_the_text_file(
    client: httpx.AsyncClient, data_dir: Path
) -> None:
    generated = await generate(client)
    set_id, questions = generated["question_set_id"], generated["questions"]

    first, second = await asyncio.gather(
        patch(client, set_id, questions[0]["id"], text="First reviewer's question?", reviewer="a"),
        patch(client, set_id, questions[1]["id"], text="Second reviewer's question?", reviewer="b"),
    )

    assert first.status_code == second.status_code == 200
    lines = (data_dir / generated["file"]).read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["First reviewer's question?", "Second reviewer's question?"]


async def test_rejecting_the_last_approved_question_puts_the_set_back_to_draft(
    client: httpx.AsyncClient,
) -> None:
    generated = await generate(client)
    set_id, questions = generated["question_set_id"], generated["questions"]
    only = questions[0]["id"]
    approved = await client.post(f"/question-sets/{set_id}/approve", json={"question_ids": [only]})
    assert approved.json()["status"] == "approved"

    await patch(client, set_id, only, status="rejected", reviewer="ana@hr")

    again = (await client.get(f"/question-sets/{set_id}")).json()
    assert again["status"] == "draft"
