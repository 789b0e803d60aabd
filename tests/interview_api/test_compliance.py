"""Compliance settings per question set: set in the question API, copied into each interview
when it starts, and applied to that interview only."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select, update

from analysis.policy import EU_WITHHELD, EU_WITHHELD_SCORES
from interview_api.analyses.hooks import PipelineHooks
from interview_api.interviews.models import Interview
from interview_api.interviews.retention import erase_expired
from shared.audit import trail as audit_trail
from shared.db import Database, utcnow
from shared.http import RetryPolicy
from shared.settings import Settings
from shared.storage import LocalStorage
from tests.analysis.fakes import interhuman as ih
from tests.analysis.fakes import twelvelabs as tl
from tests.analysis.test_policy import AFFECT_WORDS
from tests.consent import CONSENT
from tests.interview_api.conftest import (
    KEY,
    Apis,
    QuestionSets,
    both_apis,
    generate,
    retention_dry_run,
    stored_files,
)
from tests.interview_api.test_analysis_flow import cloud_providers, finished
from tests.videos import make_video

EU_SET = {
    "notice": {"version": "2026-02-eu", "text": "We record your answers. Nothing reads emotions."},
    "retention_days": 1,
    "analysis_policy": "eu",
    "bias_audit": True,
}
GLOBAL = {"notice": None, "retention_days": None, "analysis_policy": None, "bias_audit": False}


async def approved_set(apis: Apis, compliance: dict[str, Any] | None = None) -> str:
    set_id = str((await generate(apis.questions))["question_set_id"])
    approved = await apis.questions.post(f"/question-sets/{set_id}/approve", json={}, headers=KEY)
    assert approved.status_code == 200, approved.text
    if compliance is not None:
        response = await put_compliance(apis.questions, set_id, compliance)
        assert response.status_code == 200, response.text
    return set_id


async def put_compliance(hr: httpx.AsyncClient, set_id: str, body: Any) -> httpx.Response:
    return await hr.put(f"/question-sets/{set_id}/compliance", json=body, headers=KEY)


def consent(version: str) -> dict[str, Any]:
    return {"consent": {"given": True, "notice_version": version}}


async def test_a_new_set_uses_the_global_settings_until_hr_sets_its_own(apis: Apis) -> None:
    generated = await generate(apis.questions)
    assert generated["compliance"] == GLOBAL
    set_id = generated["question_set_id"]

    response = await put_compliance(apis.questions, set_id, EU_SET)

    assert response.status_code == 200, response.text
    assert response.json()["compliance"] == EU_SET
    again = await apis.questions.get(f"/question-sets/{set_id}", headers=KEY)
    assert again.json()["compliance"] == EU_SET
    history = await apis.questions.get(f"/question-sets/{set_id}/history", headers=KEY)
    assert history.json()["items"][-1]["action"] == "compliance_changed"
    # back to the global settings: every field left out is null (bias audit off)
    cleared = await put_compliance(apis.questions, set_id, {})
    assert cleared.json()["compliance"] == GLOBAL


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"retention_days": 0}, "retention_days_invalid"),
        ({"retention_days": 3651}, "retention_days_invalid"),
        ({"retention_days": "30"}, "retention_days_invalid"),
        ({"retention_days": True}, "retention_days_invalid"),
        ({"analysis_policy": "strict"}, "analysis_policy_invalid"),
        ({"bias_audit": "yes"}, "bias_audit_invalid"),
        ({"bias_audit": 1}, "bias_audit_invalid"),
        ({"notice": {"version": "v2"}}, "notice_invalid"),
        ({"notice": "v2"}, "notice_invalid"),
        ({"notice": {"version": "v 2/../x", "text": "Hello"}}, "notice_version_invalid"),
        ({"notice": {"version": "v2", "text": "   "}}, "notice_text_invalid"),
        ({"notice": {"version": "v2", "text": "Hello\u0000"}}, "notice_text_invalid"),
        ({"retention": 30}, "compliance_field_unknown"),
        ([], "request_body_not_object"),
    ],
)
async def test_invalid_settings_are_refused_with_a_code_that_names_the_field(
    apis: Apis, body: Any, code: str
) -> None:
    set_id = (await generate(apis.questions))["question_set_id"]

    response = await put_compliance(apis.questions, set_id, body)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    unchanged = await apis.questions.get(f"/question-sets/{set_id}", headers=KEY)
    assert unchanged.json()["compliance"] == GLOBAL


async def test_a_notice_version_never_changes_its_words(apis: Apis) -> None:
    first = (await generate(apis.questions))["question_set_id"]
    second = (await generate(apis.questions))["question_set_id"]
    assert (await put_compliance(apis.questions, first, EU_SET)).status_code == 200
    reworded = {**EU_SET, "notice": {"version": "2026-02-eu", "text": "Other words."}}

    # not in another set, not in the same set, not even after the set moved on to another
    for set_id in (second, first):
        response = await put_compliance(apis.questions, set_id, reworded)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "notice_version_taken"
    moved_on = {**EU_SET, "notice": {"version": "2026-03-eu", "text": "New words."}}
    assert (await put_compliance(apis.questions, first, moved_on)).status_code == 200
    assert (await put_compliance(apis.questions, second, reworded)).status_code == 409
    # the same words under the same version are fine anywhere
    assert (await put_compliance(apis.questions, second, EU_SET)).status_code == 200
    # and the global notice's version keeps the global text
    global_version = {"notice": {"version": "2026-01", "text": "Something else."}}
    taken = await put_compliance(apis.questions, second, global_version)
    assert taken.json()["error"]["code"] == "notice_version_taken"


async def test_an_interview_keeps_the_settings_it_started_with(apis: Apis) -> None:
    set_id = await approved_set(apis, EU_SET)

    # the candidate must have been shown the set's notice, not the global one
    outdated = await apis.interviews.post(
        "/start-interview", json={**CONSENT, "question_set_id": set_id}, headers=KEY
    )
    assert outdated.status_code == 409
    assert outdated.json()["error"]["code"] == "notice_outdated"
    started = await apis.interviews.post(
        "/start-interview", json={**consent("2026-02-eu"), "question_set_id": set_id}, headers=KEY
    )
    assert started.status_code == 201, started.text
    interview = started.json()
    assert interview["compliance"] == EU_SET
    assert interview["consent"]["notice_version"] == "2026-02-eu"

    later = {**EU_SET, "retention_days": 365, "analysis_policy": "standard", "bias_audit": False}
    assert (await put_compliance(apis.questions, set_id, later)).status_code == 200

    again = await apis.interviews.get(f"/interviews/{interview['interview_id']}", headers=KEY)
    assert again.json()["compliance"] == EU_SET
    notice = await apis.interviews.get("/notices/2026-02-eu")
    assert notice.json() == EU_SET["notice"]


async def test_without_set_settings_an_interview_keeps_the_global_ones(apis: Apis) -> None:
    set_id = await approved_set(apis)

    started = await apis.interviews.post(
        "/start-interview", json={**CONSENT, "question_set_id": set_id}, headers=KEY
    )
    bare = await apis.interviews.post("/start-interview", json=CONSENT, headers=KEY)

    for response in (started, bare):
        assert response.status_code == 201, response.text
        compliance = response.json()["compliance"]
        assert compliance["notice"]["version"] == "2026-01"
        assert compliance["notice"]["text"]
        assert compliance["retention_days"] is None
        assert compliance["analysis_policy"] == "standard"
        assert compliance["bias_audit"] is False


# Applied: the analysis policy reaches the providers, retention erases each interview after its
# own days, the candidate reads and consents to the set's notice.


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("answer") / "answer.webm"
    make_video(path, seconds=3.0, width=320, height=240, speech=[(0.3, 2.5)])
    return path.read_bytes()


async def interview_of(apis: Apis, set_id: str, version: str = "2026-01") -> dict[str, Any]:
    started = await apis.interviews.post(
        "/start-interview", json={**consent(version), "question_set_id": set_id}, headers=KEY
    )
    assert started.status_code == 201, started.text
    return dict(started.json())


async def answered(apis: Apis, interview: dict[str, Any], video: bytes) -> str:
    """Upload one answer to the interview's first question; its analysis id."""
    response = await apis.interviews.post(
        f"/interviews/{interview['interview_id']}/recordings",
        files={"file": ("answer.webm", video, "video/webm")},
        data={"question_id": interview["questions"][0]["id"]},
        headers=KEY,
    )
    assert response.status_code == 202, response.text
    return str(response.json()["analysis_id"])


