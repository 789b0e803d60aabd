"""The question generator the settings ask for, open for the life of the app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
import openai

from question_api.generation.base import QuestionGenerator
from question_api.generation.fallback import FallbackGenerator
from question_api.generation.offline import OfflineGenerator
from question_api.generation.openai_generator import OpenAIGenerator
from shared.settings import Settings


@asynccontextmanager
async def open_question_generator(
    settings: Settings, http_client: httpx2.AsyncClient | None = None
) -> AsyncIterator[QuestionGenerator]:
    """OpenAI when `OPENAI_API_KEY` is set (with the offline fallback if configured), else offline.

    `http_client` replaces the SDK's own HTTP client, e.g. with a stand-in server in tests.
    """
    if settings.openai_api_key is None:
        yield OfflineGenerator()
        return
    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key.get_secret_value(),
        base_url=settings.openai_base_url,
        timeout=settings.openai_timeout_seconds,
        max_retries=settings.openai_max_retries,
        http_client=http_client,
    )
    try:
        generator: QuestionGenerator = OpenAIGenerator(
            client,
            settings.openai_model,
            settings.openai_timeout_seconds,
            settings.openai_deadline_seconds,
        )
        if settings.question_fallback == "offline":
            generator = FallbackGenerator(generator, OfflineGenerator())
        yield generator
    finally:
        await client.close()
