"""The bias audit through the API: the candidate's voluntary survey (offered only where the
question set turns it on, answered once, never shown to reviewers, erased with the interview)
and the admin's audit of a question set (JSON and CSV)."""

import csv
import io
from typing import Any

import httpx
import pytest

from analysis.canonical import AnalysisDocument
from interview_api.bias_audit.gate import bias_audit_enabled
from interview_api.bias_audit.models import SurveyResponse
from interview_api.bias_audit.report import answer_scores
from interview_api.bias_audit.repository import SurveyRepository
from shared.db import Database
from shared.settings import Settings
from tests.interview_api.conftest import QuestionSets
from tests.interview_api.test_invitations import bearer, consent_and_start, invite
from tests.interview_api.test_reviews import upload

ANSWERS = {"sex": "female", "race_ethnicity": "native_hawaiian_or_pacific_islander"}


@pytest.fixture(autouse=True)
def audited_set(question_sets: QuestionSets) -> None:
    """set-1 turns the bias audit on in its compliance settings; set-2 does not."""
    question_sets.compliance["set-1"] = {"bias_audit": True}
    question_sets.add("set-2", ["approved", "approved"])


async def started(client: httpx.AsyncClient) -> dict[str, Any]:
    invitation = await invite(client)
    await consent_and_start(client, invitation)
    return invitation


async def stored_survey(settings: Settings, interview_id: str) -> SurveyResponse | None:
    db = Database(settings.database_url_for("interview_api"))
    try:
        async with db.session() as session:
            return await SurveyRepository(session).for_interview(interview_id)
    finally:
        await db.dispose()


# --- the candidate's survey ---


async def test_the_survey_is_not_offered_unless_the_question_set_turns_it_on(
    client_with_questions: httpx.AsyncClient,
) -> None:
    client = client_with_questions
    invitation = await invite(client, question_set_id="set-2")
    await consent_and_start(client, invitation)
    interview = (await client.get(f"/interviews/{invitation['interview_id']}")).json()
    assert interview["compliance"]["bias_audit"] is False
    state = await client.get("/candidate/survey", headers=bearer(invitation))
    assert state.status_code == 200
    assert state.json()["offered"] is False
    refused = await client.post("/candidate/survey", json=ANSWERS, headers=bearer(invitation))
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "survey_not_offered"


