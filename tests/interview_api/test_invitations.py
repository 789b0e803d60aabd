"""Invitations: HR creates a link, the candidate opens it, agrees or refuses, starts, ends; the
token opens nothing else, and expired or withdrawn links say so."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from interview_api.invitations.repository import InvitationRepository
from interview_api.invitations.tokens import hash_token
from shared.db import Database
from shared.settings import Settings


async def invite(client: httpx.AsyncClient, **fields: object) -> dict[str, Any]:
    body = {"question_set_id": "set-1", "candidate": {"name": "Ada Lovelace"}, **fields}
    response = await client.post("/invitations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def token_of(invitation: dict[str, Any]) -> str:
    return str(invitation["url"]).rsplit("/", 1)[-1]


def bearer(invitation: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(invitation)}"}


async def consent_and_start(
    client: httpx.AsyncClient, invitation: dict[str, Any]
) -> dict[str, Any]:
    headers = bearer(invitation)
    version = (await client.get("/candidate/interview", headers=headers)).json()["notice"][
        "version"
    ]
    given = await client.post(
        "/candidate/consent", json={"given": True, "notice_version": version}, headers=headers
    )
    assert given.status_code == 200, given.text
    started = await client.post("/candidate/start", headers=headers)
    assert started.status_code == 200, started.text
    return dict(started.json())


async def test_an_invitation_snapshots_the_approved_questions_and_gives_a_link(
    client_with_questions: httpx.AsyncClient, settings: Settings
) -> None:
    created = await invite(
        client_with_questions,
        candidate={"name": "Ada Lovelace", "email": "ada@example.com", "id": "cand-9"},
        answer_seconds=90,
        think_seconds=10,
        retakes=2,
        practice=False,
    )
    assert created["status"] == "invited"
    assert created["url"].startswith("http://interview-api/interview/")
    assert len(token_of(created)) >= 43  # 256 random bits, URL-safe
    assert created["question_count"] == 3  # the approved ones of set-1
    assert created["candidate"] == {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "id": "cand-9",
    }
    assert (created["answer_seconds"], created["think_seconds"]) == (90, 10)
    assert (created["retakes"], created["practice"]) == (2, False)
    expires = datetime.fromisoformat(created["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)

    # The token is stored only as its hash.
    db = Database(settings.database_url_for("interview_api"))
    try:
        async with db.session() as session:
            stored = await InvitationRepository(session).get(created["invitation_id"])
    finally:
        await db.dispose()
    assert stored is not None
    assert stored.token_hash == hash_token(token_of(created))
    assert token_of(created) not in repr(vars(stored))

    fetched = await client_with_questions.get(f"/invitations/{created['invitation_id']}")
    assert fetched.status_code == 200
    assert fetched.json() == {**created, "url": None}

    interview = (await client_with_questions.get(f"/interviews/{created['interview_id']}")).json()
    assert [q["text"] for q in interview["questions"]] == [
        "Question 1 of set-1?",
        "Question 3 of set-1?",
        "Question 5 of set-1?",
    ]
    assert interview["candidate_id"] == "cand-9"


async def test_the_link_uses_the_public_base_url_when_set(
    settings: Settings, question_sets, fast_policy
) -> None:
    from interview_api.main import build_app
    from interview_api.question_client import QuestionApiClient
    from tests.interview_api.conftest import serve

    settings.public_base_url = "https://jobs.example.com/"
    questions = QuestionApiClient.from_settings(
        settings, policy=fast_policy, transport=httpx.ASGITransport(question_sets.app())
    )
    async with serve(build_app(settings, question_client=questions)) as client:
        created = await invite(client)
    await questions.aclose()
    assert created["url"] == f"https://jobs.example.com/interview/{token_of(created)}"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"answer_seconds": 5}, "validation_error"),
        ({"answer_seconds": 1801}, "validation_error"),
        ({"think_seconds": 601}, "validation_error"),
        ({"retakes": 6}, "validation_error"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at_invalid"),
        ({"expires_at": "2999-01-01T00:00:00Z"}, "expires_at_invalid"),
        ({"expires_at": "2030-01-01T00:00:00"}, "expires_at_invalid"),
        ({"candidate": {"name": "  "}}, "validation_error"),
        ({"candidate": {"name": "A", "email": "not-an-email"}}, "candidate_email_invalid"),
        ({"question_set_id": "../generate"}, "invalid_question_set_id"),
        ({"questionSetId": "set-1"}, "validation_error"),
    ],
)
async def test_bad_invitations_are_refused_with_their_code(
    client_with_questions: httpx.AsyncClient, fields: dict[str, Any], code: str
) -> None:
    body = {"question_set_id": "set-1", "candidate": {"name": "Ada"}, **fields}
    response = await client_with_questions.post("/invitations", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


async def test_a_set_without_approved_questions_or_unknown_cannot_be_used(
    client_with_questions: httpx.AsyncClient, question_sets
) -> None:
    question_sets.add("draft", ["pending", "rejected"])
    nothing = await client_with_questions.post(
        "/invitations", json={"question_set_id": "draft", "candidate": {"name": "A"}}
    )
    assert nothing.status_code == 409
    assert nothing.json()["error"]["code"] == "no_approved_questions"
    unknown = await client_with_questions.post(
        "/invitations", json={"question_set_id": "nope", "candidate": {"name": "A"}}
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "question_set_not_found"


async def test_the_candidate_walks_through_open_consent_start_and_end(
    client_with_questions: httpx.AsyncClient,
) -> None:
    client = client_with_questions
    created = await invite(client)
    headers = bearer(created)

    opened = await client.get("/candidate/interview", headers=headers)
    assert opened.status_code == 200
    view = opened.json()
    assert view["status"] == "opened"
    assert view["candidate"] == {"name": "Ada Lovelace"}
    assert view["question_count"] == 3
    assert view["questions"] is None  # not before the start
    assert view["answered"] == []
    assert view["notice"]["version"] == "2026-01"
    for word in ("record", "Twelve Labs", "Interhuman", "delet"):
        assert word in view["notice"]["text"]
    assert set(view) == {
        "invitation_id", "interview_id", "status", "candidate", "role_title", "question_count",
        "answer_seconds", "think_seconds", "retakes", "practice", "expires_at", "notice",
        "questions", "answered",
    }  # fmt: skip

    too_early = await client.post("/candidate/start", headers=headers)
    assert too_early.status_code == 403
    assert too_early.json()["error"]["code"] == "consent_required"

    outdated = await client.post(
        "/candidate/consent", json={"given": True, "notice_version": "1999"}, headers=headers
    )
    assert outdated.status_code == 409
    assert outdated.json()["error"]["code"] == "notice_outdated"

    consented = await client.post(
        "/candidate/consent", json={"given": True, "notice_version": "2026-01"}, headers=headers
    )
    assert consented.json()["status"] == "consented"
    assert (await client.post("/candidate/end", headers=headers)).status_code == 409

    started = await client.post("/candidate/start", headers=headers)
    assert started.status_code == 200
    body = started.json()
    assert body["status"] == "in_progress"
    assert [(q["position"], q["text"]) for q in body["questions"]] == [
        (1, "Question 1 of set-1?"),
        (2, "Question 3 of set-1?"),
        (3, "Question 5 of set-1?"),
    ]
    assert set(body["questions"][0]) == {"id", "position", "text"}  # no expected points
    assert (await client.post("/candidate/start", headers=headers)).json() == body

    staff_view = (await client.get(f"/invitations/{created['invitation_id']}")).json()
    assert staff_view["status"] == "in_progress"
    assert staff_view["consent"]["given"] is True
    assert staff_view["consent"]["notice_version"] == "2026-01"
    interview = (await client.get(f"/interviews/{created['interview_id']}")).json()
    assert interview["consent"]["given"] is True

    ended = await client.post("/candidate/end", headers=headers)
    assert ended.status_code == 200
    assert ended.json()["status"] == "completed"
    assert (await client.post("/candidate/end", headers=headers)).json()["status"] == "completed"
    interview = (await client.get(f"/interviews/{created['interview_id']}")).json()
    assert interview["status"] == "ended"
    listed = (await client.get("/invitations", params={"status": "completed"})).json()
    assert [i["invitation_id"] for i in listed["items"]] == [created["invitation_id"]]


async def test_a_refusal_is_recorded_and_final(client_with_questions: httpx.AsyncClient) -> None:
    client = client_with_questions
    created = await invite(client)
    headers = bearer(created)
    refused = await client.post(
        "/candidate/consent", json={"given": False, "notice_version": "2026-01"}, headers=headers
    )
    assert refused.status_code == 200
    assert refused.json()["status"] == "declined"
    for attempt in (
        client.post("/candidate/start", headers=headers),
        client.post(
            "/candidate/consent", json={"given": True, "notice_version": "2026-01"}, headers=headers
        ),
        client.post("/candidate/end", headers=headers),
    ):
        response = await attempt
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "consent_refused"
    staff_view = (await client.get(f"/invitations/{created['invitation_id']}")).json()
    assert staff_view["status"] == "declined"
    assert staff_view["consent"]["given"] is False
    interview = (await client.get(f"/interviews/{created['interview_id']}")).json()
    assert interview["consent"]["given"] is False
    assert interview["status"] == "ended"


async def test_a_bad_token_gets_401_and_a_staff_key_opens_nothing(
    client_with_questions: httpx.AsyncClient,
) -> None:
    client = client_with_questions
    await invite(client)
    for headers in (
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic abc"},
        {"X-API-Key": "a-staff-key"},
    ):
        response = await client.get("/candidate/interview", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invitation_token_invalid"


async def test_the_token_opens_no_staff_route(client_with_questions: httpx.AsyncClient) -> None:
    client = client_with_questions
    mine, other = await invite(client), await invite(client)
    headers = bearer(mine)
    for path in (
        f"/interviews/{mine['interview_id']}",
        f"/interviews/{other['interview_id']}",
        "/interviews",
        "/analyses/some-analysis",
        f"/invitations/{mine['invitation_id']}",
    ):
        response = await client.get(path, headers=headers)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "candidate_token_forbidden"
    erase = await client.delete(f"/interviews/{other['interview_id']}", headers=headers)
    assert erase.status_code == 403


async def test_an_expired_or_revoked_link_gets_410(
    client_with_questions: httpx.AsyncClient, settings: Settings
) -> None:
    client = client_with_questions
    revoked = await invite(client)
    answer = await client.post(f"/invitations/{revoked['invitation_id']}/revoke")
    assert answer.status_code == 200
    assert answer.json()["status"] == "revoked"
    assert (await client.post(f"/invitations/{revoked['invitation_id']}/revoke")).status_code == 200
    gone = await client.get("/candidate/interview", headers=bearer(revoked))
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "invitation_revoked"

    expired = await invite(client)
    db = Database(settings.database_url_for("interview_api"))
    try:
        async with db.session() as session:
            row = await InvitationRepository(session).get(expired["invitation_id"])
            assert row is not None
            row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    finally:
        await db.dispose()
    gone = await client.get("/candidate/interview", headers=bearer(expired))
    assert gone.status_code == 410
    assert gone.json()["error"]["code"] == "invitation_expired"
    shown = (await client.get(f"/invitations/{expired['invitation_id']}")).json()
    assert shown["status"] == "expired"
    listed = (await client.get("/invitations", params={"status": "expired"})).json()
    assert [i["invitation_id"] for i in listed["items"]] == [expired["invitation_id"]]


async def test_invitations_list_filters_and_pages(client_with_questions: httpx.AsyncClient) -> None:
    client = client_with_questions
    first, second = await invite(client), await invite(client)
    page = (await client.get("/invitations", params={"limit": 1})).json()
    assert page["total"] == 2
    assert page["limit"] == 1
    assert [i["invitation_id"] for i in page["items"]] == [second["invitation_id"]]
    assert all(i["url"] is None for i in page["items"])
    rest = (await client.get("/invitations", params={"limit": 1, "offset": 1})).json()
    assert [i["invitation_id"] for i in rest["items"]] == [first["invitation_id"]]
    other_set = (await client.get("/invitations", params={"question_set_id": "x"})).json()
    assert other_set["total"] == 0
    bad = await client.get("/invitations", params={"limit": 500})
    assert bad.status_code == 422
    bad_status = await client.get("/invitations", params={"status": "nope"})
    assert bad_status.status_code == 422
    missing = await client.get("/invitations/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "invitation_not_found"


async def test_the_consent_keeps_the_notice_the_candidate_agreed_to(
    client_with_questions: httpx.AsyncClient, settings: Settings
) -> None:
    client = client_with_questions
    agreed = await invite(client)
    original = settings.notice_text
    await consent_and_start(client, agreed)
    settings.notice_version, settings.notice_text = "2027-01", "A new notice."

    view = (await client.get("/candidate/interview", headers=bearer(agreed))).json()
    assert view["notice"] == {"version": "2026-01", "text": original}
    newcomer = await invite(client)
    view = (await client.get("/candidate/interview", headers=bearer(newcomer))).json()
    assert view["notice"] == {"version": "2027-01", "text": "A new notice."}


async def test_a_new_link_replaces_the_old_one_and_keeps_the_candidates_progress(
    client_with_questions: httpx.AsyncClient, settings: Settings
) -> None:
    client = client_with_questions
    invitation = await invite(client)
    started = await consent_and_start(client, invitation)
    assert started["status"] == "in_progress"
    listed = (await client.get(f"/invitations/{invitation['invitation_id']}")).json()
    assert listed["url"] is None  # a link is never shown again

    renewed = await client.post(f"/invitations/{invitation['invitation_id']}/link")
    assert renewed.status_code == 200, renewed.text
    new = renewed.json()
    assert new["url"] != invitation["url"] and new["url"].rsplit("/", 2)[-2] == "interview"
    assert (new["status"], new["consent"]) == ("in_progress", listed["consent"])
    assert new["expires_at"] == invitation["expires_at"]
    old = await client.get("/candidate/interview", headers=bearer(invitation))
    assert old.status_code == 401
    assert old.json()["error"]["code"] == "invitation_token_invalid"
    opened = await client.get("/candidate/interview", headers=bearer(new))
    assert opened.status_code == 200, opened.text
    assert opened.json()["questions"] == started["questions"]

    db = Database(settings.database_url_for("interview_api"))
    try:
        async with db.session() as session:
            row = await InvitationRepository(session).get(invitation["invitation_id"])
            assert row is not None and row.token_hash == hash_token(token_of(new))
    finally:
        await db.dispose()  # only the new token's hash is stored, never the token
    audit = (await client.get("/audit", params={"action": "link_renewed"})).json()["items"]
    assert [entry["subject_id"] for entry in audit] == [invitation["invitation_id"]]


async def test_a_closed_invitation_gets_no_new_link(
    client_with_questions: httpx.AsyncClient,
) -> None:
    client = client_with_questions
    revoked = await invite(client)
    await client.post(f"/invitations/{revoked['invitation_id']}/revoke")
    refused = await client.post(f"/invitations/{revoked['invitation_id']}/link")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "invitation_closed" and "revoked" in error["message"]
    assert (await client.post("/invitations/no-such-id/link")).status_code == 404
