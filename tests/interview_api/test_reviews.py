"""Human review through the API: a seekable video, each reviewer's rating, a person's decision,
and the comparison of a question set's candidates (JSON and CSV)."""

import csv
import io
from typing import Any

import httpx
import pytest

from interview_api.main import build_app
from shared.db import Database
from shared.keys.store import KeyStore
from shared.settings import Settings
from tests.consent import CONSENT
from tests.interview_api.conftest import QuestionSets, serve


async def upload(
    client: httpx.AsyncClient, interview_id: str, data: bytes, question_id: str | None = None
) -> dict[str, Any]:
    response = await client.post(
        f"/interviews/{interview_id}/recordings",
        files={"file": ("answer.webm", data, "video/webm")},
        data={"question_id": question_id} if question_id else None,
    )
    assert response.status_code == 202, response.text
    return dict(response.json())


@pytest.fixture
async def recording(client: httpx.AsyncClient, interview_id: str, webm: bytes) -> dict[str, Any]:
    return await upload(client, interview_id, webm)


# --- the video ---


async def test_the_whole_video_is_served_with_its_type_and_range_support(
    client: httpx.AsyncClient, recording: dict[str, Any], webm: bytes
) -> None:
    response = await client.get(f"/recordings/{recording['recording_id']}/media")
    assert response.status_code == 200
    assert response.content == webm
    assert response.headers["content-type"] == "video/webm"
    assert response.headers["accept-ranges"] == "bytes"


