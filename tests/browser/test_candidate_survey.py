"""The bias audit's voluntary survey in Chromium: asked after the last answer where the question
set turns it on, answered or skipped, then the finish screen; the admin's audit counts it."""

from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.candidate import answer_the_only_question, button, finish, pass_device_check
from tests.browser.system import Screens, System


def invite_to_audited_set(system: System) -> dict[str, Any]:
    """An invitation to a one-question set whose compliance settings turn the bias audit on."""
    set_id = system.question_set(1)
    with httpx.Client(base_url=system.question_api, timeout=30) as client:
        turned_on = client.put(f"/question-sets/{set_id}/compliance", json={"bias_audit": True})
    assert turned_on.status_code == 200, turned_on.text
    return system.invite(question_set_id=set_id, retakes=0)


def audit(system: System, question_set_id: str) -> dict[str, Any]:
    with system.staff() as staff:
        response = staff.get("/audits/bias", params={"question_set_id": question_set_id})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def test_the_candidate_answers_the_survey_after_the_last_answer_then_finishes(
    system: System, page: Page, screens: Screens
) -> None:
    invitation = invite_to_audited_set(system)
    answer_the_only_question(page, invitation)

    heading = page.get_by_role("heading", name="Two optional questions about you")
    expect(heading).to_be_visible(timeout=30_000)
    expect(heading).to_be_focused()
    expect(page.locator(".eyebrow")).to_have_text("Voluntary · not part of your interview")
    expect(page.locator("[data-slot=purpose]")).to_contain_text("never see them")
    sex = page.get_by_role("group", name="Sex")
    race = page.get_by_role("group", name="Race/ethnicity")
    expect(sex.get_by_role("radio")).to_have_count(3)
    expect(race.get_by_role("radio")).to_have_count(8)
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)  # nothing chosen for them
    screens("survey")
    sex.get_by_role("radio", name="Female").check()
    race.get_by_role("radio", name="Asian (Not Hispanic or Latino)").check()
    screens("survey-answered")
    button(page, "Submit answers").click()

    finish(page, screens)
    report = audit(system, invitation["question_set_id"])
    by_sex = {row["category"]: row for row in report["by_sex"]}
    assert by_sex["female"]["candidates"] == 1
    page.reload()  # a completed interview is not asked again
    expect(page.get_by_role("heading", name="Thank you", exact=False)).to_be_visible()


def test_the_survey_can_be_skipped_with_the_keyboard_and_is_not_asked_again(
    system: System, page: Page, screens: Screens
) -> None:
    invitation = invite_to_audited_set(system)
    answer_the_only_question(page, invitation)
    expect(page.get_by_role("heading", name="Two optional questions about you")).to_be_visible(
        timeout=30_000
    )
    page.set_viewport_size({"width": 375, "height": 740})  # a phone: nothing wider than it
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 375
    screens("survey-phone")
    # a choice made with the arrow keys, then the survey skipped with the keyboard
    page.get_by_role("group", name="Sex").get_by_role("radio").first.focus()
    page.keyboard.press("ArrowDown")  # Male
    expect(page.get_by_role("radio", name="Male", exact=True)).to_be_checked()
    skip = button(page, "Skip the survey")
    skip.focus()
    page.keyboard.press("Enter")  # skipping sends nothing: the choice above is not kept
    expect(page.get_by_role("heading", name="All your answers are in")).to_be_visible()
    screens("finish-after-skip")
    page.reload()  # the survey was closed: the page resumes at the finish screen
    pass_device_check(page)
    expect(page.get_by_role("heading", name="All your answers are in")).to_be_visible()

    report = audit(system, invitation["question_set_id"])
    by_sex = {row["category"]: row for row in report["by_sex"]}
    assert by_sex["male"]["candidates"] == 0
    assert by_sex["not_answered"]["candidates"] == 1
