"""`interview-backend`: run the whole system on one machine, or migrate its databases.

`serve` runs each service in its own uvicorn process (Ctrl-C stops everything; if one exits, the
others are stopped too, so a half-running system never looks healthy). `migrate` brings every
service's schema to the newest revision.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from shared.db import Database
from shared.migrations import SERVICES as MIGRATED
from shared.migrations import upgrade
from shared.settings import get_settings


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


def serve(host: str, ports: dict[str, int] | None = None) -> int:
    """Run every service; `ports` replaces a service's default port (by service name)."""
    ports = {service.name: service.port for service in SERVICES} | (ports or {})
    env = dict(os.environ)
    env.setdefault("QUESTION_API_URL", f"http://127.0.0.1:{ports[SERVICES[0].name]}")
    procs: list[tuple[Service, subprocess.Popen[bytes]]] = []
    for service in SERVICES:
        if not _importable(service.app):
            continue
        port = ports[service.name]
        cmd = [sys.executable, "-m", "uvicorn", service.app, "--host", host]
        cmd += ["--port", str(port), "--no-access-log"]
        procs.append((service, subprocess.Popen(cmd, env=env)))  # noqa: S603
        print(f"{service.name}: http://{host}:{port}/docs", flush=True)

    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    # Ctrl-C and SIGTERM both stop everything, also when SIGINT arrived ignored (a background job)
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stopping and all(proc.poll() is None for _, proc in procs):
        time.sleep(0.2)
    for _service, proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for _service, proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    failed = [s.name for s, p in procs if p.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
    return 1 if failed else 0


async def migrate() -> None:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for service in MIGRATED:
        db = Database(settings.database_url_for(service))
        try:
            await upgrade(db, service)
        finally:
            await db.dispose()
        print(f"{service}: schema up to date", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="interview-backend", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="run the question API and the interview API together")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    for service in SERVICES:
        run.add_argument(
            f"--{service.name}-port",
            type=int,
            default=service.port,
            help=f"the {service.name}'s port (default {service.port})",
        )
    sub.add_parser("migrate", help="apply database migrations for every service")
    args = parser.parse_args(argv)
    if args.command == "serve":
        ports = {s.name: getattr(args, f"{s.name.replace('-', '_')}_port") for s in SERVICES}
        sys.exit(serve(args.host, ports))
    asyncio.run(migrate())


if __name__ == "__main__":
    main()