async def test_a_range_request_gets_206_with_exactly_those_bytes(
    client: httpx.AsyncClient, recording: dict[str, Any], webm: bytes
) -> None:
    url = f"/recordings/{recording['recording_id']}/media"
    response = await client.get(url, headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.content == webm[100:200]
    assert response.headers["content-range"] == f"bytes 100-199/{len(webm)}"

    tail = await client.get(url, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206
    assert tail.content == webm[-50:]

    open_ended = await client.get(url, headers={"Range": f"bytes={len(webm) - 10}-"})
    assert open_ended.content == webm[-10:]


async def test_a_range_past_the_end_is_416_with_the_size(
    client: httpx.AsyncClient, recording: dict[str, Any], webm: bytes
) -> None:
    response = await client.get(
        f"/recordings/{recording['recording_id']}/media",
        headers={"Range": f"bytes={len(webm)}-{len(webm) + 10}"},
    )
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(webm)}"
    assert response.json()["error"]["code"] == "range_not_satisfiable"


async def test_a_malformed_range_is_400(
    client: httpx.AsyncClient, recording: dict[str, Any]
) -> None:
    response = await client.get(
        f"/recordings/{recording['recording_id']}/media", headers={"Range": "bytes=20-10"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_range"


async def test_an_unknown_recording_is_404(client: httpx.AsyncClient) -> None:
    for url in ("/recordings/nope/media", "/recordings/nope/ratings"):
        response = await client.get(url)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "recording_not_found"


# --- ratings ---


async def test_each_reviewer_keeps_one_rating_updated_in_place(
    client: httpx.AsyncClient, recording: dict[str, Any]
) -> None:
    url = f"/recordings/{recording['recording_id']}/ratings"
    first = await client.post(url, json={"rating": 2, "notes": "Vague", "reviewer": "Ana"})
    assert first.status_code == 200, first.text
    await client.post(url, json={"rating": 4, "reviewer": "Ben"})
    again = await client.post(
        url, json={"rating": 5, "notes": "On reflection, clear", "reviewer": "Ana"}
    )
    assert again.json()["rating_id"] == first.json()["rating_id"]
    assert again.json()["created_at"] == first.json()["created_at"]

    listed = (await client.get(url)).json()
    assert listed["mean_rating"] == 4.5
    by_name = {r["reviewer"]: r for r in listed["ratings"]}
    assert set(by_name) == {"Ana", "Ben"}
    assert by_name["Ana"]["rating"] == 5
    assert by_name["Ana"]["notes"] == "On reflection, clear"
    assert by_name["Ana"]["updated_at"] >= by_name["Ana"]["created_at"]


@pytest.mark.parametrize("body", [{"rating": 0}, {"rating": 6}, {"rating": "good"}, {}])
async def test_a_rating_outside_1_to_5_is_422(
    client: httpx.AsyncClient, recording: dict[str, Any], body: dict[str, Any]
) -> None:
    response = await client.post(
        f"/recordings/{recording['recording_id']}/ratings", json={**body, "reviewer": "Ana"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


async def test_a_rating_without_a_reviewer_name_is_422(
    client: httpx.AsyncClient, recording: dict[str, Any]
) -> None:
    response = await client.post(
        f"/recordings/{recording['recording_id']}/ratings", json={"rating": 3}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "reviewer_required"


# --- decisions ---


async def test_a_decision_is_a_persons_and_keeps_its_history(
    client: httpx.AsyncClient, interview_id: str
) -> None:
    url = f"/interviews/{interview_id}/decision"
    assert (await client.get(url)).json() == {
        "interview_id": interview_id,
        "current": None,
        "history": [],
    }
    hold = await client.post(
        url, json={"decision": "hold", "reason": "Second opinion", "reviewer": "Ana"}
    )
    assert hold.status_code == 201
    advance = await client.post(
        url, json={"decision": "advance", "reason": "Strong", "reviewer": "Ben"}
    )
    state = (await client.get(url)).json()
    assert state["current"]["decision"] == "advance"
    assert state["current"]["decided_by"] == "Ben"
    assert state["current"]["decision_id"] == advance.json()["decision_id"]
    assert [d["decision"] for d in state["history"]] == ["advance", "hold"]


async def test_an_unknown_decision_is_422(client: httpx.AsyncClient, interview_id: str) -> None:
    response = await client.post(
        f"/interviews/{interview_id}/decision", json={"decision": "hire", "reviewer": "Ana"}
    )
    assert response.status_code == 422
    missing = await client.post(
        "/interviews/nope/decision", json={"decision": "hold", "reviewer": "A"}
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "interview_not_found"


async def test_the_report_carries_ratings_and_the_decision(
    client: httpx.AsyncClient, interview_id: str, recording: dict[str, Any]
) -> None:
    await client.post(
        f"/recordings/{recording['recording_id']}/ratings", json={"rating": 4, "reviewer": "Ana"}
    )
    await client.post(
        f"/interviews/{interview_id}/decision",
        json={"decision": "reject", "reason": "No", "reviewer": "Ana"},
    )
    review = (await client.get(f"/interviews/{interview_id}/report")).json()["review"]
    assert review["decision"]["decision"] == "reject"
    assert review["decision"]["decided_by"] == "Ana"
    assert [(r["recording_id"], r["rating"]) for r in review["ratings"]] == [
        (recording["recording_id"], 4)
    ]


async def test_erasing_the_interview_erases_its_review(
    client: httpx.AsyncClient, interview_id: str, recording: dict[str, Any]
) -> None:
    url = f"/recordings/{recording['recording_id']}/ratings"
    await client.post(url, json={"rating": 4, "reviewer": "Ana"})
    await client.post(
        f"/interviews/{interview_id}/decision", json={"decision": "hold", "reviewer": "Ana"}
    )
    assert (await client.delete(f"/interviews/{interview_id}")).status_code in (202, 204)
    assert (await client.get(url)).status_code == 404
    assert (await client.get(f"/interviews/{interview_id}/decision")).status_code == 404


# --- comparison ---


async def test_the_comparison_puts_people_first_and_ai_as_advisory(
    client_with_questions: httpx.AsyncClient, question_sets: QuestionSets, webm: bytes
) -> None:
    client = client_with_questions
    started = []
    for candidate in ("cand-a", "cand-b"):
        response = await client.post(
            "/start-interview",
            json={"question_set_id": "set-1", "candidate_id": candidate, **CONSENT},
        )
        started.append(response.json())
    first = started[0]
    q1 = first["questions"][0]["id"]
    rec = await upload(client, first["interview_id"], webm, q1)
    rating_url = f"/recordings/{rec['recording_id']}/ratings"
    await client.post(rating_url, json={"rating": 5, "reviewer": "Ana"})
    await client.post(rating_url, json={"rating": 2, "reviewer": "=Ben"})
    await client.post(
        f"/interviews/{first['interview_id']}/decision",
        json={"decision": "advance", "reviewer": "Ana"},
    )

    table = (await client.get("/question-sets/set-1/comparison")).json()
    assert [q["position"] for q in table["questions"]] == [1, 2, 3]
    rows = {row["candidate_id"]: row for row in table["candidates"]}
    assert rows["cand-a"]["mean_rating"] == 3.5
    assert rows["cand-a"]["decision"] == "advance"
    assert rows["cand-a"]["answers"][q1]["ratings"] == 2
    assert "ai" in rows["cand-a"]["answers"][q1]
    assert rows["cand-b"]["mean_rating"] is None
    assert rows["cand-b"]["decision"] is None
    assert "advisory" in table["advisory"]

    exported = await client.get("/question-sets/set-1/comparison?format=csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(exported.text)))
    header = lines[0]
    assert header[:6] == [
        "candidate",
        "candidate_id",
        "interview_id",
        "status",
        "mean_rating",
        "decision",
    ]
    first_ai = next(i for i, name in enumerate(header) if "_ai_" in name)
    assert all("_ai_" not in name for name in header[:first_ai])
    assert all("_ai_" in name for name in header[first_ai:])
    by_candidate = {line[1]: line for line in lines[1:]}
    assert by_candidate["cand-a"][4] == "3.5"
    assert by_candidate["cand-a"][5] == "advance"
    assert by_candidate["cand-b"][4] == ""


async def test_a_set_nobody_took_compares_no_candidates(client: httpx.AsyncClient) -> None:
    table = (await client.get("/question-sets/unknown-set/comparison")).json()
    assert table["candidates"] == []
    bad = await client.get("/question-sets/set-1/comparison?format=xlsx")
    assert bad.status_code == 422


async def test_a_decision_is_queued_for_the_webhook(settings: Settings, webm: bytes) -> None:
    hooked = settings.model_copy(update={"analysis_webhook_url": "http://127.0.0.1:9/hook"})
    async with serve(build_app(hooked)) as client:
        interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        decided = await client.post(
            f"/interviews/{interview_id}/decision", json={"decision": "hold", "reviewer": "Ana"}
        )
        decision_id = decided.json()["decision_id"]
        deliveries = (await client.get(f"/webhook-deliveries?analysis_id={decision_id}")).json()
    assert deliveries["total"] == 1


async def test_a_named_reviewer_key_signs_the_rating_and_the_decision(
    settings: Settings, webm: bytes
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = KeyStore(Database(settings.database_url_for("keys")))
    await store.migrate()
    try:
        reviewer_key = (await store.create("reviewer", "Ana Ruiz"))[0]
        integration_key = (await store.create("integration", "Data team"))[0]
        hr_key = (await store.create("hr", "Sam Hr"))[0]
    finally:
        await store.aclose()
    async with serve(build_app(settings)) as client:
        hr = {"X-API-Key": hr_key}
        interview_id = (await client.post("/start-interview", json=CONSENT, headers=hr)).json()[
            "interview_id"
        ]
        uploaded = await client.post(
            f"/interviews/{interview_id}/recordings",
            files={"file": ("answer.webm", webm, "video/webm")},
            headers=hr,
        )
        ratings = f"/recordings/{uploaded.json()['recording_id']}/ratings"
        body = {"rating": 4, "reviewer": "Someone Else"}
        rated = await client.post(ratings, json=body, headers={"X-API-Key": reviewer_key})
        decided = await client.post(
            f"/interviews/{interview_id}/decision",
            json={"decision": "hold"},
            headers={"X-API-Key": reviewer_key},
        )
        refused = await client.post(ratings, json=body, headers={"X-API-Key": integration_key})
        hr_refused = await client.post(ratings, json=body, headers=hr)
        read = await client.get(ratings, headers={"X-API-Key": integration_key})
    assert rated.json()["reviewer"] == "Ana Ruiz"  # the key's name, not the body's
    assert decided.json()["decided_by"] == "Ana Ruiz"
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "role_forbidden")
    assert hr_refused.status_code == 403
    assert read.status_code == 200 and read.json()["mean_rating"] == 4