async def test_the_candidate_answers_once_after_starting(
    client_with_questions: httpx.AsyncClient, settings: Settings
) -> None:
    client = client_with_questions
    invitation = await invite(client)
    headers = bearer(invitation)

    offered = (await client.get("/candidate/survey", headers=headers)).json()
    assert (offered["offered"], offered["submitted"]) == (True, False)
    assert "voluntary" in offered["purpose"]
    sex = [o["value"] for o in offered["questions"]["sex"]["options"]]
    assert sex == ["female", "male", "prefer_not_to_say"]
    races = [o["label"] for o in offered["questions"]["race_ethnicity"]["options"]]
    assert races[0] == "Hispanic or Latino"
    assert "Two or More Races (Not Hispanic or Latino)" in races
    assert races[-1] == "Prefer not to say"

    before = await client.post("/candidate/survey", json=ANSWERS, headers=headers)
    assert before.status_code == 403
    assert before.json()["error"]["code"] == "consent_required"
    await consent_and_start(client, invitation)

    answered = await client.post("/candidate/survey", json=ANSWERS, headers=headers)
    assert answered.status_code == 201, answered.text
    assert answered.json()["submitted"] is True
    assert "female" not in answered.text.replace('"value":"female"', "")  # no answers echoed
    again = await client.post("/candidate/survey", json={"sex": "male"}, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "survey_already_submitted"

    stored = await stored_survey(settings, invitation["interview_id"])
    assert stored is not None
    assert (stored.sex, stored.race_ethnicity) == ("female", ANSWERS["race_ethnicity"])


async def test_answering_nothing_closes_the_survey_and_is_stored_as_unanswered(
    client_with_questions: httpx.AsyncClient, settings: Settings
) -> None:
    invitation = await started(client_with_questions)
    skipped = await client_with_questions.post(
        "/candidate/survey", json={}, headers=bearer(invitation)
    )
    assert skipped.status_code == 201
    stored = await stored_survey(settings, invitation["interview_id"])
    assert stored is not None
    assert (stored.sex, stored.race_ethnicity) == (None, None)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"sex": "woman"}, "survey_sex_invalid"),
        ({"sex": 1}, "survey_sex_invalid"),
        ({"race_ethnicity": "white (not hispanic)"}, "survey_race_ethnicity_invalid"),
        ({"race_ethnicity": ["asian", "white"]}, "survey_race_ethnicity_invalid"),
        ({"sex": "male", "age": 40}, "validation_error"),
        ([], "validation_error"),
    ],
)
async def test_bad_answers_get_422_with_their_code(
    client_with_questions: httpx.AsyncClient,
    body: Any,
    code: str,
) -> None:
    invitation = await started(client_with_questions)
    response = await client_with_questions.post(
        "/candidate/survey", json=body, headers=bearer(invitation)
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    state = await client_with_questions.get("/candidate/survey", headers=bearer(invitation))
    assert state.json()["submitted"] is False


async def test_the_survey_before_the_interview_starts_is_409(
    client_with_questions: httpx.AsyncClient,
) -> None:
    client = client_with_questions
    invitation = await invite(client)
    headers = bearer(invitation)
    version = (await client.get("/candidate/interview", headers=headers)).json()["notice"]
    await client.post(
        "/candidate/consent",
        json={"given": True, "notice_version": version["version"]},
        headers=headers,
    )
    early = await client.post("/candidate/survey", json=ANSWERS, headers=headers)
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "interview_not_started"


async def test_no_staff_answer_shows_the_survey_answers(
    client_with_questions: httpx.AsyncClient, webm: bytes
) -> None:
    client = client_with_questions
    invitation = await started(client)
    interview_id = invitation["interview_id"]
    await client.post("/candidate/survey", json=ANSWERS, headers=bearer(invitation))
    question = (await client.get(f"/interviews/{interview_id}")).json()["questions"][0]["id"]
    recording = await upload(client, interview_id, webm, question)
    await client.post(
        f"/recordings/{recording['recording_id']}/ratings", json={"rating": 4, "reviewer": "Ana"}
    )
    await client.post(
        f"/interviews/{interview_id}/decision", json={"decision": "advance", "reviewer": "Ana"}
    )
    staff_answers = [
        f"/interviews/{interview_id}",
        f"/interviews/{interview_id}/report",
        f"/interviews/{interview_id}/decision",
        f"/interviews/{interview_id}/transcript",
        f"/invitations/{invitation['invitation_id']}",
        "/invitations",
        "/interviews",
        "/question-sets/set-1/comparison",
        "/question-sets/set-1/comparison?format=csv",
        f"/analyses/{recording['analysis_id']}",
    ]
    for url in staff_answers:
        response = await client.get(url)
        assert response.status_code == 200, url
        for word in ("native_hawaiian", "Native Hawaiian", "race_ethnicity", "female"):
            assert word not in response.text, (url, word)


# --- erasure ---


async def test_erasing_the_interview_clears_the_answers_and_the_receipt_lists_them(
    client_with_questions: httpx.AsyncClient, settings: Settings
) -> None:
    client = client_with_questions
    invitation = await started(client)
    interview_id = invitation["interview_id"]
    await client.post("/candidate/survey", json=ANSWERS, headers=bearer(invitation))

    erased = await client.delete(f"/interviews/{interview_id}")
    assert erased.status_code in (202, 204)
    stored = await stored_survey(settings, interview_id)
    assert stored is not None and stored.erased_at is not None
    assert (stored.sex, stored.race_ethnicity) == (None, None)
    receipt = (await client.get(f"/interviews/{interview_id}/erasure")).json()
    survey = [c for c in receipt["copies"] if c["provider"] == "bias_survey"]
    assert [c["status"] for c in survey] == ["done"]
    assert survey[0]["objects"] == ["bias_survey_responses"]


async def test_the_candidates_deletion_and_withdrawal_clear_the_answers_too(
    client_with_questions: httpx.AsyncClient, settings: Settings
) -> None:
    client = client_with_questions
    for erase in ("DELETE /candidate/interview", "POST /candidate/consent/withdraw"):
        invitation = await started(client)
        headers = bearer(invitation)
        await client.post("/candidate/survey", json=ANSWERS, headers=headers)
        method, path = erase.split(" ")
        response = await client.request(method, path, headers=headers)
        assert response.status_code in (202, 204), erase
        stored = await stored_survey(settings, invitation["interview_id"])
        assert stored is not None and stored.sex is None and stored.erased_at is not None, erase


async def test_an_interview_without_answers_lists_no_survey_copy(
    client_with_questions: httpx.AsyncClient,
) -> None:
    invitation = await started(client_with_questions)
    interview_id = invitation["interview_id"]
    await client_with_questions.delete(f"/interviews/{interview_id}")
    receipt = (await client_with_questions.get(f"/interviews/{interview_id}/erasure")).json()
    assert all(c["provider"] != "bias_survey" for c in receipt["copies"])


# --- the audit ---


async def candidate(
    client: httpx.AsyncClient,
    webm: bytes,
    *,
    answers: dict[str, str] | None,
    rating: int | None,
    decision: str | None,
) -> str:
    invitation = await started(client)
    interview_id = str(invitation["interview_id"])
    if answers is not None:
        response = await client.post("/candidate/survey", json=answers, headers=bearer(invitation))
        assert response.status_code == 201, response.text
    question = (await client.get(f"/interviews/{interview_id}")).json()["questions"][0]["id"]
    recording = await upload(client, interview_id, webm, question)
    if rating is not None:
        await client.post(
            f"/recordings/{recording['recording_id']}/ratings",
            json={"rating": rating, "reviewer": "Ana"},
        )
    if decision is not None:
        await client.post(
            f"/interviews/{interview_id}/decision", json={"decision": decision, "reviewer": "Ana"}
        )
    return interview_id


async def test_the_audit_gives_rates_and_impact_ratios_by_category(
    client_with_questions: httpx.AsyncClient, webm: bytes
) -> None:
    client = client_with_questions
    women = {"sex": "female", "race_ethnicity": "asian"}
    men = {"sex": "male", "race_ethnicity": "white"}
    # women: 2 of 3 advanced; ratings 5, 4, 2. men: 1 of 2 advanced; ratings 3, 2.
    for rating, decision in ((5, "advance"), (4, "advance"), (2, "reject")):
        await candidate(client, webm, answers=women, rating=rating, decision=decision)
    for rating, decision in ((3, "advance"), (2, "hold")):
        await candidate(client, webm, answers=men, rating=rating, decision=decision)
    # one who preferred not to say, one who never answered, one not yet decided
    await candidate(client, webm, answers={"sex": "prefer_not_to_say"}, rating=1, decision="reject")
    await candidate(client, webm, answers=None, rating=None, decision="advance")
    await candidate(client, webm, answers=men, rating=None, decision=None)
    await invite(client)  # invited, never taken: not a candidate

    response = await client.get("/audits/bias?question_set_id=set-1")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["candidates"] == 8
    assert report["selection"] == {"decided": 7, "advanced": 4, "rate": round(4 / 7, 6)}
    (rating_measure,) = report["measures"]  # no AI scores without providers
    assert rating_measure["name"] == "reviewer_mean_rating"
    assert (rating_measure["median"], rating_measure["scored"]) == (2.5, 6)

    by_sex = {row["category"]: row for row in report["by_sex"]}
    assert by_sex["female"]["candidates"] == 3
    assert by_sex["female"]["selection"] == {
        "decided": 3, "advanced": 2, "rate": round(2 / 3, 6), "impact_ratio": 1.0,
    }  # fmt: skip
    assert by_sex["male"]["candidates"] == 3
    assert by_sex["male"]["selection"]["rate"] == 0.5
    assert by_sex["male"]["selection"]["impact_ratio"] == 0.75
    # ratings above the median 2.5: women 5 and 4 (2 of 3), men 3 (1 of 2)
    female_scoring = by_sex["female"]["scoring"]["reviewer_mean_rating"]
    assert (female_scoring["above_median"], female_scoring["scored"]) == (2, 3)
    assert by_sex["male"]["scoring"]["reviewer_mean_rating"]["impact_ratio"] == 0.75
    assert by_sex["prefer_not_to_say"]["candidates"] == 1
    assert by_sex["prefer_not_to_say"]["selection"]["impact_ratio"] is None
    assert by_sex["not_answered"]["candidates"] == 1
    by_race = {row["category"]: row for row in report["by_race_ethnicity"]}
    assert by_race["asian"]["selection"]["impact_ratio"] == 1.0
    assert by_race["not_answered"]["candidates"] == 2  # prefer-not-to-say left race blank
    intersection = {row["category"]: row for row in report["by_intersection"]}
    assert intersection["female/asian"]["candidates"] == 3
    assert intersection["male/white"]["selection"]["impact_ratio"] == 0.75
    assert intersection["unknown"]["candidates"] == 2
    assert report["limits"]

    exported = await client.get("/audits/bias?question_set_id=set-1&format=csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="bias_audit_set-1.csv"' in exported.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(exported.text)))
    assert lines[0]["dimension"] == "all"
    assert lines[0]["reviewer_mean_rating_median"] == "2.5"
    female = next(line for line in lines if line["category"] == "female")
    assert (female["candidates"], female["selection_rate"]) == ("3", str(round(2 / 3, 6)))
    assert female["selection_impact_ratio"] == "1.0"
    assert {line["dimension"] for line in lines} == {
        "all", "sex", "race_ethnicity", "intersection",
    }  # fmt: skip

    trail = (await client.get("/audit?action=exported")).json()["items"]
    assert trail[0]["subject_id"] == "set-1"
    assert trail[0]["details"]["report"] == "bias_audit"


async def test_the_audit_needs_a_valid_question_set_id(client: httpx.AsyncClient) -> None:
    missing = await client.get("/audits/bias")
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "validation_error"
    assert "question_set_id" in missing.json()["error"]["message"]
    bad = await client.get("/audits/bias?question_set_id=../etc")
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_question_set_id"
    wrong_format = await client.get("/audits/bias?question_set_id=set-1&format=xlsx")
    assert wrong_format.status_code == 422
    empty = (await client.get("/audits/bias?question_set_id=nobody-took-it")).json()
    assert empty["candidates"] == 0
    assert all(row["selection"]["rate"] is None for row in empty["by_sex"])


def test_each_twelve_labs_score_and_the_evaluation_coverage_are_audited() -> None:
    document = AnalysisDocument.model_validate(
        {
            "analysis_id": "a",
            "interview_id": "i",
            "recording_id": "r",
            "question": None,
            "status": "succeeded",
            "created_at": "2026-12-01T10:00:00Z",
            "completed_at": "2026-12-01T10:01:00Z",
            "media": None,
            "assessment": {"relevance_to_question": 7, "clarity": 9, "confidence": None,
                           "model": "pegasus1.5"},
            "behavior": None,
            "speech": None,
            "evaluation": {"points": [], "covered": 2, "partly": 1, "missing": 1,
                           "summary": "", "strengths": [], "gaps": [], "model": "m",
                           "prompt_version": "p"},
            "providers": {},
        }
    )  # fmt: skip
    scores = answer_scores(document)
    assert scores["twelvelabs_relevance_to_question"] == 7
    assert scores["twelvelabs_clarity"] == 9
    assert scores["twelvelabs_confidence"] is None
    assert scores["interhuman_quality_index"] is None
    assert scores["evaluation_coverage"] == 2.5 / 4


class _Interview:
    def __init__(self, compliance: object) -> None:
        self.compliance = compliance


@pytest.mark.parametrize(
    ("compliance", "offered"),
    [(None, False), ({}, False), ({"bias_audit": False}, False), ({"bias_audit": True}, True)],
)
def test_the_gate_reads_the_interviews_compliance_snapshot(
    compliance: object, offered: bool
) -> None:
    assert bias_audit_enabled(_Interview(compliance)) is offered
    assert bias_audit_enabled(object()) is False  # an interview from before snapshots
