"""`interview-backend`: run the whole system on one machine, migrate its databases, manage keys.

`serve` runs each service in its own uvicorn process on its port (`QUESTION_API_PORT`,
`INTERVIEW_API_PORT`, or `--question-port` and `--interview-port`) and prints the URLs to open.
Ctrl-C stops everything; if one exits, the others are stopped too, so a half-running system never
looks healthy. Without any key it refuses to listen on anything but loopback. `migrate` brings
every service's schema to the newest revision. `keys create|list|revoke` manages the staff keys
both services accept.
"""

import argparse
import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from shared.audit import trail as audit_trail
from shared.auth import STAFF_ROLES, KeyRing, Role, is_loopback, open_bind_message
from shared.db import Database
from shared.keys.store import KeyRecord, KeyStore
from shared.migrations import SERVICES as MIGRATED
from shared.migrations import upgrade
from shared.settings import Settings, get_settings


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
    """Run every installed service on its port; 2 when a port is taken or when keys are needed
    (any address but loopback), before starting any."""
    if not is_loopback(host) and asyncio.run(_open_mode(get_settings())):
        print(open_bind_message(host), file=sys.stderr, flush=True)
        return 2
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
    if get_settings().service_api_key is None:
        # Both services run here: they share a credential of this run's own for the interview
        # API's calls to the question API, so staff keys created later need no extra setting.
        env["SERVICE_API_KEY"] = secrets.token_urlsafe(32)
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
    db = Database(settings.database_url_for("interview_api"))
    url = settings.database_url_for(audit_trail.SERVICE)
    trail = db if url == db.url else Database(url)
    try:
        if moved := await audit_trail.carry_over_legacy(db, trail):
            print(f"audit: {moved} entries of the former audit_log moved into the trail")
    finally:
        await db.dispose()
        if trail is not db:
            await trail.dispose()


async def retention(dry_run: bool) -> int:
    """List (with `dry_run`) or erase the interviews whose retention ran out: each its own
    (its question set's `retention_days`, else RETENTION_DAYS when it started)."""
    # the interview API's code, imported only for this command
    from interview_api.analyses.hooks import PipelineHooks
    from interview_api.interviews.retention import erase_expired, expired
    from shared.db import utcnow
    from shared.storage import storage_from_settings

    settings = get_settings()
    default = f"RETENTION_DAYS={settings.retention_days or 'unset'}"
    storage = storage_from_settings(settings)
    try:
        async with audit_trail.service_database(settings, "interview_api") as db:
            now = utcnow()
            if dry_run:
                items = await expired(db, settings.retention_days, now, limit=1_000_000)
                for item in items:
                    print(
                        f"{item.interview_id}\tended {item.ended_at.isoformat()}\t"
                        f"due {item.due_at.isoformat()}"
                    )
                print(f"{len(items)} interviews would be erased ({default}, or their set's days)")
            else:
                erased = await erase_expired(
                    db,
                    storage,
                    PipelineHooks(storage),
                    settings.retention_days,
                    now,
                    max_attempts=settings.outbox_max_attempts,
                )
                print(f"{len(erased)} interviews erased ({default}, or their set's days)")
    finally:
        await storage.aclose()
    return 0


async def _open_mode(settings: Settings) -> bool:
    async with _key_store(settings) as store:
        return await KeyRing(settings, store).open_mode()


@asynccontextmanager
async def _key_store(settings: Settings) -> AsyncIterator[KeyStore]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = KeyStore(Database(settings.database_url_for("keys")))
    try:
        await store.migrate()
        yield store
    finally:
        await store.aclose()


def _describe(record: KeyRecord) -> str:
    used = record.last_used_at.isoformat(timespec="seconds") if record.last_used_at else "never"
    state = (
        f"revoked {record.revoked_at.isoformat(timespec='seconds')}"
        if record.revoked_at
        else "active"
    )
    return (
        f"{record.id}  {record.role:<11}  {record.name}  created "
        f"{record.created_at.isoformat(timespec='seconds')}  last used {used}  {state}"
    )


async def keys(args: argparse.Namespace) -> int:
    async with _key_store(get_settings()) as store:
        if args.keys_command == "create":
            key, record = await store.create(args.role, args.name)
            print(f"Created key {record.id} (role {record.role}, {record.name}).")
            print("The key is shown this once; store it now (it is kept only as a hash):")
            print(key, flush=True)
            return 0
        if args.keys_command == "list":
            records = await store.list()
            for record in records:
                print(_describe(record))
            if not records:
                print("No keys yet: create one with `interview-backend keys create`.")
            return 0
        revoked = await store.revoke(args.key_id)
        if revoked is None:
            print(f"There is no key {args.key_id!r}; `keys list` shows them.", file=sys.stderr)
            return 1
        print(f"Revoked: {_describe(revoked)}", flush=True)
        return 0


def _name(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 200:
        raise argparse.ArgumentTypeError("a name is 1 to 200 characters")
    return value


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
    keep = sub.add_parser("retention", help="erase interviews RETENTION_DAYS after they ended")
    keep.add_argument("--dry-run", action="store_true", help="only list what would be erased")
    keys_parser = sub.add_parser("keys", help="create, list and revoke staff API keys")
    keys_sub = keys_parser.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key (printed once)")
    roles = [r.value for r in (*STAFF_ROLES, Role.service)]
    create.add_argument("--role", required=True, choices=roles)
    create.add_argument("--name", required=True, type=_name, help="who or what holds the key")
    keys_sub.add_parser("list", help="every key: id, role, name, created, last used, revoked")
    revoke = keys_sub.add_parser("revoke", help="revoke a key by its id (from `keys list`)")
    revoke.add_argument("key_id")
    args = parser.parse_args(argv)
    if args.command == "serve":
        sys.exit(
            serve(args.host, {s.port_setting: getattr(args, s.port_setting) for s in SERVICES})
        )
    if args.command == "retention":
        sys.exit(asyncio.run(retention(args.dry_run)))
    if args.command == "keys":
        sys.exit(asyncio.run(keys(args)))
    asyncio.run(migrate())


if __name__ == "__main__":
    main()
