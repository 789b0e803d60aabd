"""The Twelve Labs adapter against a fake speaking the documented wire format.

No test waits for real: the retry policy's sleep and the polling sleep are both injected.
"""

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from analysis.canonical import Assessment
from analysis.providers.base import ProviderFailure, State, VideoInput
from analysis.providers.twelvelabs import (
    FORBIDDEN_SCHEMA_KEYWORDS,
    SCORE_FIELDS,
    TwelveLabsProvider,
    assessment_schema,
    build_prompt,
    provider_error,
)
from shared.http import RetryPolicy
from shared.settings import Settings
from tests.analysis.fakes.twelvelabs import GOOD_ANALYSIS, FakeTwelveLabs, Fault
from tests.videos import make_video

QUESTION = "How would you find and fix an N+1 query problem in a Django view?"


class FakeTime:
    """A clock that only moves when the provider sleeps between polls."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Checkpoints(list[State]):
    """Records every checkpoint; can simulate a crash right after the asset id is saved."""

    def __init__(self, fake: FakeTwelveLabs, *, crash_on_asset: bool = False) -> None:
        super().__init__()
        self.fake = fake
        self.crash_on_asset = crash_on_asset

    async def __call__(self, state: State) -> None:
        self.append(dict(state))
        self.fake.events.append("checkpoint:asset" if "asset_id" in state else "checkpoint")
        if self.crash_on_asset and "asset_id" in state:
            raise RuntimeError("the worker died")


@pytest.fixture(autouse=True)
def _no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    real_sleep = asyncio.sleep

    async def guarded(delay: float, *args: Any, **kwargs: Any) -> Any:
        assert delay <= 0, f"a test slept for real ({delay} s)"
        return await real_sleep(delay, *args, **kwargs)

    monkeypatch.setattr(asyncio, "sleep", guarded)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("rec") / "answer.webm", seconds=2.0)


def video_input(
    path: Path, *, question: str | None = QUESTION, recording_id: str = "rec-1"
) -> VideoInput:
    data = path.read_bytes()
    return VideoInput(
        path=path,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        container=path.suffix.lstrip("."),
        analysis_id=f"an-{recording_id}",
        recording_id=recording_id,
        question_text=question,
    )


@pytest.fixture
def video(recording: Path) -> VideoInput:
    return video_input(recording)


@pytest.fixture
def fake() -> FakeTwelveLabs:
    return FakeTwelveLabs()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def tl_settings(settings: Settings, fake: FakeTwelveLabs) -> Settings:
    return settings.model_copy(
        update={
            "twelvelabs_api_key": SecretStr(fake.api_key),
            "twelvelabs_base_url": fake.base_url,
            "twelvelabs_model": "pegasus1.6",
        }
    )


@pytest.fixture
async def make_provider(
    tl_settings: Settings, fake: FakeTwelveLabs, fast_policy: RetryPolicy, fake_time: FakeTime
) -> AsyncIterator[Callable[..., TwelveLabsProvider]]:
    clients: list[httpx.AsyncClient] = []

    def make(**overrides: Any) -> TwelveLabsProvider:
        if "http_client" not in overrides:
            overrides["http_client"] = fake.client()
            clients.append(overrides["http_client"])
        values: dict[str, Any] = {
            "policy": fast_policy,
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
            **overrides,
        }
        return TwelveLabsProvider.from_settings(tl_settings, **values)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def provider(make_provider: Callable[..., TwelveLabsProvider]) -> TwelveLabsProvider:
    return make_provider()


async def failure_of(provider: TwelveLabsProvider, video: VideoInput, **kwargs: Any):
    with pytest.raises(ProviderFailure) as caught:
        await provider.run(video, kwargs.get("state", {}), kwargs.get("checkpoint", _ignore))
    return caught.value


async def _ignore(state: State) -> None:
    return None


# -- the happy path ---------------------------------------------------------------------------


async def test_a_recording_is_uploaded_once_polled_and_scored(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput, fake_time: FakeTime
) -> None:
    checkpoints = Checkpoints(fake)

    result = await provider.run(video, {}, checkpoints)

    assert isinstance(result.sections["assessment"], Assessment)
    assert result.sections["assessment"].model_dump() == {
        **{name: GOOD_ANALYSIS[name] for name in SCORE_FIELDS},
        "key_points": GOOD_ANALYSIS["key_points"],
        "summary": GOOD_ANALYSIS["summary"],
        "model": "pegasus1.6",
        "input": "original",
    }
    asset_id = checkpoints[-1]["asset_id"]
    assert result.remote_ids == {"asset_id": asset_id, "analyze_id": "analysis-0002"}
    assert result.raw["asset"]["status"] == "ready"
    assert result.raw["asset"]["_id"] == asset_id
    assert len(result.raw["analyze"]) == 1
    assert json.loads(result.raw["analyze"][0]["data"]) == GOOD_ANALYSIS  # untouched
    assert fake.uploads == 1
    # asked a second after the upload (`processing`), then a second later (`ready`)
    assert fake_time.sleeps == [1.0, 1.0]


async def test_the_asset_id_is_checkpointed_before_the_first_poll(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    await provider.run(video, {"attempt": 1}, Checkpoints(fake))

    assert fake.events[:4] == ["checkpoint", "upload", "checkpoint:asset", "poll"]


async def test_the_upload_is_a_streamed_multipart_with_ids_to_find_it_again(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    await provider.run(video, {}, _ignore)

    (form,) = fake.upload_forms
    assert form["fields"]["method"] == "direct"
    assert form["fields"]["filename"] == "rec-1.webm"
    assert json.loads(form["fields"]["user_metadata"]) == {
        "analysis_id": "an-rec-1",
        "recording_id": "rec-1",
        "input": "original",
    }
    assert form["content_type"] == "video/webm"
    assert form["size"] == video.size_bytes
    assert form["head"] == video.path.read_bytes()[:16]
    upload = next(r for r in fake.requests if r.method == "POST" and r.url.path.endswith("/assets"))
    assert upload.headers["content-length"] == str(len(upload.content))
    assert "transfer-encoding" not in upload.headers
    assert upload.headers["x-api-key"] == fake.api_key


async def test_with_upload_from_url_twelve_labs_fetches_a_presigned_link(
    make_provider: Callable[..., TwelveLabsProvider], fake: FakeTwelveLabs, video: VideoInput
) -> None:
    provider = make_provider(upload_from_url=True)
    linked = replace(video, url="https://bucket.example/recordings/r.webm?X-Amz-Signature=abc")

    result = await provider.run(linked, {}, _ignore)

    [form] = fake.upload_forms
    assert form["fields"]["method"] == "url"
    assert form["fields"]["url"] == linked.url
    assert fake.uploads == 1
    assert any("presigned" in note for note in result.notes)


async def test_without_the_setting_a_link_is_ignored_and_the_bytes_are_sent(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    linked = replace(video, url="https://bucket.example/recordings/r.webm?X-Amz-Signature=abc")

    await provider.run(linked, {}, _ignore)

    [form] = fake.upload_forms
    assert form["fields"]["method"] == "direct"
    assert form["size"] == video.size_bytes


async def test_the_analysis_request_carries_the_question_model_and_stream_false(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    await provider.run(video, {}, _ignore)

    (body,) = fake.analyze_bodies
    assert body["stream"] is False
    assert body["model_name"] == "pegasus1.6"
    assert body["video"] == {"type": "asset_id", "asset_id": "asset-0001"}
    assert QUESTION in body["prompt"]
    assert body["temperature"] == 0.2
    assert body["max_tokens"] == 2048
    assert body["response_format"] == {"type": "json_schema", "json_schema": assessment_schema()}


async def test_without_a_question_the_prompt_says_it_is_unknown(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, recording: Path
) -> None:
    await provider.run(video_input(recording, question=None), {}, _ignore)

    prompt = fake.analyze_bodies[0]["prompt"]
    assert "The interview question is unknown" in prompt
    assert QUESTION not in prompt


def test_the_prompt_has_a_role_an_objective_and_an_anchored_rubric() -> None:
    prompt = build_prompt(QUESTION)

    assert "experienced interviewer" in prompt
    assert "assess this answer to an interview question" in prompt
    for name in SCORE_FIELDS:
        line = next(line for line in prompt.splitlines() if line.startswith(f"- {name}:"))
        assert "2 = " in line and "5 = " in line and "9 = " in line
    assert "key_points" in prompt and "2-3 sentences" in prompt
    assert "null rather than guess" in prompt


async def test_null_scores_stay_null(
    make_provider: Callable[..., TwelveLabsProvider], video: VideoInput
) -> None:
    fake = FakeTwelveLabs(analysis={**GOOD_ANALYSIS, "eye_contact": None, "body_language": None})
    async with fake.client() as client:
        provider = make_provider(http_client=client)
        result = await provider.run(video, {}, _ignore)

    assert isinstance(result.sections["assessment"], Assessment)
    assert result.sections["assessment"].eye_contact is None
    assert result.sections["assessment"].body_language is None
    assert result.sections["assessment"].confidence == 8


# -- configuration ----------------------------------------------------------------------------


async def test_without_a_key_the_provider_is_skipped(settings: Settings, video) -> None:
    provider = TwelveLabsProvider.from_settings(settings)
    try:
        assert provider.spec.name == "twelvelabs"
        assert provider.skip_reason() == "Twelve Labs is not configured: set TWELVELABS_API_KEY."
        with pytest.raises(ProviderFailure) as caught:
            await provider.run(video, {}, _ignore)
        assert caught.value.code == "not_configured"
    finally:
        await provider.aclose()


async def test_with_a_key_it_is_configured(provider: TwelveLabsProvider) -> None:
    assert provider.skip_reason() is None


async def test_aclose_closes_only_a_client_it_created(
    fake: FakeTwelveLabs, settings: Settings
) -> None:
    own = TwelveLabsProvider(api_key="k")
    await own.aclose()
    assert own._http._client.is_closed

    async with fake.client() as client:
        lent = TwelveLabsProvider(api_key="k", http_client=client)
        await lent.aclose()
        assert not client.is_closed


async def test_the_key_never_reaches_logs_or_errors(
    provider: TwelveLabsProvider,
    fake: FakeTwelveLabs,
    video: VideoInput,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.script("analyze", *[Fault.SERVER_ERROR] * 4)

    failure = await failure_of(provider, video)

    assert fake.api_key not in caplog.text
    assert fake.api_key not in str(failure) and fake.api_key not in repr(failure.raw)


# -- transient failures: retried --------------------------------------------------------------


async def test_a_429_waits_as_long_as_retry_after_says(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput, sleeps: list[float]
) -> None:
    fake.script("analyze", Fault.RATE_LIMITED)

    await provider.run(video, {}, _ignore)

    assert sleeps == [7.0]
    assert fake.analyze_calls == 2


async def test_a_429_without_retry_after_backs_off_with_jitter(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput, sleeps: list[float]
) -> None:
    fake.script("upload", Fault.RATE_LIMITED_NO_HINT)
    fake.script("analyze", Fault.RATE_LIMITED_NO_HINT, Fault.RATE_LIMITED_NO_HINT)

    await provider.run(video, {}, _ignore)

    assert len(sleeps) == 3
    assert 0.25 <= sleeps[0] <= 0.5  # first backoff: base 0.5 s, full jitter
    assert 0.5 <= sleeps[2] <= 1.0  # second retry of /analyze: doubled
    assert fake.uploads == 1  # a 429 creates nothing: no lookup needed, one asset


@pytest.mark.parametrize(
    "fault",
    [Fault.SERVER_ERROR, Fault.UNAVAILABLE, Fault.TIMEOUT, Fault.RESET, Fault.CONNECT_ERROR],
)
@pytest.mark.parametrize("route", ["poll", "analyze"])
async def test_transient_failures_are_retried(
    provider: TwelveLabsProvider,
    fake: FakeTwelveLabs,
    video: VideoInput,
    sleeps: list[float],
    fault: Fault,
    route: Any,
) -> None:
    fake.script(route, fault, fault)

    result = await provider.run(video, {}, _ignore)

    assert isinstance(result.sections["assessment"], Assessment)
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        (Fault.RATE_LIMITED, "provider_rate_limited", "exceeded the rate limit"),
        (Fault.SERVER_ERROR, "provider_unavailable", "internal error"),
        (Fault.UNAVAILABLE, "provider_unavailable", "503 Service Unavailable"),
        (Fault.TIMEOUT, "provider_timeout", "did not answer in time"),
        (Fault.RESET, "provider_unavailable", "could not be reached"),
        (Fault.CONNECT_ERROR, "provider_unavailable", "could not be reached"),
    ],
)
async def test_when_attempts_run_out_the_failure_is_retryable(
    provider: TwelveLabsProvider,
    fake: FakeTwelveLabs,
    video: VideoInput,
    fault: Fault,
    code: str,
    message: str,
) -> None:
    fake.script("analyze", *[fault] * 4)

    failure = await failure_of(provider, video)

    assert failure.code == code
    assert message in failure.message
    assert failure.retryable is True
    assert fake.analyze_calls == 4  # the policy's max_attempts, no more


# -- permanent failures: not retried ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault.KEY_INVALID, "The API key you provided is not valid."),
        (Fault.KEY_EXPIRED_NESTED, "The API key has expired. Generate a new one."),
    ],
)
@pytest.mark.parametrize("route", ["upload", "analyze"])
async def test_a_bad_key_fails_at_once_in_either_error_shape(
    provider: TwelveLabsProvider,
    fake: FakeTwelveLabs,
    video: VideoInput,
    sleeps: list[float],
    fault: Fault,
    message: str,
    route: Any,
) -> None:
    fake.script(route, fault)

    failure = await failure_of(provider, video)

    assert (failure.code, failure.message, failure.retryable) == ("api_key_invalid", message, False)
    assert fake.events.count(route) == 1
    assert sleeps == []


async def test_a_wrong_key_is_rejected_by_the_service(
    make_provider: Callable[..., TwelveLabsProvider], video: VideoInput
) -> None:
    provider = make_provider(api_key="not-the-key")

    failure = await failure_of(provider, video)

    assert failure.code == "api_key_invalid" and not failure.retryable


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        (Fault.REJECTED, "video_resolution_too_low", "The minimum is 360x360."),
        (Fault.REJECTED_NESTED, "parameter_invalid", "`response_format` parameter is invalid"),
    ],
)
async def test_a_rejected_request_keeps_the_providers_code_and_message(
    provider: TwelveLabsProvider,
    fake: FakeTwelveLabs,
    video: VideoInput,
    fault: Fault,
    code: str,
    message: str,
) -> None:
    fake.script("analyze", fault)

    failure = await failure_of(provider, video)

    assert failure.code == code
    assert message in failure.message
    assert failure.retryable is False
    assert fake.analyze_calls == 1


def test_error_bodies_are_read_in_both_shapes_and_as_text() -> None:
    flat = httpx.Response(
        400, json={"code": "parameter_invalid", "message": "Bad.", "docs_url": ""}
    )
    nested = httpx.Response(422, json={"error": {"code": "x", "message": "Y.", "details": {}}})
    text = httpx.Response(502, text="Bad Gateway")

    assert provider_error(flat)[:2] == ("parameter_invalid", "Bad.")
    assert provider_error(nested)[:2] == ("x", "Y.")
    assert provider_error(text) == (None, "Bad Gateway", "Bad Gateway")


# -- the asset --------------------------------------------------------------------------------


async def test_polling_starts_a_second_apart_then_backs_off(
    make_provider: Callable[..., TwelveLabsProvider], video: VideoInput, fake_time: FakeTime
) -> None:
    fake = FakeTwelveLabs(processing_polls=8)
    async with fake.client() as client:
        await make_provider(http_client=client).run(video, {}, _ignore)

    # the upload's answer says `processing`: the first poll is a second later, and while the
    # asset is likely to be ready soon (the steady part) every poll is a second apart
    assert fake_time.sleeps == [1.0] * 9
    assert fake.polls == 9


@pytest.mark.parametrize(
    ("duration", "steady", "ceiling"), [(6.0, 5.0, 3.0), (120.0, 30.0, 6.0), (1800.0, 30.0, 30.0)]
)
def test_the_polling_schedule_follows_the_recordings_duration(
    make_provider: Callable[..., TwelveLabsProvider], duration: float, steady: float, ceiling: float
) -> None:
    schedule = make_provider().asset_schedule(duration)

    assert schedule.first == 1.0  # at most about one request a second
    assert (schedule.steady_for, schedule.ceiling) == (steady, ceiling)


async def test_a_failed_asset_is_a_permanent_failure_with_the_reason(
    make_provider: Callable[..., TwelveLabsProvider], video: VideoInput
) -> None:
    fake = FakeTwelveLabs(asset_outcome="failed")
    async with fake.client() as client:
        failure = await failure_of(make_provider(http_client=client), video)

    assert failure.code == "asset_failed"
    assert "failed a playability check" in failure.message
    assert failure.retryable is False
    assert fake.analyze_calls == 0


async def test_an_asset_that_never_gets_ready_times_out(
    make_provider: Callable[..., TwelveLabsProvider], video: VideoInput, fake_time: FakeTime
) -> None:
    fake = FakeTwelveLabs(processing_polls=None)
    async with fake.client() as client:
        provider = make_provider(http_client=client, asset_deadline=60.0, poll_interval=5.0)
        failure = await failure_of(provider, video)

    assert failure.code == "asset_timeout"
    assert failure.retryable is True
    assert sum(fake_time.sleeps) <= 60.0
    assert fake.polls == len(fake_time.sleeps)  # one after each wait


# -- resuming: never two uploads ---------------------------------------------------------------


async def test_a_run_with_a_saved_asset_does_not_upload_again(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    asset_id = fake.add_asset(filename="rec-1.webm")
    checkpoints = Checkpoints(fake)

    result = await provider.run(video, {"asset_id": asset_id}, checkpoints)

    assert fake.upload_attempts == 0
    assert result.remote_ids["asset_id"] == asset_id
    assert checkpoints == []


async def test_a_crash_after_the_upload_resumes_without_a_second_upload(
    make_provider: Callable[..., TwelveLabsProvider], fake: FakeTwelveLabs, video: VideoInput
) -> None:
    crashing = Checkpoints(fake, crash_on_asset=True)
    with pytest.raises(RuntimeError, match="the worker died"):
        await make_provider().run(video, {}, crashing)
    assert fake.polls == 0  # the asset id was saved before any wait

    result = await make_provider().run(video, crashing[-1], Checkpoints(fake))

    assert fake.uploads == 1 and fake.upload_attempts == 1
    assert result.remote_ids["asset_id"] == crashing[-1]["asset_id"]


async def test_a_crash_before_the_asset_id_was_saved_finds_the_asset(
    make_provider: Callable[..., TwelveLabsProvider], fake: FakeTwelveLabs, video: VideoInput
) -> None:
    async def dies_before_saving(state: State) -> None:
        if "asset_id" in state:
            raise RuntimeError("the worker died")
        saved.append(state)

    saved: list[State] = []
    with pytest.raises(RuntimeError):
        await make_provider().run(video, {}, dies_before_saving)
    assert "pending_upload" in saved[-1]

    checkpoints = Checkpoints(fake)
    result = await make_provider().run(video, saved[-1], checkpoints)

    assert fake.uploads == 1
    assert result.remote_ids["asset_id"] == "asset-0001"
    assert checkpoints[-1]["asset_id"] == "asset-0001"
    assert "pending_upload" not in checkpoints[-1]
    assert any("interrupted upload" in note for note in result.notes)


async def test_an_upload_whose_answer_was_lost_is_found_not_repeated(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    fake.script("upload", Fault.LOST_ANSWER)

    result = await provider.run(video, {}, _ignore)

    assert fake.uploads == 1 and fake.upload_attempts == 1
    assert fake.events[:3] == ["upload", "list", "poll"]
    assert result.remote_ids["asset_id"] == "asset-0001"
    assert any("answer was lost" in note for note in result.notes)


async def test_an_upload_that_timed_out_before_creating_anything_is_sent_again(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    fake.script("upload", Fault.TIMEOUT)

    await provider.run(video, {}, _ignore)

    assert fake.events[:3] == ["upload", "list", "upload"]
    assert fake.uploads == 1
    assert fake.upload_forms[0]["size"] == video.size_bytes  # the retry re-sent the whole file


async def test_the_lookup_ignores_assets_of_other_recordings(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    other = {"analysis_id": "an-rec-10", "recording_id": "rec-10"}
    mine = {"analysis_id": "an-rec-1", "recording_id": "rec-1"}
    fake.add_asset(filename="old-rec-1.webm", user_metadata=mine)  # the filter matches parts
    fake.add_asset(filename="rec-1.webm", user_metadata=other)  # same name, other recording
    fake.script("upload", Fault.TIMEOUT)

    result = await provider.run(video, {}, _ignore)

    assert fake.uploads == 1
    assert result.remote_ids["asset_id"] == "asset-0003"


async def test_an_upload_never_reaching_the_server_is_retried_without_a_lookup(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    fake.script("upload", Fault.CONNECT_ERROR)

    await provider.run(video, {}, _ignore)

    assert fake.events[:2] == ["upload", "upload"]


async def test_failing_uploads_are_retried_a_bounded_number_of_times(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    fake.script("upload", *[Fault.UNAVAILABLE] * 10)

    failure = await failure_of(provider, video)

    assert failure.code == "provider_unavailable" and failure.retryable
    assert fake.upload_attempts == 4
    assert fake.events.count("list") == 3  # looked before each re-send
    assert fake.uploads == 0


# -- the answer -------------------------------------------------------------------------------


async def test_a_truncated_answer_is_asked_again_with_more_tokens(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput
) -> None:
    fake.script("analyze", Fault.TRUNCATED)

    result = await provider.run(video, {}, _ignore)

    assert [body["max_tokens"] for body in fake.analyze_bodies] == [2048, 4096]
    assert [answer["finish_reason"] for answer in result.raw["analyze"]] == ["length", "stop"]
    assert result.remote_ids["analyze_id"] == result.raw["analyze"][1]["id"]
    assert any("max_tokens=4096" in note for note in result.notes)


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Fault.TRUNCATED, "analysis_truncated"),
        (Fault.INVALID_DATA, "analysis_invalid_json"),
        (Fault.OUT_OF_RANGE, "analysis_invalid_json"),
        (Fault.NOT_JSON_BODY, "analysis_invalid_json"),
    ],
)
async def test_an_unusable_answer_twice_fails_with_a_clear_code(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput, fault: Fault, code: str
) -> None:
    fake.script("analyze", fault, fault)

    failure = await failure_of(provider, video)

    assert failure.code == code
    assert failure.retryable is False
    assert fake.analyze_calls == 2
    assert len(failure.raw["analyze"]) == 2  # both answers kept for the record


@pytest.mark.parametrize("fault", [Fault.INVALID_DATA, Fault.OUT_OF_RANGE, Fault.NOT_JSON_BODY])
async def test_an_unusable_answer_once_is_asked_again(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs, video: VideoInput, fault: Fault
) -> None:
    fake.script("analyze", fault)

    result = await provider.run(video, {}, _ignore)

    assert isinstance(result.sections["assessment"], Assessment)
    assert (
        result.sections["assessment"].confidence == 8
    )  # never a clamped 10 from the out-of-range 11
    assert len(result.raw["analyze"]) == 2


async def test_the_fake_streams_ndjson_unless_stream_is_false(fake: FakeTwelveLabs) -> None:
    asset_id = fake.add_asset()
    body = {"model_name": "pegasus1.5", "video": {"type": "asset_id", "asset_id": asset_id}}
    async with fake.client() as client:
        streamed = await client.post(
            f"{fake.base_url}/analyze", json=body, headers={"x-api-key": fake.api_key}
        )
    lines = [json.loads(line) for line in streamed.text.splitlines()]
    assert lines[0]["event_type"] == "stream_start"
    assert lines[-1]["event_type"] == "stream_end"


def test_the_schema_uses_only_keywords_pegasus_accepts() -> None:
    schema = assessment_schema()
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            seen.update(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)

    assert not seen & FORBIDDEN_SCHEMA_KEYWORDS
    assert "minItems" not in seen
    assert list(schema["properties"]) == [*SCORE_FIELDS, "key_points", "summary"]
    assert schema["properties"]["confidence"] == {
        "anyOf": [{"type": "integer", "minimum": 1, "maximum": 10}, {"type": "null"}]
    }


# -- big recordings: a proxy ------------------------------------------------------------------


async def test_a_recording_over_the_upload_limit_is_analysed_as_a_proxy(
    make_provider: Callable[..., TwelveLabsProvider], fake: FakeTwelveLabs, tmp_path: Path
) -> None:
    # AVI (MPEG-4 part 2) is the quickest container to make here
    original = make_video(tmp_path / "big.avi", seconds=2.0, width=640, height=360)
    video = video_input(original)
    limit = video.size_bytes * 3 // 4
    work = tmp_path / "work"
    work.mkdir()
    checkpoints = Checkpoints(fake)

    result = await make_provider(direct_upload_limit=limit, work_dir=work).run(
        video, {}, checkpoints
    )

    assert isinstance(result.sections["assessment"], Assessment)
    assert result.sections["assessment"].input == "proxy"
    assert any("proxy" in note for note in result.notes)
    (form,) = fake.upload_forms
    assert form["fields"]["filename"] == "rec-1.mp4"
    assert form["content_type"] == "video/mp4"
    assert form["head"][4:8] == b"ftyp"
    assert 0 < form["size"] <= limit
    assert json.loads(form["fields"]["user_metadata"])["input"] == "proxy"
    assert checkpoints[-1]["input"] == "proxy"
    assert list(work.iterdir()) == []  # the proxy is removed once uploaded

    resumed = await make_provider(direct_upload_limit=limit).run(video, checkpoints[-1], _ignore)
    assert isinstance(resumed.sections["assessment"], Assessment)
    assert resumed.sections["assessment"].input == "proxy"


# -- erasure ----------------------------------------------------------------------------------


async def test_delete_remote_deletes_the_asset(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs
) -> None:
    asset_id = fake.add_asset()

    await provider.delete_remote({"asset_id": asset_id, "analyze_id": "analysis-9"})

    assert fake.deleted == [asset_id]


async def test_delete_remote_treats_404_as_already_deleted(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs
) -> None:
    await provider.delete_remote({"asset_id": "asset-gone"})

    assert fake.events == ["delete"]


async def test_delete_remote_without_an_asset_does_nothing(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs
) -> None:
    await provider.delete_remote({})

    assert fake.requests == []


async def test_delete_remote_finds_an_asset_an_interrupted_upload_left(
    provider: TwelveLabsProvider, fake: FakeTwelveLabs
) -> None:
    ids = {"analysis_id": "an-rec-1", "recording_id": "rec-1"}
    asset_id = fake.add_asset(filename="rec-1.webm", user_metadata=ids)

    await provider.delete_remote({"pending_upload": {"filename": "rec-1.webm", **ids}})

    assert fake.deleted == [asset_id]


@pytest.mark.parametrize(
    ("faults", "code", "retryable"),
    [
        ([Fault.SERVER_ERROR] * 4, "provider_unavailable", True),
        ([Fault.KEY_INVALID], "api_key_invalid", False),
    ],
)
async def test_delete_remote_failures_raise(
    provider: TwelveLabsProvider,
    fake: FakeTwelveLabs,
    faults: list[Fault],
    code: str,
    retryable: bool,
) -> None:
    asset_id = fake.add_asset()
    fake.script("delete", *faults)

    with pytest.raises(ProviderFailure) as caught:
        await provider.delete_remote({"asset_id": asset_id})

    assert (caught.value.code, caught.value.retryable) == (code, retryable)
    assert fake.deleted == []


# -- concurrency ------------------------------------------------------------------------------


async def test_remote_calls_respect_the_concurrency_cap(
    make_provider: Callable[..., TwelveLabsProvider], fake: FakeTwelveLabs, recording: Path
) -> None:
    in_flight = peak = 0

    async def slow_handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            for _ in range(3):
                await asyncio.sleep(0)
            await request.aread()
            return fake.handler(request)
        finally:
            in_flight -= 1

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow_handler)) as client:
        provider = make_provider(http_client=client, concurrency=1)
        videos = [video_input(recording, recording_id=f"rec-{n}") for n in range(3)]
        results = await asyncio.gather(*(provider.run(v, {}, _ignore) for v in videos))

    assert len(results) == 3
    assert fake.uploads == 3
    assert peak == 1
