"""Compliance settings per question set: set in the question API, copied into each interview
when it starts, and applied to that interview only."""

from typing import Any

import httpx
import pytest

from tests.consent import CONSENT
from tests.interview_api.conftest import KEY, Apis, generate

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