async def test_each_interview_is_analysed_under_its_own_sets_policy(
    settings: Settings, fast_policy: RetryPolicy, answer: bytes
) -> None:
    fake_tl, fake_ih = tl.FakeTwelveLabs(processing_polls=1), ih.FakeInterhuman()
    async with both_apis(settings, fast_policy, cloud_providers(fake_tl, fake_ih)) as apis:
        apis.interviews.headers.update(KEY)
        eu_set = await approved_set(apis, {"analysis_policy": "eu"})
        standard_set = await approved_set(apis)  # ANALYSIS_POLICY: standard

        eu = await interview_of(apis, eu_set)
        eu_document = await finished(apis.interviews, await answered(apis, eu, answer))
        asked_under_eu = list(fake_tl.analyze_bodies)
        interhuman_under_eu = fake_ih.uploads
        standard = await interview_of(apis, standard_set)
        standard_document = await finished(apis.interviews, await answered(apis, standard, answer))

    # the EU interview: no emotion or affect asked of either provider
    [eu_body] = asked_under_eu
    assert not set(eu_body["response_format"]["json_schema"]["properties"]) & set(
        EU_WITHHELD_SCORES
    )
    assert not [word for word in AFFECT_WORDS if word in eu_body["prompt"].lower()]
    assert interhuman_under_eu == 0
    assert eu_document["policy"]["name"] == "eu"
    assert {w["output"] for w in eu_document["policy"]["withheld"]} == set(EU_WITHHELD)
    assert eu_document["providers"]["interhuman"]["status"] == "skipped"
    assert eu_document["behavior"] is None
    assert all(eu_document["assessment"][score] is None for score in EU_WITHHELD_SCORES)
    # the other set's interview, analysed by the same worker, is asked everything
    standard_body = fake_tl.analyze_bodies[-1]
    assert set(EU_WITHHELD_SCORES) <= set(
        standard_body["response_format"]["json_schema"]["properties"]
    )
    assert fake_ih.uploads == 1
    assert standard_document["policy"] == {"name": "standard", "withheld": []}
    assert standard_document["behavior"] is not None
    assert standard_document["assessment"]["eye_contact"] is not None


