"""A candidate takes the interview in Chromium, with its fake camera and microphone, against the
real services: what they see on each screen, and what staff find afterwards."""

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

import interview_api.interviews.models  # noqa: F401  (the invitations' foreign key target)
from interview_api.invitations.repository import InvitationRepository
from shared.db import Database
from tests.browser.candidate import (
    agree,
    bearer,
    button,
    expect_question,
    finish,
    interview,
    pass_device_check,
    picture_and_sound,
    record,
    recorded,
    recording_file,
    stop_after_a_second,
    submit,
    tus_create,
)
from tests.browser.system import Screens, System
from tests.videos import make_video


def test_a_whole_interview_of_three_questions_with_one_retake(
    system: System, page: Page, screens: Screens
) -> None:
    invitation = system.invite(questions=3, think_seconds=2, practice=True)
    page.goto(invitation["url"])
    expect(page.get_by_role("heading", name="Your interview for Backend engineer")).to_be_visible()
    facts = page.locator(".facts").inner_text()
    assert "3" in facts and "up to 10 seconds" in facts and "2 seconds" in facts
    expect(page.locator("[data-slot=notice-version]")).not_to_be_empty()
    agree(page, screens)
    pass_device_check(page, screens)

    # the practice question: recorded, played back, never sent
    expect(page.locator("[data-slot=position]")).to_contain_text("Practice question")
    screens("practice")
    record(page)
    expect(button(page, "Start the interview")).to_be_visible()
    expect(button(page, "Submit answer")).to_be_hidden()
    screens("practice-playback")
    button(page, "Start the interview").click()

    hashes: dict[int, tuple[str, int]] = {}
    for number in (1, 2, 3):
        expect_question(page, number, 3)
        screens(f"question-{number}")
        if number == 1:
            record(page)
            expect(page.locator("[data-slot=review-note]")).to_contain_text("1 retake left")
            screens("question-1-playback")
            button(page, "Retake").click()
            expect(button(page, "Start recording now")).to_be_visible()
            record(page)
            expect(button(page, "Retake")).to_be_hidden()  # the one retake is used
        elif number == 2:
            # no click: the think time runs out and the recording starts by itself
            expect(button(page, "Stop recording")).to_be_visible()
            screens("question-2-recording")
            stop_after_a_second(page)
        else:
            record(page, to_the_limit=True)  # stops by itself after 10 s
        hashes[number] = recorded(page)
        submit(page)
    finish(page, screens)
    expect(page.locator("[data-slot=count]")).to_have_text("3 answers")

    found = interview(system, invitation["interview_id"])
    assert found["status"] == "ended"
    by_question = {rec["question_id"]: rec for rec in found["recordings"]}
    assert len(found["recordings"]) == 3  # one for each question, none twice
    assert sorted(q["id"] for q in found["questions"]) == sorted(by_question)
    for number, question in enumerate(found["questions"], start=1):
        stored = by_question[question["id"]]
        assert (stored["sha256"], stored["size_bytes"]) == hashes[number]
        assert stored["container"] == "webm"
        assert stored["analysis_id"]
        assert stored["status"] in ("queued", "running", "succeeded", "partial")
        frames, sound = picture_and_sound(recording_file(system, stored))
        assert frames > 10 and sound > 10, (number, frames, sound)
        with system.staff() as staff:
            analysis = staff.get(f"/analyses/{stored['analysis_id']}").json()
        assert analysis["recording_id"] == stored["recording_id"]
        assert analysis["question"]["id"] == question["id"]
    with system.staff() as staff:
        shown = staff.get(f"/invitations/{invitation['invitation_id']}").json()
    assert shown["status"] == "completed"


def test_refused_consent_ends_the_page_and_the_token_uploads_nothing(
    system: System, page: Page, screens: Screens
) -> None:
    invitation = system.invite(questions=1)
    page.goto(invitation["url"])
    expect(button(page, "I do not agree")).to_be_visible()
    button(page, "I do not agree").click()
    heading = page.get_by_role("heading", name="You did not agree, so nothing was recorded")
    expect(heading).to_be_visible()
    expect(page.locator("main")).to_contain_text("Nothing was recorded")
    screens("declined")

    page.reload()  # the refusal is kept
    expect(heading).to_be_visible()
    question_id = system_questions(system, invitation)[0]
    refused = tus_create(system, bearer(invitation), question_id)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "consent_refused"
    assert interview(system, invitation["interview_id"])["recordings"] == []


