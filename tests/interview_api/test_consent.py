"""Consent gates every recording; the notice is versioned and served; a withdrawal or the
candidate's "Delete my interview" erases what was recorded and leaves a receipt."""

from pathlib import Path

import httpx

from interview_api.main import build_app
from shared.settings import Settings
from tests.consent import CONSENT
from tests.interview_api.conftest import serve, stored_files
from tests.interview_api.test_invitations import bearer, consent_and_start, invite


async def upload(client: httpx.AsyncClient, interview_id: str, webm: bytes) -> httpx.Response:
    return await client.post(
        f"/interviews/{interview_id}/recordings", files={"file": ("a.webm", webm, "video/webm")}
    )


async def test_an_interview_without_a_recorded_consent_takes_no_recording(
    settings: Settings, webm: bytes, data_dir: Path
) -> None:
    # an interview from before consent was required (or started with CONSENT_REQUIRED off)
    async with serve(build_app(settings.model_copy(update={"consent_required": False}))) as open_:
        interview_id = (await open_.post("/start-interview", json={})).json()["interview_id"]
    async with serve(build_app(settings)) as client:
        response = await upload(client, interview_id, webm)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "consent_required"
    assert stored_files(data_dir) == []


async def test_the_notice_a_consent_named_is_served_after_the_text_changed(
    settings: Settings,
) -> None:
    async with serve(build_app(settings)) as client:
        current = await client.get("/notices/2026-01")
        assert current.status_code == 200
        assert current.json() == {"version": "2026-01", "text": settings.notice_text}
        assert (await client.post("/start-interview", json=CONSENT)).status_code == 201
        missing = await client.get("/notices/1999-01")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "notice_not_found"
    changed = settings.model_copy(update={"notice_version": "2026-02", "notice_text": "New."})
    async with serve(build_app(changed)) as client:
        old = await client.get("/notices/2026-01")
        new = await client.get("/notices/2026-02")
    assert old.json()["text"] == settings.notice_text
    assert new.json() == {"version": "2026-02", "text": "New."}


async def test_withdrawal_by_hr_erases_the_recordings_and_stops_new_ones(
    client: httpx.AsyncClient, webm: bytes, data_dir: Path
) -> None:
    interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
    assert (await upload(client, interview_id, webm)).status_code == 202
    assert stored_files(data_dir)

    withdrawn = await client.post(f"/interviews/{interview_id}/consent/withdraw")

    assert withdrawn.status_code == 204
    assert stored_files(data_dir) == []
    interview = (await client.get(f"/interviews/{interview_id}")).json()
    assert interview["recordings"] == []
    assert interview["consent"]["given"] is False
    assert interview["status"] == "ended"
    again = await upload(client, interview_id, webm)
    assert again.status_code == 403
    assert again.json()["error"]["code"] == "consent_refused"
    receipt = (await client.get(f"/interviews/{interview_id}/erasure")).json()
    assert receipt["status"] == "erased"
    assert [e["reason"] for e in receipt["erasures"]] == ["consent_withdrawn"]
    assert {c["status"] for c in receipt["copies"]} == {"done"}


async def test_the_candidate_withdraws_through_the_link(
    client_with_questions: httpx.AsyncClient, webm: bytes, data_dir: Path
) -> None:
    client = client_with_questions
    invitation = await invite(client)
    await consent_and_start(client, invitation)
    assert (await upload(client, invitation["interview_id"], webm)).status_code == 202

    withdrawn = await client.post("/candidate/consent/withdraw", headers=bearer(invitation))

    assert withdrawn.status_code == 204
    assert stored_files(data_dir) == []
    view = (await client.get("/candidate/interview", headers=bearer(invitation))).json()
    assert view["status"] == "declined"
    assert view["answered"] == []
    again = await client.post(
        "/candidate/consent", json={"given": True, "notice_version": "2026-01"},
        headers=bearer(invitation),
    )  # fmt: skip
    assert again.json()["error"]["code"] == "consent_refused"
    actions = [e["action"] for e in (await client.get("/audit")).json()["items"]]
    assert actions[:2] == ["consent_withdrawn", "consent_given"]


async def test_delete_my_interview_erases_it_and_leaves_a_receipt_without_personal_data(
    client_with_questions: httpx.AsyncClient, webm: bytes, data_dir: Path
) -> None:
    client = client_with_questions
    invitation = await invite(client)
    interview_id = invitation["interview_id"]
    await consent_and_start(client, invitation)
    assert (await upload(client, interview_id, webm)).status_code == 202

    deleted = await client.delete("/candidate/interview", headers=bearer(invitation))

    assert deleted.status_code == 204
    assert stored_files(data_dir) == []
    assert (await client.get(f"/interviews/{interview_id}")).status_code == 404
    link = await client.get("/candidate/interview", headers=bearer(invitation))
    assert link.status_code == 401
    receipt = await client.get(f"/interviews/{interview_id}/erasure")
    assert receipt.status_code == 200
    body = receipt.json()
    assert body["status"] == "erased"
    assert body["interview_exists"] is False
    assert [(e["reason"], e["requested_by"]) for e in body["erasures"]] == [
        ("candidate_request", "candidate")
    ]
    trail = (await client.get("/audit", params={"interview_id": interview_id})).text
    assert "Ada" not in trail and "Ada" not in receipt.text
    assert (await client.get("/interviews/nope/erasure")).status_code == 404


def test_the_api_description_says_a_withdrawal_answers_204_or_202(settings: Settings) -> None:
    # as the erasures do: 204 when every stored file is gone, 202 while one is still deleted
    paths = build_app(settings).openapi()["paths"]
    for path in ("/interviews/{interview_id}/consent/withdraw", "/candidate/consent/withdraw"):
        assert set(paths[path]["post"]["responses"]) >= {"204", "202"}, path
        assert "200" not in paths[path]["post"]["responses"], path
