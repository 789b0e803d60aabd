"""What a candidate does on the page, and what staff then find, as small steps the tests share."""

import base64
import re
from pathlib import Path
from typing import Any

import av
import httpx
from playwright.sync_api import Locator, Page, expect

from tests.browser.system import Screens, System

_BLOB_SHA256 = """async () => {
  const video = document.querySelector("video.playback");
  const bytes = await (await fetch(video.src)).arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""), bytes.byteLength];
}"""


def token_of(invitation: dict[str, Any]) -> str:
    return str(invitation["url"]).rsplit("/", 1)[-1]


def bearer(invitation: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_of(invitation)}"}


def button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def agree(page: Page, screens: Screens | None = None) -> None:
    expect(button(page, "I agree")).to_be_visible()
    if screens:
        screens("welcome")
    button(page, "I agree").click()


def pass_device_check(page: Page, screens: Screens | None = None) -> None:
    expect(page.get_by_role("heading", name="Check your camera and microphone")).to_be_visible()
    expect(button(page, "Continue")).to_be_enabled()
    expect(page.locator("[data-slot=checks] li")).to_have_count(3)
    if screens:
        screens("device-check")
    button(page, "Continue").click()


def expect_question(page: Page, number: int, of: int) -> None:
    expect(page.locator("[data-slot=position]")).to_have_text(f"Question {number} of {of}")
    expect(button(page, "Start recording now")).to_be_visible()


def record(page: Page, *, to_the_limit: bool = False) -> None:
    """Start at once; stop by hand once the countdown has moved (a second or more recorded), or
    let the time limit stop the recording."""
    button(page, "Start recording now").click()
    expect(button(page, "Stop recording")).to_be_visible()
    if to_the_limit:
        expect(page.locator("[data-slot=review-note]")).to_contain_text(
            "The time was up", timeout=30_000
        )
    else:
        stop_after_a_second(page)


def stop_after_a_second(page: Page) -> None:
    """Stops the recording once its countdown has moved on (a second or more is recorded)."""
    timer = page.locator("[data-slot=answer-timer]")
    expect(timer).to_have_text(re.compile(r"\d:\d\d"))
    first = timer.inner_text()
    expect(timer).not_to_have_text(first)
    button(page, "Stop recording").click()
    expect(page.get_by_role("heading", name="Watch your answer")).to_be_visible()


def recorded(page: Page) -> tuple[str, int]:
    """SHA-256 and size of the answer the page is playing back (the bytes it would upload)."""
    digest, size = page.evaluate(_BLOB_SHA256)
    return str(digest), int(size)


def submit(page: Page) -> None:
    button(page, "Submit answer").click()


def answer_the_only_question(page: Page, invitation: dict[str, Any]) -> None:
    """Opens the link of a one-question interview, agrees, passes the device check, records
    an answer and submits it."""
    page.goto(invitation["url"])
    agree(page)
    pass_device_check(page)
    expect_question(page, 1, 1)
    record(page)
    submit(page)


def finish(page: Page, screens: Screens | None = None) -> None:
    heading = page.get_by_role("heading", name="All your answers are in")
    expect(heading).to_be_visible(timeout=30_000)
    if screens:
        screens("finish")
    button(page, "Finish").click()
    expect(page.get_by_role("heading", name="Thank you", exact=False)).to_be_visible()
    if screens:
        screens("thank-you")


def interview(system: System, interview_id: str) -> dict[str, Any]:
    with system.staff() as staff:
        response = staff.get(f"/interviews/{interview_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def recording_file(system: System, recording: dict[str, Any]) -> Path:
    folder = system.data_dir / "recordings" / f"interview_{recording['interview_id']}"
    (path,) = folder.glob(f"{recording['recording_id']}.*")
    return path


def picture_and_sound(path: Path) -> tuple[int, int]:
    """Decoded video frames and audio frames in a stored recording."""
    frames = {"video": 0, "audio": 0}
    with av.open(str(path)) as container:
        for frame in container.decode(*container.streams.video, *container.streams.audio):
            kind = "video" if isinstance(frame, av.VideoFrame) else "audio"
            frames[kind] += 1
    return frames["video"], frames["audio"]


def tus_create(system: System, headers: dict[str, str], question_id: str) -> httpx.Response:
    """A tus 1.0 creation request, as tus-js-client sends it."""

    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    metadata = ",".join(
        f"{key} {b64(value)}"
        for key, value in (
            ("question_id", question_id),
            ("filename", "a.webm"),
            ("filetype", "video/webm"),
        )
    )
    return httpx.post(
        f"{system.interview_api}/candidate/uploads",
        headers={
            **headers,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "1000",
            "Upload-Metadata": metadata,
        },
        timeout=10,
    )
