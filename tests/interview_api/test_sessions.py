"""The session lifecycle: start, look up, list, end (twice), and the 404s."""

import httpx

from interview_api.main import build_app
from shared.settings import Settings
from tests.interview_api.conftest import serve


async def test_start_without_a_body_gives_an_active_interview(client: httpx.AsyncClient) -> None:
    for response in (
        await client.post("/start-interview"),
        await client.post("/start-interview", json={}),
        await client.post("/start-interview", json=None),
    ):
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "active"
        assert body["interview_id"]
        assert body["started_at"].endswith("Z")
        assert body["questions"] == []
        assert body["metadata"] == {}
        assert body["consent"] is None


async def test_start_keeps_candidate_consent_and_metadata(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/start-interview",
        json={
            "candidate_id": "cand-7",
            "consent": {"given": True, "notice_version": "2024-05"},
            "metadata": {"job": "backend", "round": 2},
        },
    )
    assert response.status_code == 201
    started = response.json()
    assert started["candidate_id"] == "cand-7"
    assert started["consent"]["given"] is True
    assert started["consent"]["notice_version"] == "2024-05"
    assert started["consent"]["recorded_at"]
    assert started["metadata"] == {"job": "backend", "round": 2}

    fetched = await client.get(f"/interviews/{started['interview_id']}")
    assert fetched.status_code == 200
    assert fetched.json() == started


async def test_start_refuses_bad_bodies_with_their_own_codes(client: httpx.AsyncClient) -> None:
    too_big = await client.post("/start-interview", json={"metadata": {"blob": "x" * 20_000}})
    assert too_big.status_code == 422
    assert too_big.json()["error"]["code"] == "metadata_too_large"

    misspelt = await client.post("/start-interview", json={"questionSetId": "abc"})
    assert misspelt.status_code == 422
    assert misspelt.json()["error"]["code"] == "validation_error"

    traversal = await client.post("/start-interview", json={"question_set_id": "../generate"})
    assert traversal.status_code == 422
    assert traversal.json()["error"]["code"] == "invalid_question_set_id"

    not_json = await client.post(
        "/start-interview", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.json()["error"]["code"] == "invalid_json"


async def test_end_gives_duration_and_the_same_answer_when_repeated(
    client: httpx.AsyncClient, interview_id: str
) -> None:
    first = await client.post("/end-interview", json={"interview_id": interview_id})
    assert first.status_code == 200
    ended = first.json()
    assert ended["status"] == "ended"
    assert ended["ended_at"] >= ended["started_at"]
    assert ended["duration_seconds"] >= 0
    assert ended["recordings"] == []

    again = await client.post("/end-interview", json={"interview_id": interview_id})
    assert again.status_code == 200
    assert again.json() == ended

    fetched = await client.get(f"/interviews/{interview_id}")
    assert fetched.json()["ended_at"] == ended["ended_at"]


async def test_end_unknown_or_missing_interview(client: httpx.AsyncClient) -> None:
    unknown = await client.post("/end-interview", json={"interview_id": "nope"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "interview_not_found"

    missing = await client.post("/end-interview", json={})
    assert missing.status_code == 422
    assert "interview_id" in missing.json()["error"]["message"]


async def test_get_unknown_interview_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/interviews/does-not-exist")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "interview_not_found"


async def test_list_is_newest_first_filtered_and_paged(client: httpx.AsyncClient) -> None:
    ids = []
    for candidate in ("alice", "bob", "alice", "alice"):
        response = await client.post("/start-interview", json={"candidate_id": candidate})
        ids.append(response.json()["interview_id"])
    await client.post("/end-interview", json={"interview_id": ids[2]})

    everything = (await client.get("/interviews")).json()
    assert [item["interview_id"] for item in everything["items"]] == ids[::-1]
    assert (everything["total"], everything["limit"], everything["offset"]) == (4, 50, 0)

    alices = (await client.get("/interviews", params={"candidate_id": "alice"})).json()
    assert [item["interview_id"] for item in alices["items"]] == [ids[3], ids[2], ids[0]]

    ended = (await client.get("/interviews", params={"status": "ended"})).json()
    assert [item["interview_id"] for item in ended["items"]] == [ids[2]]

    active_alices = await client.get(
        "/interviews", params={"candidate_id": "alice", "status": "active", "limit": 1}
    )
    page = active_alices.json()
    assert page["total"] == 2
    assert [item["interview_id"] for item in page["items"]] == [ids[3]]
    second = await client.get(
        "/interviews", params={"candidate_id": "alice", "status": "active", "limit": 1, "offset": 1}
    )
    assert [item["interview_id"] for item in second.json()["items"]] == [ids[0]]

    bad = await client.get("/interviews", params={"status": "paused"})
    assert bad.status_code == 422


async def test_interviews_survive_a_restart(settings: Settings) -> None:
    async with serve(build_app(settings)) as client:
        started = (await client.post("/start-interview", json={"candidate_id": "c"})).json()
    async with serve(build_app(settings)) as client:
        fetched = await client.get(f"/interviews/{started['interview_id']}")
    assert fetched.json() == started


async def test_api_keys_are_required_when_configured(settings: Settings) -> None:
    app = build_app(settings.model_copy(update={"api_keys": "secret-1"}))
    async with serve(app) as client:
        refused = await client.post("/start-interview")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "api_key_missing"
        accepted = await client.post("/start-interview", headers={"X-API-Key": "secret-1"})
        assert accepted.status_code == 201