def system_questions(system: System, invitation: dict[str, Any]) -> list[str]:
    return [q["id"] for q in interview(system, invitation["interview_id"])["questions"]]


UPLOADS = re.compile(r"/candidate/uploads(/[^/?]+)?$")  # not /static/candidate/uploads.js


RouteHandler = Callable[[Route], None]


def _watching(sent: list[dict[str, str]]) -> RouteHandler:
    """A route handler that lets every upload request through and keeps its headers."""

    def handle(route: Route) -> None:
        sent.append({"method": route.request.method, **route.request.all_headers()})
        route.continue_()

    return handle


def _drop_the_first_patch_halfway(
    context: BrowserContext, sent: list[dict[str, str]]
) -> tuple[RouteHandler, dict[str, int]]:
    """A route handler: the first PATCH reaches the server with only half its bytes, then the
    network goes away (offline mode); every upload request's headers are kept in `sent`, and
    the offset the server then held in the returned dict, under "half"."""
    state: dict[str, int] = {}

    def handle(route: Route) -> None:
        request = route.request
        headers = request.all_headers()
        sent.append({"method": request.method, **headers})
        if request.method != "PATCH" or "half" in state:
            route.continue_()
            return
        body = request.post_data_buffer or b""
        forwarded = {
            name: value
            for name, value in headers.items()
            if name in ("authorization", "tus-resumable", "upload-offset", "content-type")
        }
        half = httpx.patch(request.url, content=body[: len(body) // 2], headers=forwarded)
        assert half.status_code == 204, half.text
        state["half"] = int(half.headers["upload-offset"])
        context.set_offline(True)
        route.abort("internetdisconnected")

    return handle, state


def test_a_network_drop_mid_upload_resumes_into_one_identical_recording(
    system: System, context: BrowserContext, page: Page, screens: Screens
) -> None:
    invitation = system.invite(questions=1, answer_seconds=10)
    page.goto(invitation["url"])
    agree(page)
    pass_device_check(page)
    expect_question(page, 1, 1)
    record(page)
    digest, size = recorded(page)

    sent: list[dict[str, str]] = []
    handler, dropped = _drop_the_first_patch_halfway(context, sent)
    page.route(UPLOADS, handler)
    submit(page)
    expect(page.locator("[data-slot=progress-text]")).to_contain_text("The connection dropped")
    expect(button(page, "Try again")).to_be_visible()
    screens("connection-dropped")
    context.set_offline(False)  # the page carries on by itself when the network is back
    finish(page)

    half = dropped["half"]
    assert 0 < half < size
    patches = [request for request in sent if request["method"] == "PATCH"]
    assert [int(p["upload-offset"]) for p in patches] == [0, half]  # resumed, not restarted
    (stored,) = interview(system, invitation["interview_id"])["recordings"]
    assert (stored["sha256"], stored["size_bytes"]) == (digest, size)


def test_a_reload_during_an_upload_continues_it_from_the_bytes_the_server_holds(
    system: System, context: BrowserContext, page: Page, screens: Screens
) -> None:
    invitation = system.invite(questions=2, answer_seconds=10)
    page.goto(invitation["url"])
    agree(page)
    pass_device_check(page)
    expect_question(page, 1, 2)
    record(page)
    digest, size = recorded(page)

    sent: list[dict[str, str]] = []
    handler, dropped = _drop_the_first_patch_halfway(context, sent)
    page.route(UPLOADS, handler)
    submit(page)
    expect(page.locator("[data-slot=progress-text]")).to_contain_text("The connection dropped")
    # nothing the old page sends gets through; the new one's requests are watched again
    page.unroute(UPLOADS)
    page.route(UPLOADS, lambda route: route.abort())
    context.set_offline(False)
    page.reload()
    page.unroute(UPLOADS)
    page.route(UPLOADS, _watching(sent))

    # back on the page: the kept answer goes on from where the server stopped
    pass_device_check(page)
    expect_question(page, 2, 2)
    screens("after-reload")
    half = dropped["half"]
    patches = [request for request in sent if request["method"] == "PATCH"]
    assert [int(p["upload-offset"]) for p in patches] == [0, half]
    (stored,) = interview(system, invitation["interview_id"])["recordings"]
    assert (stored["sha256"], stored["size_bytes"]) == (digest, size)


def test_a_reload_mid_interview_resumes_at_the_next_question(
    system: System, page: Page, screens: Screens
) -> None:
    invitation = system.invite(questions=3, practice=True)
    page.goto(invitation["url"])
    agree(page)
    pass_device_check(page)
    button(page, "Skip practice").click()
    expect_question(page, 1, 3)
    record(page)
    submit(page)
    expect_question(page, 2, 3)
    second = page.locator("[data-slot=question]").inner_text()

    page.reload()
    pass_device_check(page)
    expect_question(page, 2, 3)  # no practice again, no question twice
    expect(page.locator("[data-slot=question]")).to_have_text(second)
    screens("resumed")


def _expire(system: System, invitation_id: str) -> None:
    async def run() -> None:
        db = Database(f"sqlite+aiosqlite:///{system.data_dir / 'interview_api.db'}")
        try:
            async with db.session() as session:
                row = await InvitationRepository(session).get(invitation_id)
                assert row is not None
                row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
                await session.commit()
        finally:
            await db.dispose()

    # Playwright's sync API runs an event loop in this thread: the database call gets its own
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result()


def test_an_expired_and_a_revoked_invitation_say_so(
    system: System, page: Page, screens: Screens
) -> None:
    expired = system.invite(questions=1)
    _expire(system, expired["invitation_id"])
    page.goto(expired["url"])
    expect(page.get_by_role("heading", name="This invitation has expired")).to_be_visible()
    expect(button(page, "Try again")).to_be_hidden()  # nothing to try: it says what to do
    screens("expired")

    revoked = system.invite(questions=1)
    page.goto(revoked["url"])
    agree(page)
    expect(button(page, "Continue")).to_be_visible()
    with system.staff() as staff:
        assert staff.post(f"/invitations/{revoked['invitation_id']}/revoke").status_code == 200
    page.reload()
    expect(page.get_by_role("heading", name="This invitation was withdrawn")).to_be_visible()
    screens("revoked")

    page.goto(expired["url"].rsplit("/", 1)[0] + "/not-a-real-token")
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    screens("invalid-link")


def _analysed_elsewhere(system: System, folder: Path) -> dict[str, Any]:
    """A recording of an interview started by staff, with its analysis."""
    video = make_video(folder / "answer.webm", seconds=2.0)
    with system.staff() as staff:
        started = staff.post(
            "/start-interview", json={"consent": {"given": True, "notice_version": "2026-01"}}
        ).json()
        with video.open("rb") as file:
            uploaded = staff.post(
                f"/interviews/{started['interview_id']}/recordings",
                files={"file": ("answer.webm", file, "video/webm")},
            )
    assert uploaded.status_code == 202, uploaded.text
    recording: dict[str, Any] = uploaded.json()
    return recording


def _started(client: httpx.Client) -> None:
    version = client.get("/candidate/interview").json()["notice"]["version"]
    assert (
        client.post(
            "/candidate/consent", json={"given": True, "notice_version": version}
        ).status_code
        == 200
    )
    assert client.post("/candidate/start").status_code == 200


def test_an_invitation_that_expires_during_the_interview_says_so_on_submit(
    system: System, page: Page, screens: Screens
) -> None:
    invitation = system.invite(questions=2)
    page.goto(invitation["url"])
    agree(page)
    pass_device_check(page)
    expect_question(page, 1, 2)
    record(page)
    _expire(system, invitation["invitation_id"])
    submit(page)
    expect(page.get_by_role("heading", name="This invitation has expired")).to_be_visible()
    screens("expired-on-submit")
    assert interview(system, invitation["interview_id"])["recordings"] == []


def test_the_token_opens_nothing_but_its_own_interview(system: System, tmp_path: Path) -> None:
    own, other = system.invite(questions=1), system.invite(questions=1)
    elsewhere = _analysed_elsewhere(system, tmp_path)
    with (
        httpx.Client(base_url=system.interview_api, headers=bearer(own), timeout=10) as client,
        httpx.Client(base_url=system.interview_api, headers=bearer(other), timeout=10) as theirs,
    ):
        assert client.get("/candidate/interview").status_code == 200
        for path in (
            f"/analyses/{elsewhere['analysis_id']}",
            f"/analyses/{elsewhere['analysis_id']}/raw",
            f"/interviews/{elsewhere['interview_id']}",
            f"/interviews/{own['interview_id']}",  # its own interview's staff view too
            f"/interviews/{other['interview_id']}",
            f"/invitations/{other['invitation_id']}",
        ):
            refused = client.get(path)
            assert refused.status_code == 403, (path, refused.text)
            assert refused.json()["error"]["code"] == "candidate_token_forbidden"

        _started(client)
        _started(theirs)
        # not another interview's question, and not another invitation's upload
        foreign_question = system_questions(system, other)[0]
        wrong = tus_create(system, bearer(own), foreign_question)
        assert wrong.status_code == 422, wrong.text
        assert wrong.json()["error"]["code"] == "unknown_question"
        mine = tus_create(system, bearer(own), system_questions(system, own)[0])
        assert mine.status_code == 201, mine.text
        peek = theirs.head(mine.headers["location"], headers={"Tus-Resumable": "1.0.0"})
        assert peek.status_code == 403


def test_the_page_works_375_px_wide_with_reduced_motion(
    system: System, browser: Browser, screenshot_dir: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 740},
        reduced_motion="reduce",
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    screens = Screens(page, screenshot_dir, "phone_375px")
    try:
        invitation = system.invite(questions=1, answer_seconds=10)
        page.goto(invitation["url"])

        def fits() -> None:
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"the page is {width} px wide"

        expect(button(page, "I agree")).to_be_visible()
        fits()
        agree(page, screens)
        pass_device_check(page, screens)
        fits()
        expect_question(page, 1, 1)
        screens("question")
        fits()
        button(page, "Start recording now").click()
        expect(page.locator(".rec-badge .dot")).to_be_visible()
        animation = page.evaluate(
            "getComputedStyle(document.querySelector('.rec-badge .dot')).animationName"
        )
        assert animation == "none"  # no pulsing with reduced motion
        screens("recording")
        stop_after_a_second(page)
        fits()
        screens("playback")
        submit(page)
        finish(page, screens)
        fits()
    finally:
        context.close()


def test_one_question_answered_with_the_keyboard_only(
    system: System, page: Page, screens: Screens
) -> None:
    invitation = system.invite(questions=1, answer_seconds=30, think_seconds=30)
    page.goto(invitation["url"])
    expect(button(page, "I agree")).to_be_visible()

    def tab_to(name: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                "document.activeElement && document.activeElement.textContent.trim()"
            )
            if focused == name:
                outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
                assert outline not in ("", "none"), f"{name} shows no focus"
                return
        raise AssertionError(f"Tab never reached {name!r}")

    # every text the screen reader is given, to check that countdowns are not read each second
    page.evaluate(
        """() => {
          window.__announced = [];
          const region = document.getElementById("announcer");
          new MutationObserver(() => {
            if (region.textContent) window.__announced.push(region.textContent);
          }).observe(region, { childList: true, characterData: true, subtree: true });
        }"""
    )
    tab_to("I agree")
    screens("focus-on-agree")
    page.keyboard.press("Enter")
    expect(button(page, "Continue")).to_be_enabled()
    tab_to("Continue")
    page.keyboard.press("Enter")
    expect_question(page, 1, 1)
    announcer = page.locator("#announcer")
    assert announcer.get_attribute("aria-live") == "polite"
    expect(announcer).to_contain_text("to think")
    tab_to("Start recording now")
    page.keyboard.press("Enter")
    stop = button(page, "Stop recording")
    expect(stop).to_be_focused()  # focus follows the step
    expect(announcer).to_contain_text("Recording")
    timer = page.locator("[data-slot=answer-timer]")
    expect(timer).to_have_text("0:29")
    screens("recording-by-keyboard")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Watch your answer")).to_be_focused()
    tab_to("Submit answer")
    screens("focus-on-submit")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="All your answers are in")).to_be_visible()
    tab_to("Finish")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thank you", exact=False)).to_be_visible()
    assert len(interview(system, invitation["interview_id"])["recordings"]) == 1
    announced = page.evaluate("window.__announced")
    assert any("to think" in text for text in announced)
    assert any(text.startswith("Recording.") for text in announced)
    assert len(announced) < 12, announced  # milestones only, never a second-by-second count
    assert not any(re.fullmatch(r"\d+:\d\d", text) for text in announced)


