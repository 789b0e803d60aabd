"""The child processes of a test: started with their own log file, always killed at the end.

    with Children(tmp_path / "logs", env) as children:
        api = children.start("api-1", [sys.executable, "-m", "uvicorn", ...])

When the block fails, the tail of every child's log is printed (pytest shows it with the
failure); whatever happens, every child still running is killed before the block ends.
"""

import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any


def free_port() -> int:
    """A loopback port nobody listens on (for a child that binds it itself)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Child:
    name: str
    popen: "subprocess.Popen[bytes]"
    log: Path
    stopped_on_purpose: bool = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up."""
        self.stopped_on_purpose = True
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM: ask for a graceful stop (the caller waits for the exit)."""
        self.stopped_on_purpose = True
        self.popen.send_signal(signal.SIGTERM)

    def tail(self, lines: int = 40) -> str:
        """The end of the log, without the HTTP client's line per request (polls would fill it;
        the file has them)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        kept = [line for line in text.splitlines() if '"logger": "httpx"' not in line]
        return "\n".join(kept[-lines:])

    def log_records(self) -> Iterator[dict[str, Any]]:
        """The JSON log lines the process wrote (LOG_FORMAT=json); other lines are skipped."""
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield record


class Children:
    """Processes started by one test, each writing stdout and stderr to `<log_dir>/<name>.log`."""

    def __init__(self, log_dir: Path, env: Mapping[str, str]) -> None:
        self.log_dir = log_dir
        self.env = dict(env)
        self.children: list[Child] = []
        self._files: list[IO[bytes]] = []

    def start(self, name: str, args: Sequence[str], **env: str) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        handle = log.open("wb")
        self._files.append(handle)
        popen = subprocess.Popen(
            list(args), env={**self.env, **env}, stdout=handle, stderr=subprocess.STDOUT
        )
        child = Child(name, popen, log)
        self.children.append(child)
        return child

    def assert_alive(self) -> None:
        """Fail (with its log) when a child died that nobody stopped."""
        for child in self.children:
            if not child.stopped_on_purpose and not child.running():
                raise AssertionError(
                    f"{child.name} (pid {child.pid}) exited with {child.popen.returncode}:\n"
                    f"{child.tail()}"
                )

    def print_tails(self) -> None:
        for child in self.children:
            print(f"\n----- {child.name} (pid {child.pid}), last lines of {child.log} -----")
            print(child.tail())

    def __enter__(self) -> "Children":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                self.print_tails()
        finally:
            for child in self.children:
                if child.running():
                    child.popen.kill()
            for child in self.children:
                try:
                    child.popen.wait(timeout=10)
                except subprocess.TimeoutExpired:  # pragma: no cover (a kill never fails)
                    print(f"{child.name} (pid {child.pid}) ignored SIGKILL", file=sys.stderr)
            for handle in self._files:
                handle.close()
