"""The HR console in a real browser: Debian's Chromium driven by Playwright, against the
services started the way `make run` starts them (`interview-backend serve`, on free ports with a
DATA_DIR of its own), with Twelve Labs and Interhuman stand-ins served over HTTP.

Every screen a test reaches is saved as a PNG under one folder, printed at the end of the run
(`BROWSER_SCREENSHOTS` chooses it); look at them after a change to the console.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.analysis.fakes.interhuman import FakeInterhuman
from tests.analysis.fakes.twelvelabs import FakeTwelveLabs
from tests.conftest import _PROVIDER_ENV
from tests.multiprocess.processes import Children, free_port
from tests.multiprocess.standins import serve_standin

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HERE = Path(__file__).parent
START_SECONDS = 60.0
SCREENSHOTS: list[Path] = []

if os.environ.get("TEST_DATABASE_URL"):
    SKIP = "the browser tests run once, in the SQLite pass: they test the console, not the database"
elif CHROMIUM is None:
    SKIP = "Chromium is not installed (`apt-get install chromium`)"
else:
    SKIP = ""

CHROMIUM_ARGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

expect.set_options(timeout=20_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SKIP:
        for item in items:
            if HERE in item.path.parents:
                item.add_marker(pytest.mark.skip(reason=SKIP))


@dataclass
class System:
    question_api: str
    interview_api: str
    data_dir: Path
    children: Children
    interhuman: FakeInterhuman

    def staff(self) -> httpx.Client:
        """A staff client of the interview API (open: loopback, no keys)."""
        return httpx.Client(base_url=self.interview_api, timeout=30)

    def wait_analysed(self, interview_id: str) -> dict[str, Any]:
        """Polls the interview (a readiness poll) until no analysis is queued or running."""
        deadline = time.monotonic() + 120
        with self.staff() as staff:
            while time.monotonic() < deadline:
                interview: dict[str, Any] = staff.get(f"/interviews/{interview_id}").json()
                if all(r["status"] not in ("queued", "running") for r in interview["recordings"]):
                    return interview
                time.sleep(0.2)
        raise AssertionError(f"interview {interview_id} still being analysed")


def _wait_ready(url: str, children: Children) -> None:
    deadline = time.monotonic() + START_SECONDS
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            children.assert_alive()
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{url}/readyz").status_code == 200:
                    return
            time.sleep(0.1)
    raise AssertionError(f"{url} did not become ready")


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    root = tmp_path_factory.mktemp("console-system")
    data_dir = root / "data"
    fake_tl, fake_ih = FakeTwelveLabs(processing_polls=1), FakeInterhuman(polls_until_done=1)
    env = {key: value for key, value in os.environ.items() if key not in _PROVIDER_ENV}
    env.pop("QUESTION_API_URL", None)
    question_port, interview_port = free_port(), free_port()
    serve = Path(sys.executable).with_name("interview-backend")
    command = [str(serve), "serve", "--host", "127.0.0.1"]
    command += ["--question-port", str(question_port), "--interview-port", str(interview_port)]
    with (
        serve_standin(fake_tl.handler) as twelvelabs,
        serve_standin(fake_ih.handler) as interhuman,
    ):
        env.update(
            DATA_DIR=str(data_dir),
            LOG_FORMAT="text",
            LOG_LEVEL="WARNING",
            TWELVELABS_API_KEY=fake_tl.api_key,
            TWELVELABS_BASE_URL=twelvelabs.url + httpx.URL(fake_tl.base_url).path,
            TWELVELABS_POLL_SECONDS="0.2",
            INTERHUMAN_API_KEY=fake_ih.api_key,
            INTERHUMAN_BASE_URL=interhuman.url,
            INTERHUMAN_POLL_SECONDS="0.2",
            WORKER_POLL_SECONDS="0.2",
        )
        with Children(root / "logs", env) as children:
            children.start("serve", command, PWD=str(root))
            question_api = f"http://127.0.0.1:{question_port}"
            interview_api = f"http://127.0.0.1:{interview_port}"
            _wait_ready(question_api, children)
            _wait_ready(interview_api, children)
            yield System(question_api, interview_api, data_dir, children, fake_ih)
            children.assert_alive()
            children.children[0].terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                children.children[0].popen.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module-scoped: Playwright's sync API holds this thread's event loop until it stops.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    chosen = os.environ.get("BROWSER_SCREENSHOTS")
    base = pytestconfig.invocation_params.dir
    folder = base / chosen if chosen else tmp_path_factory.mktemp("console-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def context(browser: Browser, system: System) -> Iterator[BrowserContext]:
    made = browser.new_context(
        viewport={"width": 1200, "height": 900}, base_url=system.interview_api, accept_downloads=True
    )
    made.grant_permissions(["clipboard-read", "clipboard-write"], origin=system.interview_api)
    made.set_default_timeout(20_000)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert not errors, f"the console threw: {errors}"


class Screens:
    """Saves the page as `<test>-<nn>-<what>.png` in the screenshot folder."""

    def __init__(self, page: Page, folder: Path, prefix: str) -> None:
        self.page, self.folder, self.prefix, self.count = page, folder, prefix, 0

    def __call__(self, what: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.prefix}-{self.count:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)
        SCREENSHOTS.append(path)
        return path


@pytest.fixture
def screens(page: Page, screenshot_dir: Path, request: pytest.FixtureRequest) -> Screens:
    return Screens(page, screenshot_dir, request.node.name.removeprefix("test_"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS:
        terminalreporter.write_line(
            f"console screenshots ({len(SCREENSHOTS)}): {SCREENSHOTS[0].parent}"
        )