DEVICE_PROBLEMS = {
    "blocked": (
        "navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('denied', 'NotAllowedError'));",
        "The camera and microphone are blocked.",
    ),
    "missing": (
        "navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('none', 'NotFoundError'));",
        "No camera or microphone was found.",
    ),
    "cannot-record": ("delete window.MediaRecorder;", "This browser cannot record video."),
}


def test_camera_and_microphone_problems_are_said_in_words(
    system: System, browser: Browser, screenshot_dir: Path
) -> None:
    invitation = system.invite(questions=1)
    for name, (script, words) in DEVICE_PROBLEMS.items():
        context = browser.new_context(viewport={"width": 1024, "height": 800})
        context.add_init_script(script)
        page = context.new_page()
        try:
            page.goto(invitation["url"])
            if name == "blocked":  # the first visit agrees; the others go straight to the check
                agree(page)
            expect(page.get_by_role("alert")).to_contain_text(words)
            expect(button(page, "Try again")).to_be_visible()
            expect(button(page, "Continue")).to_be_hidden()
            Screens(page, screenshot_dir, f"device_{name}")("device-check")
        finally:
            context.close()


READ_ALOUD_SPY = """
window.__spoken = [];
const speak = speechSynthesis.speak.bind(speechSynthesis);
const cancel = speechSynthesis.cancel.bind(speechSynthesis);
speechSynthesis.speak = (utterance) => { window.__spoken.push(utterance.text); speak(utterance); };
speechSynthesis.cancel = () => { window.__spoken.push("(cancel)"); cancel(); };
"""


