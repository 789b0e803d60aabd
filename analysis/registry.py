"""The providers the settings ask for: local always, the cloud ones (skipped without keys)."""

from analysis import evaluation
from analysis.providers.base import AnalysisProvider
from analysis.providers.interhuman import InterhumanProvider
from analysis.providers.local import LocalMediaProvider
from analysis.providers.twelvelabs import TwelveLabsProvider
from analysis.transcription import provider as transcription
from shared.settings import Settings


def build_providers(settings: Settings) -> list[AnalysisProvider]:
    return [
        LocalMediaProvider(),
        TwelveLabsProvider.from_settings(settings),
        InterhumanProvider.from_settings(settings),
        transcription.from_settings(settings),
        evaluation.from_settings(settings),
    ]
