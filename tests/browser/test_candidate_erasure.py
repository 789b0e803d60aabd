"""The candidate deletes their interview, or withdraws their consent, from the page: asked in the
page first, then erased with every stored file, and the page says so, also after a reload."""

from playwright.sync_api import Page, expect

from tests.browser.candidate import (
    agree,
    answer_the_only_question,
    button,
    expect_question,
    finish,
    interview,
    pass_device_check,
    record,
    recording_file,
    submit,
)
from tests.browser.system import Screens, System


def test_delete_my_interview_erases_it_and_the_link_then_says_it_no_longer_works(
    system: System, page: Page, screens: Screens
) -> None:
    invitation = system.invite(questions=2, think_seconds=2, practice=False)
    interview_id = invitation["interview_id"]
    page.goto(invitation["url"])
    expect(button(page, "Delete my interview")).to_be_visible()  # already on the welcome screen
    agree(page)
    pass_device_check(page)
    expect_question(page, 1, 2)
    record(page)
    submit(page)
    expect_question(page, 2, 2)
    (stored,) = interview(system, interview_id)["recordings"]
    stored_file = recording_file(system, stored)

    # "Keep my interview" changes nothing and gives the focus back
    delete = button(page, "Delete my interview")
    delete.click()
    dialog = page.get_by_role("dialog", name="Delete your interview?")
    expect(dialog).to_be_visible()
    expect(button(page, "Keep my interview")).to_be_focused()
    button(page, "Keep my interview").click()
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    assert len(interview(system, interview_id)["recordings"]) == 1

    delete.click()
    expect(dialog).to_be_visible()
    screens("delete-dialog")
    button(page, "Delete everything").click()
    expect(
        page.get_by_role(
            "heading", name="Your interview and its recordings are deleted", exact=True
        )
    ).to_be_visible()
    expect(page.locator("main")).to_contain_text("This link no longer works")
    screens("deleted")

    with system.staff() as staff:
        assert staff.get(f"/interviews/{interview_id}").status_code == 404
        receipt = staff.get(f"/interviews/{interview_id}/erasure")
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["status"] == "erased", receipt.text
    assert [e["reason"] for e in receipt.json()["erasures"]] == ["candidate_request"]
    assert not stored_file.exists()
    assert not any(stored_file.parent.glob("*"))  # no file of the interview is left

    page.reload()
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    expect(page.locator("main")).to_contain_text("deleted at your request")
    screens("reloaded")


def test_withdrawing_consent_on_the_finish_screen_erases_the_answers(
    system: System, page: Page, screens: Screens
) -> None:
    invitation = system.invite(questions=1, think_seconds=2, practice=False)
    interview_id = invitation["interview_id"]
    answer_the_only_question(page, invitation)
    expect(page.get_by_role("heading", name="All your answers are in")).to_be_visible()
    (stored,) = interview(system, interview_id)["recordings"]
    stored_file = recording_file(system, stored)

    # from the keyboard: Enter opens the dialog, Escape keeps everything
    withdraw = button(page, "Withdraw my consent")
    withdraw.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Withdraw your consent?")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(withdraw).to_be_focused()

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    screens("withdraw-dialog")
    button(page, "Withdraw and delete my recordings").click()
    heading = page.get_by_role("heading", name="You withdrew your consent")
    expect(heading).to_be_visible()
    screens("withdrawn")

    found = interview(system, interview_id)
    assert found["recordings"] == []
    assert not stored_file.exists()
    page.reload()
    expect(heading).to_be_visible()  # the page still says why, and offers deleting the rest
    expect(button(page, "Delete my interview")).to_be_visible()


def test_finish_then_delete_from_the_thank_you_screen(
    system: System, page: Page, screens: Screens
) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    invitation = system.invite(questions=1, think_seconds=2, practice=False)
    page.goto(invitation["url"])
    agree(page)
    pass_device_check(page)
    expect_question(page, 1, 1)
    screens("question-375")
    record(page)
    submit(page)
    finish(page)
    button(page, "Delete my interview").click()
    screens("delete-dialog-375")
    button(page, "Delete everything").click()
    expect(page.get_by_role("heading", name="Your interview", exact=False)).to_contain_text(
        "deleted"
    )
    screens("deleted-375")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
