"""A question set's compliance settings, set in the console, reach the candidate page."""

import httpx
from playwright.sync_api import Page, expect

from tests.browser.system import Screens
from tests.console.conftest import ConsoleSystem as System

NOTICE = "We record your answers for the hiring team. Nothing reads your emotions."


def test_console_compliance_settings_reach_the_candidate_page(
    page: Page, screens: Screens, system: System
) -> None:
    set_id = system.question_set(approved=2)
    page.goto(f"{system.interview_api}/console#/questions/{set_id}")
    form = page.get_by_role("form", name="Compliance")
    expect(form).to_be_visible()

    # a version without its text is refused with the API's code, nothing saved
    form.get_by_label("Notice version").fill("2026-05-eu")
    form.get_by_role("button", name="Save compliance settings").click()
    expect(form.get_by_role("alert")).to_contain_text("notice_text_invalid")

    form.get_by_label("Notice text").fill(NOTICE)
    form.get_by_label("Retention days").fill("14")
    form.get_by_label("Analysis policy").select_option("eu")
    form.get_by_label("Bias audit").check()
    screens("compliance-filled")
    form.get_by_role("button", name="Save compliance settings").click()
    expect(page.get_by_role("status")).to_contain_text("Compliance settings saved")
    # the screen is drawn again from the set as stored
    expect(page.get_by_label("Retention days")).to_have_value("14")
    expect(page.get_by_label("Analysis policy")).to_have_value("eu")
    expect(page.get_by_label("Bias audit")).to_be_checked()
    screens("compliance-saved")

    with httpx.Client(base_url=system.question_api, timeout=30) as questions:
        stored = questions.get(f"/question-sets/{set_id}").json()["compliance"]
    assert stored == {
        "notice": {"version": "2026-05-eu", "text": NOTICE},
        "retention_days": 14,
        "analysis_policy": "eu",
        "bias_audit": True,
    }

    with system.staff() as staff:
        invited = staff.post(
            "/invitations", json={"question_set_id": set_id, "candidate": {"name": "Alex"}}
        )
        assert invited.status_code == 201, invited.text
    candidate = page.context.new_page()
    candidate.goto(invited.json()["url"])
    expect(candidate.get_by_role("region", name="Before you start")).to_contain_text(NOTICE)
    expect(candidate.get_by_text("Notice version 2026-05-eu")).to_be_visible()
    candidate.close()
