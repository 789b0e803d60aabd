"""Who may call what: the README's role table, held against every route of both services.

Every route in `app.routes` and every operation of both OpenAPI specs is called with a key of
every role and with no key; each answer must be what the table says (403 for a role it does not
list, 401 without a key unless the route is open). A route missing from the table, a table row
without a route, or a route that declares no rule fails here.
"""

import re
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from pydantic import SecretStr

from interview_api.main import build_app as build_interview_app
from question_api.main import build_app as build_question_app
from shared.app import create_app, served_routes
from shared.auth import Role, candidate_access, uvicorn_bind_host
from shared.db import Database
from shared.keys.store import KeyStore
from shared.serve import main as cli
from shared.serve import serve
from shared.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
SERVICES: dict[str, Callable[[Settings], FastAPI]] = {
    "question": build_question_app,
    "interview": build_interview_app,
}
CALLERS = [*(role.value for role in Role), "no key"]


def readme_table() -> dict[tuple[str, str], str]:
    """(service, "METHOD /path") -> who may call, from the README's role table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Who may call what", 1)[1].split("\n#", 1)[0]
    table: dict[tuple[str, str], str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] not in ("question", "interview", "both"):
            continue
        who = re.sub(r"\s*\(.*\)\s*$", "", cells[2])  # a note in brackets explains, not rules
        for route in re.findall(r"`([A-Z]+ /[^`]*)`", cells[1]):
            services = ("question", "interview") if cells[0] == "both" else (cells[0],)
            for service in services:
                table[(service, route)] = who
    return table


def routes_of(app: FastAPI) -> dict[str, str]:
    """ "METHOD /path" -> the rule in force, for every route the app serves."""
    return {
        f"{method} {route.path}": route.rule.describe() if route.rule else "NO RULE"
        for route in served_routes(app)
        for method in sorted(route.methods)
    }


@dataclass
class Service:
    name: str
    app: FastAPI
    client: httpx.AsyncClient


@pytest.fixture
async def keys(settings: Settings) -> dict[str, str]:
    """A stored key of every role, in the store both services read."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = KeyStore(Database(settings.database_url_for("keys")))
    await store.migrate()
    try:
        return {
            role.value: (await store.create(role.value, f"{role.value} key"))[0] for role in Role
        }
    finally:
        await store.aclose()


@pytest.fixture
async def services(settings: Settings, keys: dict[str, str]) -> AsyncIterator[list[Service]]:
    settings = settings.model_copy(update={"service_api_key": SecretStr(keys["service"])})
    started = []
    for name, build in SERVICES.items():
        app = build(settings)
        context = app.router.lifespan_context(app)
        await context.__aenter__()
        transport = httpx.ASGITransport(app)
        client = httpx.AsyncClient(transport=transport, base_url=f"http://{name}")
        started.append((Service(name, app, client), context))
    yield [service for service, _ in started]
    for service, context in started:
        await service.client.aclose()
        await context.__aexit__(None, None, None)


def test_every_route_has_a_row_in_the_readme_and_every_row_a_route(settings: Settings) -> None:
    table = readme_table()
    served = {
        (name, route): rule
        for name, build in SERVICES.items()
        for route, rule in routes_of(build(settings)).items()
    }
    assert not [r for r, rule in served.items() if rule == "NO RULE"], "routes without a rule"
    assert sorted(set(served) - set(table)) == [], "routes missing from the README role table"
    assert sorted(set(table) - set(served)) == [], "README rows for routes that do not exist"
    wrong = {route: (table[route], rule) for route, rule in served.items() if table[route] != rule}
    assert wrong == {}, "(README, code) differ"


def test_both_openapi_specs_list_only_routes_the_table_covers(settings: Settings) -> None:
    table = readme_table()
    for name, build in SERVICES.items():
        spec = build(settings).openapi()
        for path, operations in spec["paths"].items():
            for method in operations:
                assert (name, f"{method.upper()} {path}") in table


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "no-such-id", path)


def _refused_by_the_table(allowed: str, caller: str) -> bool:
    if allowed == "open":
        return False
    if allowed == "candidate token":
        return True  # a staff key is never a candidate token
    return caller == "no key" or caller not in allowed.split(", ")


async def test_every_route_answers_every_role_as_the_table_says(
    services: list[Service], keys: dict[str, str]
) -> None:
    table = readme_table()
    mismatches = []
    for service in services:
        for route in routes_of(service.app):
            method, path = route.split(" ", 1)
            allowed = table[(service.name, route)]
            for caller in CALLERS:
                headers = {} if caller == "no key" else {"X-API-Key": keys[caller]}
                headers["Tus-Resumable"] = "1.0.0"  # what a resumable-upload client sends
                response = await service.client.request(method, _concrete(path), headers=headers)
                refused = response.status_code in (401, 403)
                if refused != _refused_by_the_table(allowed, caller):
                    mismatches.append((service.name, route, caller, str(response.status_code)))
                elif refused and allowed != "candidate token":
                    expected = "api_key_missing" if caller == "no key" else "role_forbidden"
                    if response.json()["error"]["code"] != expected:
                        mismatches.append((service.name, route, caller, response.text))
    assert mismatches == []


async def test_open_mode_answers_only_callers_on_this_machine(settings: Settings) -> None:
    app = build_question_app(settings)
    async with app.router.lifespan_context(app):
        local = httpx.ASGITransport(app, client=("127.0.0.1", 5000))
        remote = httpx.ASGITransport(app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=local, base_url="http://q") as client:
            assert (await client.get("/question-sets")).status_code == 200
        async with httpx.AsyncClient(transport=remote, base_url="http://q") as client:
            refused = await client.get("/question-sets")
            assert (await client.get("/healthz")).status_code == 200
    assert refused.status_code == 401
    assert "API_KEYS" in refused.json()["error"]["message"]


