"""One vocabulary for failures every provider can have: the same fault gives the same code from
Twelve Labs and from Interhuman; each provider's own errors keep its own code."""

import hashlib
from pathlib import Path

import pytest

from analysis.canonical import Media
from analysis.providers.base import ProviderFailure, VideoInput
from analysis.providers.interhuman import InterhumanProvider
from analysis.providers.twelvelabs import TwelveLabsProvider
from shared.http import RetryPolicy
from tests.analysis.fakes import interhuman as ih
from tests.analysis.fakes import twelvelabs as tl


async def no_sleep(_: float) -> None:
    return None


POLICY = RetryPolicy(max_attempts=3, base_delay=0.1, deadline=60.0, sleep=no_sleep)


@pytest.fixture
def video(tmp_path: Path) -> VideoInput:
    path = tmp_path / "answer.mp4"
    path.write_bytes(b"\x00" * 4096)
    probe = Media(
        duration_seconds=20.0,
        width=640,
        height=480,
        has_audio=True,
        has_video=True,
        container="mp4",
        size_bytes=4096,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )
    return VideoInput(
        path=path,
        size_bytes=4096,
        sha256=probe.sha256,
        container="mp4",
        analysis_id="an-1",
        recording_id="rec-1",
        media=probe,
    )


async def keep(_: dict[str, object]) -> None:
    return None


async def twelvelabs_failure(video: VideoInput, *faults: tl.Fault) -> ProviderFailure:
    fake = tl.FakeTwelveLabs()
    fake.script("poll", *faults)
    async with fake.client() as client:
        provider = TwelveLabsProvider(
            api_key=fake.api_key,
            base_url=fake.base_url,
            http_client=client,
            policy=POLICY,
            sleep=no_sleep,
        )
        with pytest.raises(ProviderFailure) as caught:
            await provider.run(video, {}, keep)
    return caught.value


async def interhuman_failure(video: VideoInput, *faults: ih.Fault) -> ProviderFailure:
    fake = ih.FakeInterhuman()
    fake.fail_next("poll", *faults)
    async with fake.client() as client:
        provider = InterhumanProvider(
            base_url=fake.base_url,
            api_key=fake.api_key,
            http_client=client,
            policy=POLICY,
            poll_sleep=no_sleep,
        )
        with pytest.raises(ProviderFailure) as caught:
            await provider.run(video, {}, keep)
    return caught.value


@pytest.mark.parametrize(
    ("twelvelabs_fault", "interhuman_fault", "code"),
    [
        (tl.Fault.TIMEOUT, ih.Fault.TIMEOUT, "provider_timeout"),
        (tl.Fault.RESET, ih.Fault.CONNECTION_RESET, "provider_unavailable"),
        (tl.Fault.SERVER_ERROR, ih.Fault.SERVER_ERROR, "provider_unavailable"),
        (tl.Fault.RATE_LIMITED_NO_HINT, ih.Fault.RATE_LIMITED, "provider_rate_limited"),
    ],
)
async def test_the_same_outage_has_the_same_code_whichever_provider_had_it(
    video: VideoInput, twelvelabs_fault: tl.Fault, interhuman_fault: ih.Fault, code: str
) -> None:
    attempts = POLICY.max_attempts
    from_twelvelabs = await twelvelabs_failure(video, *[twelvelabs_fault] * attempts)
    from_interhuman = await interhuman_failure(video, *[interhuman_fault] * attempts)

    assert (from_twelvelabs.code, from_interhuman.code) == (code, code)
    assert from_twelvelabs.retryable and from_interhuman.retryable
    assert "Twelve Labs" in from_twelvelabs.message
    assert "Interhuman" in from_interhuman.message


async def test_an_unreadable_answer_has_the_same_code_whichever_provider_sent_it(
    video: VideoInput,
) -> None:
    from_twelvelabs = await twelvelabs_failure(video, tl.Fault.NOT_JSON_BODY)
    from_interhuman = await interhuman_failure(video, ih.Fault.INVALID_JSON)

    assert from_twelvelabs.code == from_interhuman.code == "provider_invalid_response"


async def test_a_providers_own_errors_keep_its_own_code(video: VideoInput) -> None:
    from_twelvelabs = await twelvelabs_failure(video, tl.Fault.KEY_INVALID)
    from_interhuman = await interhuman_failure(video, ih.Fault.QUOTA)

    assert (from_twelvelabs.code, from_twelvelabs.retryable) == ("api_key_invalid", False)
    assert (from_interhuman.code, from_interhuman.retryable) == ("ih3003", False)


async def test_a_server_error_keeps_the_providers_own_code_in_the_message(
    video: VideoInput,
) -> None:
    failure = await interhuman_failure(video, *[ih.Fault.UNAVAILABLE] * POLICY.max_attempts)

    assert failure.code == "provider_unavailable"
    assert "ih1003" in failure.message and "correlation id" in failure.message
