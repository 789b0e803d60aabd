"""`interview-backend serve`: run the whole system on one machine; Ctrl-C stops everything.

Each service runs in its own uvicorn process; if one exits, the others are stopped too, so a
half-running system never looks healthy.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    name: str
    app: str
    port: int


SERVICES = (
    Service("question-api", "question_api.main:app", 8001),
    Service("interview-api", "interview_api.main:app", 8002),
)


def _importable(app: str) -> bool:
    module = app.split(":", 1)[0]
    try:
        __import__(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return False
        raise
    return True


def serve(host: str) -> int:
    env = dict(os.environ)
    env.setdefault("QUESTION_API_URL", f"http://127.0.0.1:{SERVICES[0].port}")
    procs: list[tuple[Service, subprocess.Popen[bytes]]] = []
    for service in SERVICES:
        if not _importable(service.app):
            continue
        cmd = [sys.executable, "-m", "uvicorn", service.app, "--host", host]
        cmd += ["--port", str(service.port), "--no-access-log"]
        procs.append((service, subprocess.Popen(cmd, env=env)))  # noqa: S603
        print(f"{service.name}: http://{host}:{service.port}/docs", flush=True)

    def stop(*_: object) -> None:
        for _service, proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(proc.poll() is None for _, proc in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop()
    for _service, proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    failed = [s.name for s, p in procs if p.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="interview-backend", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="run the question API and the interview API together")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    if args.command == "serve":
        sys.exit(serve(args.host))


if __name__ == "__main__":
    main()