def test_the_question_is_read_aloud_when_asked_and_silenced_for_the_recording(
    system: System, context: BrowserContext, page: Page
) -> None:
    context.add_init_script(READ_ALOUD_SPY)
    invitation = system.invite(questions=1, think_seconds=30)
    page.goto(invitation["url"])
    agree(page)
    pass_device_check(page)
    expect_question(page, 1, 1)
    question = page.locator("[data-slot=question]").inner_text()
    toggle = page.get_by_role("checkbox", name="Read questions aloud")
    expect(toggle).not_to_be_checked()  # off until the candidate turns it on
    toggle.check()
    assert question in page.evaluate("window.__spoken")
    button(page, "Start recording now").click()
    expect(button(page, "Stop recording")).to_be_visible()
    spoken = page.evaluate("window.__spoken")
    assert spoken[-1] == "(cancel)"  # the voice is not recorded into the answer
    page.reload()  # the choice is remembered
    pass_device_check(page)
    expect(page.get_by_role("checkbox", name="Read questions aloud")).to_be_checked()


def test_without_speech_synthesis_there_is_no_read_aloud_toggle(
    system: System, context: BrowserContext, page: Page
) -> None:
    context.add_init_script("delete window.speechSynthesis;")
    invitation = system.invite(questions=1, think_seconds=30)
    page.goto(invitation["url"])
    agree(page)
    pass_device_check(page)
    expect_question(page, 1, 1)
    expect(page.get_by_role("checkbox", name="Read questions aloud")).to_be_hidden()
