"""The app factory both services use: settings, logging, database, errors, health checks."""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from shared.auth import require_api_key
from shared.db import Database
from shared.docs import install_docs
from shared.errors import error_response, install_error_handlers
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
        if settings.auto_migrate:
            await upgrade(db, service)
        app.state.db = db
        try:
            if extra_lifespan is None:
                yield
            else:
                async with extra_lifespan(app):
                    yield
        finally:
            await db.dispose()

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
    app.add_middleware(RequestContextMiddleware)
    install_metrics(app, service)  # GET /metrics, open like the health checks
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"], summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="The database is reachable", response_model=None)
    async def readyz() -> JSONResponse | dict[str, str]:
        try:
            await app.state.db.ping()
        except Exception:
            return error_response(
                503, "database_unavailable", "The database cannot be reached; check DATABASE_URL."
            )
        return {"status": "ready", "database": "ok"}

    for router in routers:
        app.include_router(router, dependencies=[Depends(require_api_key)])
    for router in public_routers:
        app.include_router(router)
    return app
