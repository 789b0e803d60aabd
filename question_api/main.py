"""The question API app (default port 8001): `uvicorn question_api.main:app`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
from fastapi import FastAPI

from question_api.generation.factory import open_question_generator
from question_api.questions.routes import router
from shared.app import create_app
from shared.settings import Settings, get_settings

SERVICE = "question_api"


def build_app(
    settings: Settings | None = None, *, openai_http_client: httpx2.AsyncClient | None = None
) -> FastAPI:
    """The question API. `openai_http_client` replaces the OpenAI SDK's HTTP client (tests)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def generation(app: FastAPI) -> AsyncIterator[None]:
        async with open_question_generator(settings, openai_http_client) as generator:
            app.state.question_generator = generator
            yield

    return create_app(
        service=SERVICE,
        title="Question API",
        description="Generates five structured interview questions for a job description "
        "(OpenAI, or the offline generator without a key) and lets HR review and approve them.",
        routers=[router],
        settings=settings,
        extra_lifespan=generation,
    )


app = build_app()
