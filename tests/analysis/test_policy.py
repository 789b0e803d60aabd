"""ANALYSIS_POLICY=eu: no provider is asked for emotion or affect inference, checked in the
requests that reach the stand-ins, and the merged document says what was withheld and why."""

import io
import json
from pathlib import Path

from pydantic import SecretStr

from analysis.cli import analyze_file
from analysis.policy import EU_WITHHELD, EU_WITHHELD_SCORES, INTERHUMAN_OFF
from analysis.providers.base import AnalysisProvider
from analysis.providers.interhuman import InterhumanProvider
from analysis.providers.twelvelabs import TwelveLabsProvider
from shared.http import RetryPolicy
from shared.settings import Settings
from tests.analysis.fakes.interhuman import FakeInterhuman
from tests.analysis.fakes.twelvelabs import FakeTwelveLabs
from tests.analysis.test_twelvelabs import FakeTime
from tests.videos import make_video

# words of the rubric and prompt that ask for a judgement of affect
AFFECT_WORDS = ("confidence", "voice_tone", "body_language", "eye_contact", "posture", "tone")


async def analyse(
    tmp_path: Path, settings: Settings, policy: RetryPolicy, analysis_policy: str
) -> tuple[dict[str, object], FakeTwelveLabs, FakeInterhuman]:
    settings = settings.model_copy(
        update={
            "analysis_policy": analysis_policy,
            "twelvelabs_api_key": SecretStr(FakeTwelveLabs().api_key),
            "interhuman_api_key": SecretStr(FakeInterhuman.api_key),
        }
    )
    twelvelabs, interhuman, time = FakeTwelveLabs(), FakeInterhuman(), FakeTime()
    providers: list[AnalysisProvider] = [
        TwelveLabsProvider.from_settings(
            settings,
            base_url=twelvelabs.base_url,
            http_client=twelvelabs.client(),
            policy=policy,
            sleep=time.sleep,
            clock=time.clock,
        ),
        InterhumanProvider.from_settings(
            settings,
            base_url=interhuman.base_url,
            http_client=interhuman.client(),
            policy=policy,
            clock=time.clock,
            poll_sleep=time.sleep,
        ),
    ]
    video = make_video(tmp_path / "answer.mp4", seconds=4.0, speech=[(0.5, 3.5)])
    document = await analyze_file(
        video, "Why this job?", settings, providers=providers, report=io.StringIO()
    )
    return document, twelvelabs, interhuman


async def test_the_eu_policy_asks_no_provider_for_emotion_or_affect(
    tmp_path: Path, settings: Settings, fast_policy: RetryPolicy
) -> None:
    document, twelvelabs, interhuman = await analyse(tmp_path, settings, fast_policy, "eu")

    [body] = twelvelabs.analyze_bodies
    asked = body["response_format"]["json_schema"]["properties"]
    assert set(asked) == {
        "clarity",
        "speech_rate",
        "relevance_to_question",
        "key_points",
        "summary",
    }
    assert not [word for word in AFFECT_WORDS if word in body["prompt"].lower()]
    assert interhuman.uploads == 0  # its API cannot narrow its signal types: not called at all

    providers = document["providers"]
    assert providers["interhuman"]["status"] == "skipped"  # type: ignore[index]
    assert providers["interhuman"]["error"]["message"] == INTERHUMAN_OFF  # type: ignore[index]
    assessment = document["assessment"]
    assert assessment["clarity"] is not None  # type: ignore[index]
    # the stand-in volunteers every score: the ones not asked for are not kept either
    assert all(assessment[score] is None for score in EU_WITHHELD_SCORES)  # type: ignore[index]
    assert document["behavior"] is None
    policy = document["policy"]
    assert policy["name"] == "eu"  # type: ignore[index]
    assert {w["output"] for w in policy["withheld"]} == set(EU_WITHHELD)  # type: ignore[index]
    assert all(w["reason"] for w in policy["withheld"])  # type: ignore[index]


async def test_the_standard_policy_asks_for_everything_and_says_so(
    tmp_path: Path, settings: Settings, fast_policy: RetryPolicy
) -> None:
    document, twelvelabs, interhuman = await analyse(tmp_path, settings, fast_policy, "standard")

    [body] = twelvelabs.analyze_bodies
    assert "eye_contact" in body["response_format"]["json_schema"]["properties"]
    assert interhuman.uploads == 1
    assert document["policy"] == {"name": "standard", "withheld": []}
    json.dumps(document)
