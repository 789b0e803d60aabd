"""From a job description to a person's decision, in the HR console."""

import csv
import io
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.candidate import (
    agree,
    bearer,
    button,
    expect_question,
    finish,
    pass_device_check,
    record,
    submit,
)
from tests.browser.system import Screens
from tests.consent import CONSENT
from tests.console.conftest import ConsoleSystem as System
from tests.console.conftest import running_system
from tests.videos import make_video

JOB = (
    "Backend engineer: Python, Django, PostgreSQL and REST APIs; reviews code and mentors a "
    "small team."
)


@pytest.fixture(scope="module")
def answer_video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 20-second answer: long enough for the stand-in's signals at 5 s and 16 s."""
    path = tmp_path_factory.mktemp("console-video") / "answer.webm"
    make_video(path, seconds=20.0, width=160, height=120)
    return path.read_bytes()


def interview_with_answer(system: System, set_id: str, video: bytes, candidate: str) -> str:
    """An interview of the set with its first question answered, uploaded through the API."""
    with system.staff() as staff:
        started = staff.post(
            "/start-interview",
            json={"question_set_id": set_id, "candidate_id": candidate, **CONSENT},
        )
        assert started.status_code == 201, started.text
        interview: dict[str, Any] = started.json()
        uploaded = staff.post(
            f"/interviews/{interview['interview_id']}/recordings",
            files={"file": ("answer.webm", video, "video/webm")},
            data={"question_id": interview["questions"][0]["id"]},
        )
        assert uploaded.status_code == 202, uploaded.text
    return str(interview["interview_id"])


def take_interview(candidate: Page, url: str, questions: int) -> None:
    candidate.goto(url)
    agree(candidate)
    pass_device_check(candidate)
    for number in range(1, questions + 1):
        expect_question(candidate, number, questions)
        record(candidate, to_the_limit=number == 1)  # a first answer as long as the time allows
        submit(candidate)
    finish(candidate)
    candidate.close()


def generate_and_approve(page: Page, screens: Screens, system: System) -> str:
    page.goto(system.interview_api + "/console")
    page.get_by_label("Your name").fill("Ana Ruiz")
    page.get_by_label("Your name").dispatch_event("change")
    page.get_by_role("textbox", name="Job description").fill(JOB)
    page.get_by_role("button", name="Generate questions").click()
    expect(page.get_by_role("article")).to_have_count(5)
    set_id = page.url.rsplit("/", 1)[-1]

    first = page.get_by_role("article", name="Question 1")
    first.get_by_role("textbox").fill("How would you design the Django models for invoices?")
    first.get_by_role("button", name="Save text of question 1").click()
    expect(page.get_by_role("status")).to_have_text("Question 1 saved.")
    page.get_by_role("button", name="Reject question 4").click()
    expect(page.get_by_role("article", name="Question 4")).to_contain_text("rejected")
    screens("questions-reviewed")
    page.get_by_role("button", name="Approve set").click()
    expect(page.get_by_role("status")).to_contain_text("The set is approved")
    expect(page.get_by_role("article", name="Question 1")).to_contain_text("approved")
    expect(page.get_by_role("textbox", name="Text of question 1")).to_have_value(
        "How would you design the Django models for invoices?"
    )
    page.get_by_text("Review history").click()
    expect(page.locator("#history")).to_contain_text("Ana Ruiz")
    screens("questions-approved")
    return set_id