async def test_a_revoked_key_is_refused_on_both_services_at_once(
    services: list[Service], keys: dict[str, str], settings: Settings
) -> None:
    store = KeyStore(Database(settings.database_url_for("keys")))
    hr = {"X-API-Key": keys["hr"]}
    question, interview = services
    assert (await question.client.get("/question-sets", headers=hr)).status_code == 200
    assert (await interview.client.get("/interviews", headers=hr)).status_code == 200
    (record,) = [r for r in await store.list() if r.role == "hr"]
    assert record.last_used_at is not None  # the last use is recorded
    await store.revoke(record.id)
    await store.aclose()
    for service, path in ((question, "/question-sets"), (interview, "/interviews")):
        refused = await service.client.get(path, headers=hr)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_api_key"


def test_the_keys_command_prints_a_key_once_stores_only_its_hash_and_revokes(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("DATABASE_URL", settings.database_url)
    with pytest.raises(SystemExit) as created:
        cli(["keys", "create", "--role", "hr", "--name", "Ana"])
    assert created.value.code == 0
    out = capsys.readouterr().out
    (key,) = re.findall(r"^(ibk_\S+)$", out, re.MULTILINE)
    key_id = re.findall(r"Created key (\w+)", out)[0]
    if not settings.database_url:  # the SQLite file never holds the key in clear
        assert key.encode() not in (settings.data_dir / "keys.db").read_bytes()
    with pytest.raises(SystemExit):
        cli(["keys", "list"])
    listed = capsys.readouterr().out
    assert key_id in listed and "hr" in listed and "Ana" in listed and "last used never" in listed
    assert key not in listed
    with pytest.raises(SystemExit) as revoked:
        cli(["keys", "revoke", key_id])
    assert revoked.value.code == 0
    with pytest.raises(SystemExit):
        cli(["keys", "list"])
    assert "revoked" in capsys.readouterr().out
    with pytest.raises(SystemExit) as unknown:
        cli(["keys", "revoke", "no-such-key"])
    assert unknown.value.code == 1


def test_serve_refuses_any_address_but_loopback_without_keys(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    assert serve("0.0.0.0", {"QUESTION_API_PORT": 1, "INTERVIEW_API_PORT": 2}) == 2
    message = capsys.readouterr().err
    assert "API_KEYS" in message and "keys create" in message and "0.0.0.0" in message


async def test_a_service_started_by_uvicorn_elsewhere_than_loopback_refuses_without_keys(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        sys, "argv", ["/venv/bin/uvicorn", "question_api.main:app", "--host", "0.0.0.0"]
    )
    app = build_question_app(settings)
    with pytest.raises(RuntimeError, match="API_KEYS"):
        async with app.router.lifespan_context(app):
            pass
    keyed = build_question_app(settings.model_copy(update={"api_keys": "k1"}))
    async with keyed.router.lifespan_context(keyed):
        pass  # with a key it starts


@pytest.mark.parametrize(
    ("argv", "host"),
    [
        (["/v/bin/uvicorn", "a:app"], "127.0.0.1"),
        (["/v/lib/uvicorn/__main__.py", "a:app", "--host", "0.0.0.0"], "0.0.0.0"),
        (["/v/bin/uvicorn", "a:app", "--host=::1"], "::1"),
        (["/v/bin/uvicorn", "a:app", "--uds", "/tmp/s"], "--uds"),
        (["/v/bin/pytest", "-q"], None),
    ],
)
def test_the_bind_address_is_read_from_the_uvicorn_command(argv: list[str], host: str | None):
    assert uvicorn_bind_host(argv) == host


async def test_metrics_can_be_kept_behind_their_own_token(settings: Settings) -> None:
    app = build_question_app(settings.model_copy(update={"metrics_token": SecretStr("m-token")}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://q") as client:
            refused = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
            allowed = await client.get("/metrics", headers={"Authorization": "Bearer m-token"})
            health = await client.get("/healthz")
    assert refused.status_code == wrong.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_metrics_token"
    assert allowed.status_code == 200 and health.status_code == 200


def test_a_public_route_must_declare_open_or_candidate_access(settings: Settings) -> None:
    public = APIRouter()

    @candidate_access
    async def invitation_token() -> str:
        return "token"

    @public.get("/candidate/thing", dependencies=[Depends(invitation_token)])
    async def thing() -> None: ...

    @public.get("/undeclared")
    async def undeclared() -> None: ...

    app = create_app(
        service="question_api",
        title="t",
        description="t",
        routers=[],
        public_routers=[public],
        settings=settings,
    )
    rules = routes_of(app)
    assert rules["GET /candidate/thing"] == "candidate token"
    assert rules["GET /undeclared"] == "NO RULE"  # what the README test refuses


async def test_a_staff_route_without_a_rule_answers_to_admins_only(settings: Settings) -> None:
    staff = APIRouter()

    @staff.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {"ok": "yes"}

    keyed = settings.model_copy(update={"api_keys": "admin-key"})
    app = create_app(
        service="question_api", title="t", description="t", routers=[staff], settings=keyed
    )
    async with app.router.lifespan_context(app):
        store: KeyStore = app.state.keys.store
        hr_key, _ = await store.create("hr", "Ana")
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://q") as client:
            as_hr = await client.get("/forgotten", headers={"X-API-Key": hr_key})
            as_admin = await client.get("/forgotten", headers={"X-API-Key": "admin-key"})
    assert routes_of(app)["GET /forgotten"] == "admin"
    assert as_hr.status_code == 403 and as_hr.json()["error"]["code"] == "role_forbidden"
    assert as_admin.status_code == 200
