"""The HR console in a real browser, with the browser tests' Chromium, fixtures and screenshots
(`tests/browser/`), against `interview-backend serve` on free ports with Twelve Labs and
Interhuman stand-ins, an OpenAI-compatible transcription (`verbose_json` with word timestamps)
and chat completions (question generation and the answer evaluation) served over HTTP, so that
every section of an analysis is filled.

Every screen a test reaches is saved as a PNG under one folder, printed at the end of the run
(`BROWSER_SCREENSHOTS` chooses it); look at them after a change to the console.
"""

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.analysis.fakes.interhuman import FakeInterhuman
from tests.analysis.fakes.openai_chat import API_KEY as CHAT_KEY
from tests.analysis.fakes.openai_transcription import API_KEY as TRANSCRIPTION_KEY
from tests.analysis.fakes.twelvelabs import FakeTwelveLabs
from tests.browser.conftest import (  # noqa: F401 (fixtures shared with the candidate page's tests)
    SKIP,
    browser,
    context,
    page,
    screens,
    screenshot_dir,
)
from tests.browser.system import SCREENSHOTS, System, wait_ready
from tests.conftest import _PROVIDER_ENV
from tests.console.models import ConsoleModels
from tests.multiprocess.processes import Children, free_port
from tests.multiprocess.standins import serve_standin

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SKIP:
        for item in items:
            if HERE in item.path.parents:
                item.add_marker(pytest.mark.skip(reason=SKIP))


@dataclass
class ConsoleSystem(System):
    interhuman: FakeInterhuman | None = None
    models: ConsoleModels | None = None

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


@contextlib.contextmanager
def running_system(root: Path, **settings: str) -> Iterator[ConsoleSystem]:
    """`interview-backend serve` on free ports with the provider stand-ins and `settings`."""
    data_dir = root / "data"
    fake_tl, fake_ih = FakeTwelveLabs(processing_polls=1), FakeInterhuman(polls_until_done=1)
    models = ConsoleModels()
    env = {key: value for key, value in os.environ.items() if key not in _PROVIDER_ENV}
    env.pop("QUESTION_API_URL", None)
    question_port, interview_port = free_port(), free_port()
    serve = Path(sys.executable).with_name("interview-backend")
    command = [str(serve), "serve", "--host", "127.0.0.1"]
    command += ["--question-port", str(question_port), "--interview-port", str(interview_port)]
    with (
        serve_standin(fake_tl.handler) as twelvelabs,
        serve_standin(fake_ih.handler) as interhuman,
        serve_standin(models.chat_handler) as chat,
        serve_standin(models.transcription.handler) as transcription,
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
            OPENAI_API_KEY=CHAT_KEY,
            OPENAI_BASE_URL=chat.url + "/v1",
            TRANSCRIPTION_API_KEY=TRANSCRIPTION_KEY,
            TRANSCRIPTION_BASE_URL=transcription.url + "/v1",
            WORKER_POLL_SECONDS="0.2",
            **settings,
        )
        with Children(root / "logs", env) as children:
            children.start("serve", command, PWD=str(root))
            question_api = f"http://127.0.0.1:{question_port}"
            interview_api = f"http://127.0.0.1:{interview_port}"
            wait_ready(question_api, children)
            wait_ready(interview_api, children)
            yield ConsoleSystem(question_api, interview_api, data_dir, children, fake_ih, models)
            children.assert_alive()
            children.children[0].terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                children.children[0].popen.wait(timeout=30)


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleSystem]:
    with running_system(tmp_path_factory.mktemp("console-system")) as running:
        yield running


def pytest_terminal_summary(terminalreporter: Any) -> None:
    console = [path for path in SCREENSHOTS if path.name.startswith("console_")]
    if console:
        terminalreporter.write_line(f"console screenshots ({len(console)}): {console[0].parent}")
