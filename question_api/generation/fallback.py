"""OpenAI first; the offline generator when OpenAI cannot help (`QUESTION_FALLBACK=offline`)."""

import logging
from collections.abc import Sequence

from question_api.generation.base import (
    GeneratedQuestion,
    GenerationRequest,
    GenerationResult,
    QuestionGenerator,
    Replacement,
    Slot,
)
from question_api.generation.errors import NoUsableAnswer, ProviderUnreachable
from question_api.generation.offline import OfflineGenerator

logger = logging.getLogger(__name__)


def _notice(exc: ProviderUnreachable | NoUsableAnswer, what: str) -> str:
    logger.warning("question provider failed (%s); using the offline generator", exc.code)
    return (
        f"OpenAI {exc.reason} ({exc.code}), so the offline generator wrote {what} from the "
        "skills in the job description. Review before approving, or generate again later."
    )


class FallbackGenerator:
    """Falls back when the provider is unreachable or gave nothing usable; a bad key or a
    rejected request still fails, since the offline generator would only hide them."""

    def __init__(self, primary: QuestionGenerator, fallback: OfflineGenerator) -> None:
        self.primary = primary
        self.fallback = fallback

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        try:
            return await self.primary.generate(request)
        except (ProviderUnreachable, NoUsableAnswer) as exc:
            return await self.fallback.generate(request, _notice(exc, "these questions"))

    async def regenerate(
        self,
        request: GenerationRequest,
        slot: Slot,
        others: Sequence[GeneratedQuestion],
        replaced: GeneratedQuestion,
    ) -> Replacement:
        try:
            return await self.primary.regenerate(request, slot, others, replaced)
        except (ProviderUnreachable, NoUsableAnswer) as exc:
            notice = _notice(exc, "this question")
            return await self.fallback.regenerate(request, slot, others, replaced, notice)