def test_console_from_a_job_description_to_a_decision(
    page: Page, screens: Screens, system: System, answer_video: bytes
) -> None:
    set_id = generate_and_approve(page, screens, system)

    # Invite a candidate to the approved set, and copy the link
    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("Candidate name").fill("Alex Example")
    page.get_by_label("Email").fill("alex@example.com")
    page.get_by_label("Answer time (s)").fill("10")
    page.get_by_label("Think time (s)").fill("2")
    page.get_by_label("Offer a practice question").uncheck()
    page.get_by_role("button", name="Create invitation").click()
    expect(page.get_by_role("status")).to_have_text("Invitation for Alex Example created.")
    row = page.locator("tbody tr", has_text="Alex Example")
    expect(row).to_contain_text("invited")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy link").first.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.search(r"/interview/[\w-]+$", copied), copied
    screens("invitations")

    # The candidate takes the interview through the candidate page, with the fake camera
    take_interview(page.context.new_page(), copied, questions=4)

    # An answer uploaded through the API is analysed by the stand-ins
    interview_id = interview_with_answer(system, set_id, answer_video, "cand-alex")
    page.get_by_role("link", name="Interviews").click()
    page.get_by_label("Question set").select_option(set_id)
    progress = page.locator(f'tr[data-interview="{interview_id}"] .analysis-progress')
    expect(progress).to_contain_text("succeeded", timeout=120_000)  # refreshes by itself
    taken = page.locator("tr", has_text="Alex Example").locator(".analysis-progress")
    expect(taken).to_contain_text("A4", timeout=120_000)
    expect(taken).not_to_contain_text(re.compile("queued|running"), timeout=120_000)
    # a one-second answer is shorter than Twelve Labs takes: that answer's analysis is partial
    expect(taken).to_have_text(re.compile(r"^(A\d (succeeded|partial)\s*){4}$"))
    screens("interviews")

    # One interview: a click on a signal seeks the video and shows its rationale
    page.locator(f'tr[data-interview="{interview_id}"]').get_by_role("link").click()
    video = page.locator("video")
    expect(video).to_be_visible()
    page.wait_for_function("document.querySelector('video').readyState >= 1")
    expect(page.get_by_text("Advisory: Twelve Labs").first).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Signal hesitation")).click()
    assert abs(video.evaluate("v => v.currentTime") - 16.0) < 0.5
    expect(page.get_by_text("A long pause before answering.")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Signal confidence")).click()
    assert abs(video.evaluate("v => v.currentTime") - 5.0) < 0.5
    expect(
        page.get_by_role("img", name=re.compile("Conversation quality over time"))
    ).to_be_visible()
    screens("interview")

    # The candidate's own answer: transcript beside the video, evaluation quotes, signals
    seek_through_the_candidates_answer(page, system, screens)
    page.goto(f"{system.interview_api}/console#/interviews/{interview_id}")
    expect(page.get_by_text("Advisory: Twelve Labs").first).to_be_visible()

    # Human review: a rating and a decision, each a documented API call
    page.get_by_role("radio", name="4").check()
    page.get_by_label("Notes").fill("Clear on the data model.")
    page.get_by_role("button", name="Save rating").click()
    expect(page.get_by_role("status")).to_have_text("Rating saved.")
    expect(page.get_by_text("Ana Ruiz: 4/5")).to_be_visible()
    page.get_by_role("radio", name="advance").check()
    page.get_by_label("Reason").fill("Strong on the data model")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_have_text("Decision recorded: advance.")
    expect(page.get_by_text("by Ana Ruiz")).to_be_visible()  # the page redrawn with it
    screens("reviewed")
    with system.staff() as staff:
        decision = staff.get(f"/interviews/{interview_id}/decision").json()["current"]
        report = staff.get(f"/interviews/{interview_id}/report").json()
    assert (decision["decision"], decision["decided_by"]) == ("advance", "Ana Ruiz")
    assert [(r["reviewer"], r["rating"]) for r in report["review"]["ratings"]] == [("Ana Ruiz", 4)]

    # Compare the set's candidates, and export them
    page.get_by_role("link", name="Compare").click()
    page.get_by_label("Question set").select_option(set_id)
    table = page.locator("#comparison")
    # the invited candidate who has not answered yet, and the interview answered through the API
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.locator("tbody tr").first).to_contain_text("cand-alex")  # best rated first
    expect(table.locator("tbody tr").first).to_contain_text("4")
    expect(table.locator("tbody tr").last).to_contain_text("Alex Example")
    screens("compare")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    exported = Path(download_info.value.path()).read_text(encoding="utf-8")
    lines = list(csv.DictReader(io.StringIO(exported)))
    rows = sorted((line["candidate"], line["mean_rating"], line["decision"]) for line in lines)
    assert rows == [("Alex Example", "", ""), ("cand-alex", "4.0", "advance")]


