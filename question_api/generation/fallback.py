"""OpenAI first; the offline generator when OpenAI cannot answer (`QUESTION_FALLBACK=offline`)."""

import logging

from question_api.generation.base import GenerationRequest, GenerationResult, QuestionGenerator
from question_api.generation.errors import ProviderUnreachable
from question_api.generation.offline import OfflineGenerator

logger = logging.getLogger(__name__)


class FallbackGenerator:
    """Falls back only when the provider is unreachable; a bad key or a bad answer still fails."""

    def __init__(self, primary: QuestionGenerator, fallback: OfflineGenerator) -> None:
        self.primary = primary
        self.fallback = fallback

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        try:
            return await self.primary.generate(request)
        except ProviderUnreachable as exc:
            logger.warning(
                "question provider unreachable (%s); using the offline generator", exc.code
            )
            notice = (
                f"OpenAI {exc.reason} ({exc.code}), so the offline generator wrote these "
                "questions from the skills in the job description. Review them before approving, "
                "or generate again later."
            )
            return await self.fallback.generate(request, notice)
