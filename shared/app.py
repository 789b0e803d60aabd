"""The app factory both services use: settings, logging, database, keys, errors, health checks.

Routers come in two kinds. `routers` are staff routes: each one needs a staff key, and declares
which roles may call it with `require_roles(...)` (one that declares nothing answers to admins
only). `public_routers` are the routes that take no staff key: each declares `open_access()` or a
candidate-token dependency marked with `candidate_access`.
"""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from shared.audit import trail as audit_trail
from shared.auth import (
    ADMIN_ONLY,
    OPEN,
    AccessRule,
    KeyRing,
    access_rule,
    enforce_route_rule,
    open_access,
    refuse_open_bind,
    uvicorn_bind_host,
)
from shared.db import Database
from shared.docs import install_docs
from shared.errors import UnexpectedErrorMiddleware, error_response, install_error_handlers
from shared.keys.store import KeyStore
from shared.logging import RequestContextMiddleware, configure_logging
from shared.metrics import install_metrics
from shared.migrations import upgrade
from shared.settings import Settings, get_settings

Extra = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def create_app(
    *,
    service: str,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    public_routers: Sequence[APIRouter] = (),
    settings: Settings | None = None,
    extra_lifespan: Extra | None = None,
) -> FastAPI:
    """Build a service. `routers` are the staff API (behind the API key check);
    `public_routers` are not, and authenticate their callers themselves (the candidate API and
    page). `extra_lifespan` starts and stops what only that service has."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.log_format)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.database_url_for(service))
        keys_url = settings.database_url_for("keys")
        keys_db = db if keys_url == db.url else Database(keys_url)
        try:
            if settings.auto_migrate:
                await upgrade(db, service)
            store = KeyStore(keys_db)
            if settings.auto_migrate:
                await store.migrate()
            await audit_trail.open_for(db, keys_db, service, migrate=settings.auto_migrate)
            app.state.audit_db = keys_db  # the trail lives beside the keys
            app.state.keys = KeyRing(settings, store)
            await refuse_open_bind(app.state.keys, uvicorn_bind_host())
            app.state.db = db
            if extra_lifespan is None:
                yield
            else:
                async with extra_lifespan(app):
                    yield
        finally:
            await db.dispose()
            if keys_db is not db:
                await keys_db.dispose()

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(app)  # /docs and /redoc from the app's own assets, no CDN
    app.state.settings = settings
    # innermost first: an unexpected error becomes a 500 inside the request id's context
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(RequestContextMiddleware)
    install_metrics(app, service)  # GET /metrics: open, or behind METRICS_TOKEN
    install_error_handlers(app)

    @app.get(
        "/healthz",
        tags=["health"],
        summary="The process is alive",
        dependencies=[open_access()],
    )
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["health"],
        summary="The database is reachable",
        response_model=None,
        dependencies=[open_access()],
        responses={503: {"description": "`database_unavailable`"}},
    )
    async def readyz() -> JSONResponse | dict[str, str]:
        try:
            await app.state.db.ping()
        except Exception:
            return error_response(
                503, "database_unavailable", "The database cannot be reached; check DATABASE_URL."
            )
        return {"status": "ready", "database": "ok"}

    for router in routers:
        app.include_router(router, dependencies=[Depends(enforce_route_rule)])
    for router in public_routers:
        app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            document_error_answers(schema, app)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


@dataclass(frozen=True)
class ServedRoute:
    """One route as the app serves it, with the access rule in force on it."""

    methods: frozenset[str]
    path: str
    rule: AccessRule | None
    in_schema: bool


def served_routes(app: FastAPI) -> list[ServedRoute]:
    """Every route of the app, included routers' routes with their effective dependencies.

    The rule in force is the one the route declared; on a staff route that declared none,
    admins only; None on a public route that declared none (a bug tests/test_access.py finds).
    Routes that are not API routes (the docs pages, static files) are open.
    """
    found = []
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        path = context.path_format or context.path or ""
        if isinstance(original, APIRoute):
            rule = access_rule(original)
            if rule is None and any(
                d.call is enforce_route_rule for d in context.dependant.dependencies
            ):
                rule = ADMIN_ONLY
            methods = frozenset(context.methods or ())
            found.append(ServedRoute(methods, path, rule, bool(context.include_in_schema)))
        elif isinstance(original, Mount):
            found.append(ServedRoute(frozenset({"GET"}), f"{original.path}/{{path}}", OPEN, False))
        else:
            methods = frozenset(context.methods or {"GET"}) - {"HEAD"}
            found.append(ServedRoute(methods, path, OPEN, False))
    return found


ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorResponse",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine code (README)."},
                "message": {"type": "string", "description": "What went wrong, what to do."},
            },
        }
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}

_STAFF_ERRORS = {
    "401": "`api_key_missing`, `invalid_api_key`: no staff key, or an unknown or revoked one.",
    "403": "`role_forbidden`: this key's role may not call this route (see the role table).",
    "503": "`key_store_unavailable`: the key store cannot be read, so no key can be checked.",
}
_CANDIDATE_ERRORS = {"401": "The invitation token is missing, unknown, expired or revoked."}
_COMMON_ERRORS = {
    "404": "Nothing has this id (the code names what).",
    "422": "The request is invalid; the code says which field and why.",
    "500": "`internal_error`: a fault on our side; the message names the request id.",
}


def document_error_answers(schema: dict[str, Any], app: FastAPI) -> None:
    """Give every operation its error answers, all in the one error shape: 401/403/503 for staff
    keys, 404 where a path names something, 422 where it takes input, 500 everywhere."""
    schema.setdefault("components", {}).setdefault("schemas", {})["ErrorResponse"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):  # we never answer in those shapes
        schema["components"]["schemas"].pop(name, None)
    for route in served_routes(app):
        if not route.in_schema:
            continue
        rule = route.rule
        for method in route.methods:
            operation = schema["paths"].get(route.path, {}).get(method.lower())
            if operation is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            wanted: dict[str, str] = {}
            if rule is not None and rule.kind == "staff":
                wanted.update(_STAFF_ERRORS)
            elif rule is not None and rule.kind == "candidate":
                wanted.update(_CANDIDATE_ERRORS)
            if "{" in route.path:
                wanted["404"] = _COMMON_ERRORS["404"]
            if operation.get("parameters") or operation.get("requestBody"):
                wanted["422"] = _COMMON_ERRORS["422"]
            wanted["500"] = _COMMON_ERRORS["500"]
            for status, text in wanted.items():
                responses.setdefault(status, {"description": text})
            for status, answer in responses.items():
                if status[0] in "45":
                    answer["content"] = {"application/json": {"schema": _ERROR_REF}}