def current_time(page: Page) -> float:
    return float(page.locator("video").evaluate("v => v.currentTime"))


def seek_through_the_candidates_answer(page: Page, system: System, screens: Screens) -> None:
    """The first answer of the interview taken in the browser: a click on a word, on an
    evaluation quote and on an Interhuman signal each moves the video there."""
    with system.staff() as staff:
        (invitation,) = staff.get("/invitations", params={"status": "completed"}).json()["items"]
        report = staff.get(f"/interviews/{invitation['interview_id']}/report").json()
    first = report["answers"][0]["analysis"]
    words = first["transcript"]["words"]
    (covered,) = [p for p in first["evaluation"]["points"] if p["status"] == "covered"]
    (quote,) = covered["quotes"]
    assert quote == "then expose them through", covered

    page.get_by_role("link", name="Interviews").click()
    page.locator("tr", has_text="Alex Example").get_by_role("link").click()
    page.get_by_role("button", name=re.compile("^Answer 1")).click()
    page.wait_for_function("document.querySelector('video')?.readyState >= 1")
    transcript = page.get_by_role("region", name="Transcript")
    expect(transcript).to_contain_text("invoice table and a line item table")
    expect(transcript.get_by_text(re.compile("^Advisory: .*whisper-1"))).to_be_visible()

    # a word: the video goes to it and the word is highlighted as the current one
    (word,) = [w for w in words if w["text"] == "PostgreSQL"]
    transcript.get_by_role("button", name=re.compile("^PostgreSQL, at")).click()
    assert abs(current_time(page) - word["start_seconds"]) < 0.05
    current = transcript.locator("[aria-current=true]")
    expect(current).to_have_text("PostgreSQL")
    expect(current).to_have_class(re.compile(r"\bcurrent\b"))
    screens("transcript-word")

    # a quote of the evaluation: the video goes to where the quote's first word is said
    evaluation = page.get_by_role("region", name="Evaluation against expected points")
    expect(evaluation).to_contain_text(covered["point"])
    expect(evaluation.get_by_text(re.compile("^Advisory: .*gpt-4o-mini"))).to_be_visible()
    said = words.index(next(w for w in words if w["text"] == "then"))
    evaluation.get_by_role("button", name=re.compile(f"^Quote .{quote}.")).click()
    assert abs(current_time(page) - words[said]["start_seconds"]) < 0.05
    expect(transcript.locator("[aria-current=true]")).to_have_text("then")

    # a signal of Interhuman's timeline: the video goes to its start, its rationale shows
    page.get_by_role("button", name=re.compile(r"^Signal confidence")).click()
    assert abs(current_time(page) - 5.0) < 0.05
    expect(page.get_by_text("Steady voice with few pauses.")).to_be_visible()
    screens("candidate-answer")


