"""`interview-backend`: run the whole system on one machine, or migrate its databases.

`serve` runs each service in its own uvicorn process on its port (`QUESTION_API_PORT`,
`INTERVIEW_API_PORT`, or `--question-port` and `--interview-port`) and prints the URLs to open.
Ctrl-C stops everything; if one exits, the others are stopped too, so a half-running system never
looks healthy. `migrate` brings every service's schema to the newest revision.
"""

import argparse
import asyncio
import os
import signal
import socket
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
    port_setting: str  # the setting, and the option, that choose its port
    option: str


SERVICES = (
    Service("question API", "question_api.main:app", "QUESTION_API_PORT", "--question-port"),
    Service("interview API", "interview_api.main:app", "INTERVIEW_API_PORT", "--interview-port"),
)

# What a person opens in a browser, per service: every URL `serve` prints comes from here.
# Pages a service gains later (the candidate page, the HR console) are one line each.
PAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "question API": (("API docs", "/docs"),),
    "interview API": (("API docs", "/docs"), ("HR console", "/console")),
}


def page_urls(service: Service, host: str, port: int) -> list[str]:
    """The lines `serve` prints for one service."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    base = f"http://{shown}:{port}"
    return [f"{service.name}: {base}"] + [
        f"  {label}: {base}{path}" for label, path in PAGES.get(service.name, ())
    ]


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _importable(app: str) -> bool:
    module = app.split(":", 1)[0]
    try:
        __import__(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return False
        raise
    return True


def serve(host: str, ports: dict[str, int]) -> int:
    """Run every installed service on its port; 2 when a port is taken, before starting any."""
    chosen = [(service, ports[service.port_setting]) for service in SERVICES]
    chosen = [(service, port) for service, port in chosen if _importable(service.app)]
    for service, port in chosen:
        if not _port_free(host, port):
            print(
                f"Port {port} on {host} is already in use, so the {service.name} cannot start. "
                f"Choose another with {service.port_setting}=<port> (e.g. in .env, or "
                f"`make run {service.port_setting}=<port>`) or `{service.option} <port>`.",
                file=sys.stderr,
                flush=True,
            )
            return 2
    # The interview API finds the question API on its port unless QUESTION_API_URL says otherwise.
    env = {**os.environ, **{name: str(port) for name, port in ports.items()}}
    procs: list[tuple[Service, subprocess.Popen[bytes]]] = []
    for service, port in chosen:
        cmd = [sys.executable, "-m", "uvicorn", service.app, "--host", host]
        cmd += ["--port", str(port), "--no-access-log"]
        procs.append((service, subprocess.Popen(cmd, env=env)))  # noqa: S603
        print("\n".join(page_urls(service, host, port)), flush=True)

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


def _port(value: str) -> int:
    if value.isdigit() and 1 <= int(value) <= 65535:
        return int(value)
    raise argparse.ArgumentTypeError(f"{value!r} is not a port (1 to 65535)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="interview-backend", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="run the question API and the interview API together")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    settings = get_settings()
    defaults = {
        "QUESTION_API_PORT": settings.question_api_port,
        "INTERVIEW_API_PORT": settings.interview_api_port,
    }
    for service in SERVICES:
        run.add_argument(
            service.option,
            dest=service.port_setting,
            type=_port,
            default=defaults[service.port_setting],
            help=f"port of the {service.name} (default {service.port_setting}, "
            f"now {defaults[service.port_setting]})",
        )
    sub.add_parser("migrate", help="apply database migrations for every service")
    args = parser.parse_args(argv)
    if args.command == "serve":
        sys.exit(
            serve(args.host, {s.port_setting: getattr(args, s.port_setting) for s in SERVICES})
        )
    asyncio.run(migrate())


if __name__ == "__main__":
    main()
