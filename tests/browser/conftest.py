"""The candidate page in a real browser: Debian's Chromium driven by Playwright, with a fake
camera and microphone, against the services started the way `make run` starts them
(`interview-backend serve`, here on free ports with a DATA_DIR of its own).

Every screen a test reaches is saved as a PNG under one folder, named at the end of the run
(`BROWSER_SCREENSHOTS` chooses it); look at them after a change to the page.
"""

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser.system import SCREENSHOTS, Screens, System, wait_ready
from tests.conftest import _PROVIDER_ENV
from tests.multiprocess.processes import Children, free_port

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

if os.environ.get("TEST_DATABASE_URL"):
    SKIP = "the browser tests run once, in the SQLite pass: they test the page, not the database"
elif CHROMIUM is None:
    SKIP = "Chromium is not installed (`apt-get install chromium`; .ci/run installs it)"
else:
    SKIP = ""

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SKIP:
        for item in items:
            if HERE in item.path.parents:
                item.add_marker(pytest.mark.skip(reason=SKIP))


# a page that has to wait for the server (a reload, an upload's end) gets more than 5 s
expect.set_options(timeout=15_000)

CHROMIUM_ARGS = [
    "--use-fake-ui-for-media-stream",  # camera and microphone allowed without a prompt
    "--use-fake-device-for-media-stream",  # a test pattern and a beeping microphone
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """`interview-backend serve` (question API and interview API, embedded analysis worker) on
    free ports, on SQLite and local storage in a fresh DATA_DIR."""
    root = tmp_path_factory.mktemp("system")
    data_dir = root / "data"
    env = {key: value for key, value in os.environ.items() if key not in _PROVIDER_ENV}
    env.pop("QUESTION_API_URL", None)
    env.update(DATA_DIR=str(data_dir), LOG_FORMAT="text", LOG_LEVEL="WARNING")
    question_port, interview_port = free_port(), free_port()
    serve = Path(sys.executable).with_name("interview-backend")
    command = [str(serve), "serve", "--host", "127.0.0.1"]
    command += ["--question-port", str(question_port)]
    command += ["--interview-port", str(interview_port)]
    with Children(root / "logs", env) as children:
        children.start("serve", command, PWD=str(root))
        question_api = f"http://127.0.0.1:{question_port}"
        interview_api = f"http://127.0.0.1:{interview_port}"
        wait_ready(question_api, children)
        wait_ready(interview_api, children)
        yield System(question_api, interview_api, data_dir, children)
        children.assert_alive()
        children.children[0].terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):  # killed on leaving the block
            children.children[0].popen.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module-scoped: Playwright's sync API keeps an event loop running in this thread until it
    # stops, and the async tests of the other modules need the thread's loop free again.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    chosen = os.environ.get("BROWSER_SCREENSHOTS")
    # a relative folder is taken from where pytest was started (tests run in their own folders)
    base = pytestconfig.invocation_params.dir
    folder = base / chosen if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport={"width": 1024, "height": 800})
    made.set_default_timeout(20_000)
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert not errors, f"the page threw: {errors}"


@pytest.fixture
def screens(page: Page, screenshot_dir: Path, request: pytest.FixtureRequest) -> Screens:
    return Screens(page, screenshot_dir, request.node.name.removeprefix("test_"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS:
        terminalreporter.write_line(
            f"candidate page screenshots ({len(SCREENSHOTS)}): {SCREENSHOTS[0].parent}"
        )