async def test_retention_erases_each_interview_after_its_own_sets_days(
    settings: Settings,
    fast_policy: RetryPolicy,
    answer: bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with both_apis(settings, fast_policy) as apis:  # RETENTION_DAYS unset
        short = await interview_of(apis, await approved_set(apis, {"retention_days": 1}))
        long = await interview_of(apis, await approved_set(apis, {"retention_days": 30}))
        unset = await interview_of(apis, await approved_set(apis))
        ids = [i["interview_id"] for i in (short, long, unset)]
        for interview in (short, long, unset):
            await answered(apis, interview, answer)
            await apis.interviews.post(
                "/end-interview", json={"interview_id": interview["interview_id"]}, headers=KEY
            )
    db = Database(settings.database_url_for("interview_api"))
    async with db.session() as session:  # all three ended two days ago
        await session.execute(
            update(Interview)
            .where(Interview.id.in_(ids))
            .values(ended_at=utcnow() - timedelta(days=2))
        )

    out = await retention_dry_run(monkeypatch, capsys, settings)
    assert short["interview_id"] in out
    assert long["interview_id"] not in out and unset["interview_id"] not in out
    assert "1 interviews would be erased" in out

    storage = LocalStorage(settings.data_dir)
    async with audit_trail.service_database(settings, "interview_api") as audited:
        erased = await erase_expired(audited, storage, PipelineHooks(storage), None, utcnow())
    async with db.session() as session:
        kept = set((await session.scalars(select(Interview.id))).all())
    await db.dispose()

    assert erased == [short["interview_id"]]
    assert kept == {long["interview_id"], unset["interview_id"]}
    assert len(stored_files(settings.data_dir)) == 2


async def test_the_candidate_reads_and_consents_to_the_sets_notice(apis: Apis) -> None:
    set_id = await approved_set(apis)
    created = await apis.interviews.post(
        "/invitations",
        json={"question_set_id": set_id, "candidate": {"name": "Ada Lovelace"}},
        headers=KEY,
    )
    assert created.status_code == 201, created.text
    invitation = created.json()
    # set after the invitation was sent, before the candidate opened it: the candidate reads it
    assert (await put_compliance(apis.questions, set_id, EU_SET)).status_code == 200
    candidate = {"Authorization": f"Bearer {invitation['url'].rsplit('/', 1)[-1]}"}

    opened = await apis.interviews.get("/candidate/interview", headers=candidate)
    assert opened.json()["notice"] == EU_SET["notice"]
    page = await apis.interviews.get(urlsplit(invitation["url"]).path)
    assert page.status_code == 200
    # a change once the candidate has read it does not reach this interview
    changed = {**EU_SET, "notice": {"version": "2026-04-eu", "text": "Later words."}}
    assert (await put_compliance(apis.questions, set_id, changed)).status_code == 200
    outdated = await apis.interviews.post(
        "/candidate/consent", json={"given": True, "notice_version": "2026-01"}, headers=candidate
    )
    assert outdated.json()["error"]["code"] == "notice_outdated"
    consented = await apis.interviews.post(
        "/candidate/consent",
        json={"given": True, "notice_version": "2026-02-eu"},
        headers=candidate,
    )

    assert consented.status_code == 200, consented.text
    assert consented.json()["notice"] == EU_SET["notice"]
    interview = await apis.interviews.get(f"/interviews/{invitation['interview_id']}", headers=KEY)
    assert interview.json()["consent"]["notice_version"] == "2026-02-eu"
    assert interview.json()["compliance"]["notice"] == EU_SET["notice"]
    served = await apis.interviews.get("/notices/2026-02-eu")
    assert served.json() == EU_SET["notice"]


async def test_a_candidate_opens_the_link_even_when_the_question_api_is_gone(
    client_with_questions: httpx.AsyncClient, question_sets: QuestionSets
) -> None:
    created = await client_with_questions.post(
        "/invitations", json={"question_set_id": "set-1", "candidate": {"name": "Ada"}}
    )
    assert created.status_code == 201, created.text
    question_sets.sets.clear()  # the question API no longer knows the set
    candidate = {"Authorization": f"Bearer {created.json()['url'].rsplit('/', 1)[-1]}"}

    opened = await client_with_questions.get("/candidate/interview", headers=candidate)

    assert opened.status_code == 200, opened.text
    assert opened.json()["notice"]["version"] == "2026-01"  # as copied at the invitation
