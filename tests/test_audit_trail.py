"""The audit trail as an admin reads it: one list at `GET /audit` of what both services' users
did (generated, edited, approved, invited, viewed, played, rated, decided, exported, erased), by
whom and with which role, that keeps no personal data of the candidate once they are erased;
and no AI output ever decides anything about a candidate."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from interview_api.main import build_app
from interview_api.question_client import QuestionApiClient
from question_api.main import build_app as build_question_app
from shared.audit import trail as audit_trail
from shared.audit.actor import Actor
from shared.db import Database
from shared.http import RetryPolicy
from shared.keys.store import KeyStore
from shared.settings import Settings
from tests.analysis.fakes import interhuman as ih
from tests.analysis.fakes import twelvelabs as tl
from tests.interview_api.conftest import JOB, serve
from tests.interview_api.test_analysis_flow import answer, cloud_providers, finished
from tests.interview_api.test_invitations import bearer, consent_and_start, token_of
from tests.interview_api.test_resumable_uploads import Candidate

__all__ = ["answer"]  # the module-scoped video fixture, shared with the analysis tests

# the people behind the keys, as the trail must name them
PEOPLE = {
    "admin": "Alex Admin",
    "hr": "Hana Recruiter",
    "reviewer": "Rui Reviewer",
    "service": "interview api",
}
CANDIDATE = {"name": "Ada Lovelace", "email": "ada.lovelace@example.com", "id": "cand-7781"}
NOTES = "Ada explained her analytical engine project with care"
REASON = "Strong answers on Django for Ada"


@dataclass
class Answered:
    """A candidate invited to an approved set, who consented, started and sent one answer."""

    set_id: str
    invitation: dict[str, Any]
    interview_id: str
    recording_id: str


@dataclass
class Services:
    questions: httpx.AsyncClient
    interviews: httpx.AsyncClient
    keys: dict[str, str]

    def as_(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}

    async def trail(self, **filters: str) -> list[dict[str, Any]]:
        """The whole trail (or the filtered part), oldest first."""
        response = await self.interviews.get(
            "/audit", params={"limit": "200", **filters}, headers=self.as_("admin")
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return list(reversed(body["items"]))


@pytest.fixture(params=["own databases", "one database"])
def deployment(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    """Each service in its own SQLite file with the trail in the key store's (the embedded
    default), or everything in one database (as with one DATABASE_URL in production), where an
    entry commits in the transaction of the action it records."""
    if request.param == "one database" and settings.database_url is None:
        url = f"sqlite+aiosqlite:///{(settings.data_dir / 'all.db').resolve()}"
        return settings.model_copy(update={"database_url": url})
    return settings


@pytest.fixture
async def services(
    deployment: Settings, fast_policy: RetryPolicy, answer: bytes
) -> AsyncIterator[Services]:
    deployment.data_dir.mkdir(parents=True, exist_ok=True)
    store = KeyStore(Database(deployment.database_url_for("keys")))
    await store.migrate()
    try:
        keys = {role: (await store.create(role, name))[0] for role, name in PEOPLE.items()}
    finally:
        await store.aclose()
    settings = deployment.model_copy(update={"service_api_key": SecretStr(keys["service"])})
    fake_tl, fake_ih = tl.FakeTwelveLabs(processing_polls=1), ih.FakeInterhuman()
    question_app = build_question_app(settings)
    async with serve(question_app) as questions:
        question_client = QuestionApiClient.from_settings(
            settings, policy=fast_policy, transport=httpx.ASGITransport(question_app)
        )
        app = build_app(
            settings,
            question_client=question_client,
            providers=cloud_providers(fake_tl, fake_ih),
        )
        try:
            async with serve(app) as interviews:
                yield Services(questions, interviews, keys)
        finally:
            await question_client.aclose()


async def approved_set(services: Services) -> str:
    """HR generates a set, edits one question and approves the set: its id."""
    hr = services.as_("hr")
    generated = await services.questions.post(
        "/generate", json={"job_description": JOB}, headers=hr
    )
    assert generated.status_code == 201, generated.text
    set_id, questions = generated.json()["question_set_id"], generated.json()["questions"]
    edited = await services.questions.patch(
        f"/question-sets/{set_id}/questions/{questions[0]['id']}",
        json={"text": "Tell us about a Django project you are proud of, and why."},
        headers=hr,
    )
    assert edited.status_code == 200, edited.text
    approved = await services.questions.post(f"/question-sets/{set_id}/approve", headers=hr)
    assert approved.status_code == 200, approved.text
    return str(set_id)


async def interview_with_an_answer(services: Services, video: bytes) -> Answered:
    """HR makes an approved set and invites the candidate, who consents, starts and uploads
    one answer."""
    set_id = await approved_set(services)
    invited = await services.interviews.post(
        "/invitations",
        json={"question_set_id": set_id, "candidate": CANDIDATE},
        headers=services.as_("hr"),
    )
    assert invited.status_code == 201, invited.text
    invitation = invited.json()
    started = await consent_and_start(services.interviews, invitation)
    candidate = Candidate(services.interviews, invitation)
    location = await candidate.location(started["questions"][0]["id"], len(video))
    sent = await candidate.send(location, video, piece=len(video))
    recording_id = str(sent.headers["x-recording-id"])
    return Answered(set_id, invitation, str(invitation["interview_id"]), recording_id)


async def test_the_whole_path_is_in_one_trail_with_people_and_roles_and_no_candidate_data(
    services: Services, answer: bytes
) -> None:
    answered = await interview_with_an_answer(services, answer)
    set_id, interview_id, recording_id = (
        answered.set_id,
        answered.interview_id,
        answered.recording_id,
    )
    api, reviewer = services.interviews, services.as_("reviewer")

    viewed = await api.get(f"/interviews/{interview_id}", headers=reviewer)
    assert viewed.status_code == 200
    # one play, however many requests the player makes: a probe, the start, then seeks
    media = f"/recordings/{recording_id}/media"
    for played in ("bytes=0-1", "bytes=0-", "bytes=4000-", "bytes=9000-"):
        assert (await api.get(media, headers={**reviewer, "Range": played})).status_code == 206
    rated = await api.post(
        f"/recordings/{recording_id}/ratings", json={"rating": 4, "notes": NOTES}, headers=reviewer
    )
    assert rated.status_code == 200, rated.text
    decided = await api.post(
        f"/interviews/{interview_id}/decision",
        json={"decision": "advance", "reason": REASON},
        headers=reviewer,
    )
    assert decided.status_code == 201, decided.text
    exported = await api.get(
        f"/question-sets/{set_id}/comparison",
        params={"format": "csv"},
        headers=services.as_("hr"),
    )
    assert exported.status_code == 200 and CANDIDATE["name"] in exported.text
    erased = await api.delete(f"/interviews/{interview_id}", headers=services.as_("admin"))
    assert erased.status_code == 204, erased.text

    trail = await services.trail()
    hr, rev, admin = PEOPLE["hr"], PEOPLE["reviewer"], PEOPLE["admin"]
    assert [(e["service"], e["action"], e["actor"]["name"], e["actor"]["role"]) for e in trail] == [
        ("question_api", "generated", hr, "hr"),
        ("question_api", "edited", hr, "hr"),
        *[("question_api", "approved", hr, "hr")] * 5,
        ("question_api", "set_approved", hr, "hr"),
        ("interview_api", "invited", hr, "hr"),
        ("interview_api", "consent_given", "candidate", "candidate"),
        ("interview_api", "viewed", rev, "reviewer"),
        ("interview_api", "played", rev, "reviewer"),
        ("interview_api", "rated", rev, "reviewer"),
        ("interview_api", "decided", rev, "reviewer"),
        ("interview_api", "exported", hr, "hr"),
        ("interview_api", "erased", admin, "admin"),
    ]
    by_action = {e["action"]: e for e in trail}
    assert {e["question_set_id"] for e in trail if e["service"] == "question_api"} == {set_id}
    assert by_action["generated"]["details"]["questions"] == 5
    assert by_action["played"]["subject_id"] == recording_id
    assert by_action["rated"]["details"] == {"rating": 4}
    assert by_action["decided"]["details"] == {"decision": "advance"}
    assert by_action["exported"]["details"] == {
        "what": "comparison",
        "format": "csv",
        "candidates": 1,
    }
    assert by_action["exported"]["question_set_id"] == set_id
    for action in ("invited", "viewed", "played", "rated", "decided", "erased"):
        assert by_action[action]["interview_id"] == interview_id

    # the entries survive the erasure, and none of them says who the candidate was
    written = json.dumps(trail)
    for personal in (*CANDIDATE.values(), "Ada", NOTES, REASON, token_of(answered.invitation)):
        assert personal not in written

    # the filters: one interview's story, one set's, one role's
    assert len(await services.trail(interview_id=interview_id)) == 7
    assert {e["action"] for e in await services.trail(question_set_id=set_id)} == {
        "generated",
        "edited",
        "approved",
        "set_approved",
        "exported",
    }
    assert {e["action"] for e in await services.trail(actor_role="reviewer")} == {
        "viewed",
        "played",
        "rated",
        "decided",
    }


async def test_every_question_review_action_is_in_the_trail(services: Services) -> None:
    hr = services.as_("hr")
    created = await services.questions.post("/generate", json={"job_description": JOB}, headers=hr)
    set_id, questions = created.json()["question_set_id"], created.json()["questions"]
    question = f"/question-sets/{set_id}/questions/{questions[1]['id']}"
    for status in ("rejected", "pending"):
        answer = await services.questions.patch(question, json={"status": status}, headers=hr)
        assert answer.status_code == 200, answer.text
    regenerated = await services.questions.post(f"{question}/regenerate", headers=hr)
    assert regenerated.status_code == 200, regenerated.text
    # an idempotent replay of a generation generates nothing, so adds nothing
    replayed = {**hr, "Idempotency-Key": "set-2"}
    for _ in range(2):
        await services.questions.post("/generate", json={"job_description": JOB}, headers=replayed)

    trail = await services.trail()
    assert [(e["action"], e["subject_id"], e["details"]) for e in trail] == [
        ("generated", None, {"provider": "offline", "questions": 5}),
        ("rejected", questions[1]["id"], {"from": "pending", "to": "rejected"}),
        ("reopened", questions[1]["id"], {"from": "rejected", "to": "pending"}),
        ("regenerated", questions[1]["id"], {}),
        ("generated", None, {"provider": "offline", "questions": 5}),
    ]
    assert {e["actor"]["name"] for e in trail} == {PEOPLE["hr"]}
    # the set's own history keeps the wording; the trail never holds question text
    assert questions[1]["text"] not in json.dumps(trail)


async def test_no_ai_output_changes_a_status_only_a_named_person_decides(
    services: Services, answer: bytes
) -> None:
    answered = await interview_with_an_answer(services, answer)
    invitation, interview_id = answered.invitation, answered.interview_id
    api, hr = services.interviews, services.as_("hr")
    ended = await api.post("/candidate/end", headers=bearer(invitation))
    assert ended.status_code == 200, ended.text

    async def statuses() -> tuple[str, str, Any]:
        interview = (await api.get(f"/interviews/{interview_id}", headers=hr)).json()
        invited = (await api.get(f"/invitations/{invitation['invitation_id']}", headers=hr)).json()
        decision = (await api.get(f"/interviews/{interview_id}/decision", headers=hr)).json()
        return interview["status"], invited["status"], decision["current"]

    before = await statuses()
    [recording] = (await api.get(f"/interviews/{interview_id}", headers=hr)).json()["recordings"]
    document = await finished_as(api, recording["analysis_id"], hr)
    # the AI has judged the answer, with scores a rule could be tempted to act on ...
    assert document["status"] == "succeeded", document["providers"]
    assert document["assessment"]["confidence"] == tl.GOOD_ANALYSIS["confidence"]
    assert document["behavior"]["conversation_quality"] is not None
    # ... and nothing about the candidate moved: no status, no decision, none in the report
    assert await statuses() == before == ("ended", "completed", None)
    report = (await api.get(f"/interviews/{interview_id}/report", headers=hr)).json()
    assert report["review"]["decision"] is None
    assert [e["action"] for e in await services.trail(action="decided")] == []

    decided = await api.post(
        f"/interviews/{interview_id}/decision",
        json={"decision": "reject", "reason": "Not enough Django yet"},
        headers=services.as_("reviewer"),
    )
    assert decided.status_code == 201, decided.text
    current = (await statuses())[2]
    assert (current["decision"], current["decided_by"]) == ("reject", PEOPLE["reviewer"])
    [entry] = await services.trail(action="decided")
    assert entry["actor"] == {"name": PEOPLE["reviewer"], "role": "reviewer"}
    assert entry["subject_id"] == current["decision_id"]  # the decision itself, not an answer


async def finished_as(
    api: httpx.AsyncClient, analysis_id: str, headers: dict[str, str]
) -> dict[str, Any]:
    """`finished`, with a staff key (these services hold stored keys, so none is open)."""
    api.headers.update(headers)
    try:
        return await finished(api, analysis_id)
    finally:
        for name in headers:
            del api.headers[name]


@pytest.mark.parametrize("one_database", [True, False])
async def test_an_entry_goes_with_its_action_or_before_it_never_without_it(
    settings: Settings, one_database: bool
) -> None:
    """In the action's own database an entry rolls back with a failed action; in a database
    of its own it is committed first, so a failed action leaves an entry of the attempt."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url_for("interview_api"))
    store = db if one_database else Database(settings.database_url_for("audit"))
    try:
        await audit_trail.open_for(db, store, "interview_api", migrate=True)
        with pytest.raises(RuntimeError):
            async with db.session() as session:
                await audit_trail.record(session, REVIEWER, "decided", interview_id="i-1")
                raise RuntimeError("the decision's own commit fails")
        _, total = await audit_trail.page(store, **NO_FILTER, limit=10, offset=0)
    finally:
        await db.dispose()
        if store is not db:
            await store.dispose()
    assert total == (0 if one_database else 1)


async def test_a_database_without_the_trail_refuses_to_record(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url_for("interview_api"))
    try:
        async with db.session() as session:
            with pytest.raises(audit_trail.TrailNotAttached):
                await audit_trail.record(session, REVIEWER, "viewed", interview_id="i-1")
    finally:
        await db.dispose()


REVIEWER = Actor(PEOPLE["reviewer"], "reviewer")
NO_FILTER: dict[str, Any] = dict.fromkeys(
    ("action", "interview_id", "question_set_id", "actor_role", "since", "until")
)