def test_console_shows_what_failed_and_why(
    page: Page, screens: Screens, system: System, answer_video: bytes
) -> None:
    set_id = generate_and_approve(page, screens, system)
    assert system.interhuman is not None
    system.interhuman.fail_next_job("ih5002", "The video file is corrupted.")
    interview_id = interview_with_answer(system, set_id, answer_video, "cand-failed")
    system.wait_analysed(interview_id)
    page.goto(f"{system.interview_api}/console#/interviews/{interview_id}")
    expect(page.get_by_role("note")).to_contain_text("Interhuman failed")
    expect(page.get_by_role("note")).to_contain_text("ih5002")
    expect(page.get_by_text("Advisory: Twelve Labs").first).to_be_visible()
    screens("interhuman-failed")
    page.get_by_role("button", name="Dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    screens("dark-theme")


def test_console_every_screen_in_both_themes(
    page: Page, screens: Screens, system: System, answer_video: bytes
) -> None:
    set_id = system.question_set(approved=4)
    interview_id = interview_with_answer(system, set_id, answer_video, "cand-themes")
    system.wait_analysed(interview_id)
    with system.staff() as staff:
        invited = staff.post(
            "/invitations", json={"question_set_id": set_id, "candidate": {"name": "Sam Themes"}}
        )
        assert invited.status_code == 201, invited.text
    console = system.interview_api + "/console"
    for theme in ("light", "dark"):
        page.goto(console)
        if page.locator("html").get_attribute("data-theme") != theme:
            page.get_by_role("button", name=f"{theme.title()} theme").click()
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        page.goto(f"{console}#/questions/{set_id}")
        expect(page.get_by_role("article")).to_have_count(5)
        page.get_by_text("Review history").click()
        expect(page.locator("#history table")).to_be_visible()
        screens(f"questions-{theme}")
        page.goto(f"{console}#/invitations")
        expect(page.locator("tbody tr", has_text="Sam Themes")).to_be_visible()
        screens(f"invitations-{theme}")
        page.goto(f"{console}#/interviews")
        page.get_by_label("Question set").select_option(set_id)
        expect(page.locator(f'tr[data-interview="{interview_id}"]')).to_contain_text("succeeded")
        screens(f"interviews-{theme}")
        page.goto(f"{console}#/interviews/{interview_id}")
        page.wait_for_function("document.querySelector('video')?.readyState >= 1")
        page.get_by_role("button", name=re.compile(r"^Signal hesitation")).click()
        expect(page.get_by_role("img", name=re.compile("Conversation quality"))).to_be_visible()
        screens(f"interview-{theme}")
        page.goto(f"{console}#/compare/{set_id}")
        expect(page.locator("#comparison tbody tr", has_text="cand-themes")).to_be_visible()
        screens(f"compare-{theme}")


def test_console_gives_any_open_invitation_a_new_link(
    page: Page, screens: Screens, system: System
) -> None:
    """An invitation made elsewhere (here through the API) has no link to copy: "New link" asks
    first, copies a new one, and the link sent before stops working."""
    sent = system.invite(questions=2, candidate={"name": "Lee Elsewhere"})
    closed = system.invite(questions=2, candidate={"name": "Kim Revoked"})
    with system.staff() as staff:
        assert staff.post(f"/invitations/{closed['invitation_id']}/revoke").status_code == 200
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(system.interview_api + "/console#/invitations")
    row = page.locator(f'tr[data-invitation="{sent["invitation_id"]}"]')
    expect(row.get_by_role("button", name="Copy link for Lee Elsewhere")).to_have_count(0)
    expect(page.locator(f'tr[data-invitation="{closed["invitation_id"]}"]')).to_contain_text(
        "no link: the invitation is closed"
    )
    renew = row.get_by_role("button", name="New link for Lee Elsewhere")
    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        if len(asked) == 1:
            dialog.dismiss()  # changed their mind: nothing happens
        else:
            dialog.accept()

    page.on("dialog", answer)
    renew.click()
    expect(row.get_by_role("button", name="New link for Lee Elsewhere")).to_be_visible()
    assert "stops working" in asked[0]
    with system.staff() as staff:
        assert staff.get("/candidate/interview", headers=bearer(sent)).status_code == 200
    screens("invitations-new-link")
    renew.click()
    expect(page.get_by_role("status")).to_have_text(
        "New link for Lee Elsewhere copied. The link sent before no longer works."
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.search(r"/interview/[\w-]+$", copied) and copied != sent["url"], copied
    # this tab keeps the new link: it can be copied again
    row.get_by_role("button", name="Copy link for Lee Elsewhere").click()
    assert page.evaluate("navigator.clipboard.readText()") == copied
    screens("invitations-link-renewed")

    candidate = page.context.new_page()
    candidate.goto(sent["url"])
    expect(candidate.get_by_role("heading", name="This link does not work")).to_be_visible()
    screens.page, kept = candidate, screens.page
    screens("old-link")
    candidate.goto(copied)
    expect(button(candidate, "I agree")).to_be_visible()
    screens.page = kept
    candidate.close()


STAFF_KEY = "console-test-staff-key"


@pytest.fixture(scope="module")
def keyed_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with running_system(tmp_path_factory.mktemp("console-keyed"), API_KEYS=STAFF_KEY) as running:
        yield running


def test_console_with_keys_asks_for_a_staff_key(
    page: Page, screens: Screens, keyed_system: System, answer_video: bytes
) -> None:
    page.goto(keyed_system.interview_api + "/console")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screens("sign-in")
    page.get_by_role("button", name="Dark theme").click()
    screens("sign-in-dark")
    page.get_by_role("button", name="Light theme").click()
    page.get_by_label("Staff key").fill("not-a-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("X-API-Key")
    page.get_by_label("Staff key").fill(STAFF_KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Generate questions")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('console.apiKey')") == STAFF_KEY
    page.get_by_role("textbox", name="Job description").fill(JOB)
    page.get_by_role("button", name="Generate questions").click()  # relayed with the key
    expect(page.get_by_role("article")).to_have_count(5)

    # a <video> cannot send the key: the console fetches the answer with it and plays it
    with httpx.Client(
        base_url=keyed_system.interview_api, headers={"X-API-Key": STAFF_KEY}, timeout=30
    ) as staff:
        interview_id = staff.post("/start-interview", json=CONSENT).json()["interview_id"]
        uploaded = staff.post(
            f"/interviews/{interview_id}/recordings",
            files={"file": ("answer.webm", answer_video, "video/webm")},
        )
        assert uploaded.status_code == 202, uploaded.text
    page.goto(f"{keyed_system.interview_api}/console#/interviews/{interview_id}")
    page.wait_for_function("document.querySelector('video')?.readyState >= 1")
    assert page.evaluate("document.querySelector('video').src").startswith("blob:")
    assert abs(page.evaluate("document.querySelector('video').duration") - 20.0) < 0.5
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def create_key(system: System, role: str, name: str) -> str:
    """`interview-backend keys create`, on the running system's key store."""
    serve = Path(sys.executable).with_name("interview-backend")
    created = subprocess.run(
        [str(serve), "keys", "create", "--role", role, "--name", name],
        env=system.children.env,
        cwd=system.data_dir.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


def sign_in(page: Page, system: System, key: str, role: str) -> None:
    page.goto(system.interview_api + "/console")
    page.get_by_label("Staff key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signed-in")).to_have_text(f"{role} key")


def analysed_interview(system: System, video: bytes) -> tuple[str, str]:
    """A question set and an analysed interview with one answer, made with the admin key."""
    headers = {"X-API-Key": STAFF_KEY}
    with httpx.Client(base_url=system.question_api, headers=headers, timeout=60) as questions:
        made = questions.post("/generate", json={"job_description": JOB})
        assert made.status_code == 201, made.text
        set_id = made.json()["question_set_id"]
        approved = questions.post(f"/question-sets/{set_id}/approve", json={"reviewer": "Ana"})
        assert approved.status_code == 200, approved.text
    with httpx.Client(base_url=system.interview_api, headers=headers, timeout=30) as staff:
        invited = staff.post(
            "/invitations", json={"question_set_id": set_id, "candidate": {"name": "Noor Invited"}}
        )
        assert invited.status_code == 201, invited.text
        started = staff.post(
            "/start-interview",
            json={"question_set_id": set_id, "candidate_id": "cand-roles", **CONSENT},
        )
        interview = started.json()
        uploaded = staff.post(
            f"/interviews/{interview['interview_id']}/recordings",
            files={"file": ("answer.webm", video, "video/webm")},
            data={"question_id": interview["questions"][0]["id"]},
        )
        assert uploaded.status_code == 202, uploaded.text
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # a readiness poll, not a timing assumption
            found = staff.get(f"/interviews/{interview['interview_id']}").json()
            if all(r["status"] not in ("queued", "running") for r in found["recordings"]):
                break
            time.sleep(0.2)
    return set_id, str(interview["interview_id"])


def test_console_offers_each_role_what_it_may_do(
    page: Page, screens: Screens, keyed_system: System, answer_video: bytes
) -> None:
    reviewer = create_key(keyed_system, "reviewer", "Rita Reviewer")
    integration = create_key(keyed_system, "integration", "Data team")
    set_id, interview_id = analysed_interview(keyed_system, answer_video)

    # A reviewer reads questions and invitations, but is offered neither generate nor invite
    sign_in(page, keyed_system, reviewer, "reviewer")
    expect(page.get_by_role("note")).to_contain_text(
        "you can read this, but not generate or change questions"
    )
    expect(page.get_by_role("button", name="Generate questions")).to_have_count(0)
    expect(page.get_by_label("Your name")).to_have_value("Rita Reviewer")
    page.get_by_role("link", name=re.compile("Backend engineer")).first.click()
    expect(page.get_by_role("article")).to_have_count(5)
    expect(page.get_by_role("button", name="Approve set")).to_have_count(0)
    expect(page.get_by_role("button", name="Reject question 1")).to_have_count(0)
    expect(page.get_by_role("form", name="Compliance")).to_have_count(0)
    screens("reviewer-questions")
    page.get_by_role("link", name="Invitations").click()
    expect(page.locator("tbody tr", has_text="Noor Invited")).to_contain_text("invited")
    expect(page.get_by_role("note")).to_contain_text("not invite candidates")
    expect(page.get_by_role("button", name="Create invitation")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^(Revoke|New link)"))).to_have_count(0)
    screens("reviewer-invitations")

    # ... and rates and decides, under the key's own name
    page.goto(f"{keyed_system.interview_api}/console#/interviews/{interview_id}")
    page.wait_for_function("document.querySelector('video')?.readyState >= 1")
    page.get_by_role("radio", name="3").check()
    page.get_by_role("button", name="Save rating").click()
    expect(page.get_by_role("status")).to_have_text("Rating saved.")
    expect(page.get_by_text("Rita Reviewer: 3/5")).to_be_visible()
    page.get_by_role("radio", name="hold").check()
    page.get_by_label("Reason").fill("Second interview first")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_have_text("Decision recorded: hold.")
    expect(page.get_by_text("by Rita Reviewer")).to_be_visible()
    screens("reviewer-interview")
    page.get_by_role("button", name="Sign out").click()

    # An integration key reads the interview, the ratings and the decision, and rates nothing
    sign_in(page, keyed_system, integration, "integration")
    page.goto(f"{keyed_system.interview_api}/console#/interviews/{interview_id}")
    review = page.get_by_role("region", name="Human review of this answer")
    expect(review).to_contain_text("Rita Reviewer: 3/5")
    expect(review.get_by_role("note")).to_contain_text("not rate answers or record decisions")
    expect(page.get_by_role("button", name="Save rating")).to_have_count(0)
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    expect(page.get_by_text("Second interview first")).to_be_visible()
    expect(page.get_by_role("note").filter(has_text="watch the videos")).to_be_visible()
    expect(page.get_by_text("Advisory: Twelve Labs").first).to_be_visible()
    expect(page.get_by_label("Your name")).to_be_hidden()  # it makes no review to sign
    screens("integration-interview")
    page.get_by_role("link", name="Compare").click()
    page.get_by_label("Question set").select_option(set_id)
    expect(page.locator("#comparison tbody tr", has_text="cand-roles")).to_contain_text("hold")
    screens("integration-compare")
    with httpx.Client(base_url=keyed_system.interview_api, timeout=30) as client:
        refused = client.post(
            f"/interviews/{interview_id}/decision",
            json={"decision": "advance"},
            headers={"X-API-Key": integration},
        )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role_forbidden"
