"""The README's walk through the API, run as written against the two services started the way
`make run` starts them (`interview-backend serve`), on free ports."""

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.multiprocess.processes import Children, free_port
from tests.videos import make_video

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
SERVE = Path(sys.executable).with_name("interview-backend")
STARTUP_SECONDS = 60

# Every curl of the walk-through fails the script on an HTTP error (and never hangs).
STRICT_CURL = 'curl() { command curl --fail-with-body --max-time 60 "$@"; }\n'


def walkthrough_blocks() -> list[str]:
    """The bash blocks of the README's "A walk through the API" section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## A walk through the API", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


def _until_healthy(urls: list[str], children: Children) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    pending = list(urls)
    while pending:
        children.assert_alive()
        assert time.monotonic() < deadline, f"not healthy in {STARTUP_SECONDS} s: {pending}"
        try:
            if httpx.get(f"{pending[0]}/healthz", timeout=1).status_code == 200:
                pending.pop(0)
                continue
        except httpx.TransportError:
            pass
        time.sleep(0.05)  # polling a starting process, not timing anything


@pytest.fixture
def running_system(tmp_path: Path, database_url: str | None) -> Iterator[dict[str, str]]:
    """`interview-backend serve` on two free ports, in a fresh folder, with a recorded answer."""
    work = tmp_path / "work"
    work.mkdir()
    make_video(work / "answer1.webm", seconds=4.0)
    ports = {"QUESTION_API_PORT": str(free_port()), "INTERVIEW_API_PORT": str(free_port())}
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "TWELVELABS_"))},
        **{k: "" for k in ("INTERHUMAN_API_KEY", "INTERHUMAN_KEY_ID", "API_KEYS")},
        **ports,
        "DATA_DIR": str(work / "data"),
        "DATABASE_URL": database_url or "",  # both services share it, as in production
        "STORAGE_URL": "",
        "QUESTION_API_URL": "",
        "LOG_FORMAT": "text",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    with Children(tmp_path / "logs", env) as children:
        children.start("serve", [str(SERVE), "serve"])
        _until_healthy([f"http://127.0.0.1:{port}" for port in ports.values()], children)
        yield {**env, "WORK": str(work)}
        children.children[0].terminate()
        children.children[0].popen.wait(timeout=30)


def test_the_walkthrough_has_every_step() -> None:
    script = "\n".join(walkthrough_blocks())

    for step in ("/generate", "/regenerate", "/approve", "/start-interview", "/recordings"):
        assert step in script
    assert "localhost:800" not in script  # the ports come from the settings


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through uses curl")
def test_the_readme_walkthrough_runs_as_written(running_system: dict[str, str]) -> None:
    script = "set -euo pipefail\n" + STRICT_CURL + "\n".join(walkthrough_blocks())
    script += '\nprintf "\\nWALKED SET=%s INT=%s ANALYSIS=%s\\n" "$SET" "$INT" "$ANALYSIS"\n'

    done = subprocess.run(
        ["bash", "-c", script],
        cwd=running_system["WORK"],
        env=running_system,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    # Every variable the steps use was set by an earlier step.
    assert re.search(r"^WALKED SET=\S+ INT=\S+ ANALYSIS=\S+$", done.stdout, re.M), done.stdout[
        -500:
    ]
    # The approved questions were served one per line, the edit among them.
    assert "How would you find N+1 queries in a Django view?\n" in done.stdout
