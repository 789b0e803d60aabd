"""The Interhuman adapter against a fake that speaks the documented wire format."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from analysis.canonical import Behavior, Media
from analysis.providers.base import ProviderFailure, State, VideoInput
from analysis.providers.interhuman import INCLUDE, InterhumanProvider, behavior_from_answer
from shared.http import RetryPolicy
from shared.metrics import PROCESS_REGISTRY
from shared.settings import Settings
from tests.analysis.fakes.interhuman import FakeInterhuman, Fault
from tests.videos import make_video


class Clock:
    """A monotonic clock that moves only when told to, or when a poll sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Checkpoints(list[State]):
    """Saved states, with how many polls the fake had seen when each was saved."""

    def __init__(self, fake: FakeInterhuman) -> None:
        super().__init__()
        self.fake = fake
        self.polls_at: list[int] = []

    async def __call__(self, state: State) -> None:
        self.append(dict(state))
        self.polls_at.append(self.fake.polls)


@pytest.fixture
def fake() -> FakeInterhuman:
    return FakeInterhuman()


@pytest.fixture
async def http(fake: FakeInterhuman) -> AsyncIterator[httpx.AsyncClient]:
    async with fake.client() as client:
        yield client


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def checkpoints(fake: FakeInterhuman) -> Checkpoints:
    return Checkpoints(fake)


@pytest.fixture
def make_provider(fake, http, fast_policy, clock, tmp_path):
    def make(**overrides: Any) -> InterhumanProvider:
        options: dict[str, Any] = {
            "base_url": fake.base_url,
            "key_id": fake.key_id,
            "key_secret": fake.key_secret,
            "http_client": http,
            "policy": fast_policy,
            "clock": clock,
            "poll_sleep": clock.sleep,
            "poll_interval": 2.0,
            "work_dir": tmp_path / "work",
        }
        options.update(overrides)
        (tmp_path / "work").mkdir(exist_ok=True)
        return InterhumanProvider(**options)

    return make


def media(duration: float | None = 20.0, *, audio: bool = True, video: bool = True) -> Media:
    return Media(
        duration_seconds=duration,
        width=320 if video else None,
        height=240 if video else None,
        has_audio=audio,
        has_video=video,
        container="mp4",
        size_bytes=1,
        sha256="0" * 64,
    )


def video_input(path: Path, probe: Media | None = None) -> VideoInput:
    return VideoInput(
        path=path,
        size_bytes=path.stat().st_size if path.exists() else 0,
        sha256="0" * 64,
        container=path.suffix.lstrip("."),
        analysis_id="an-1",
        recording_id="rec-1",
        media=probe,
    )


@pytest.fixture
def recording(tmp_path: Path) -> VideoInput:
    """A small file the local probe has already described (the fake does not decode it)."""
    path = tmp_path / "answer.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    return video_input(path, media())


# --- happy paths --------------------------------------------------------------------------------


async def test_key_pair_upload_is_analysed_and_normalised(
    make_provider, fake, recording, checkpoints, clock
):
    provider = make_provider()

    result = await provider.run(recording, {"attempt": 1}, checkpoints)

    behavior = result.sections["behavior"]
    assert isinstance(behavior, Behavior)
    assert [(s.type, s.start_seconds, s.end_seconds, s.probability) for s in behavior.signals] == [
        ("confidence", 5.0, 15.0, "medium"),
        ("hesitation", 16.0, 19.5, "low"),
    ]
    assert behavior.signals[0].rationale == "Steady voice with few pauses."
    assert [(e.start_seconds, e.end_seconds, e.state) for e in behavior.engagement] == [
        (0.0, 10.0, "engaged"),
        (10.0, 20.0, "neutral"),
    ]
    quality = behavior.conversation_quality
    assert quality is not None and quality.overall is not None
    assert quality.overall.quality_index == 72 and quality.overall.learning == 70
    assert [(w.start_seconds, w.end_seconds, w.values["energy"]) for w in quality.timeline] == [
        (0, 10, 78),
        (10, 20, 82),
    ]
    assert behavior.input == "original"
    assert result.remote_ids == {"job_id": "job-1"}
    assert result.raw["status"] == "completed" and result.raw["result"] == fake.result
    assert result.notes == []
    # the job id was saved before the first poll, keeping what the caller had in its state
    # the upload is marked as sent before it starts, then its job id is saved before any poll
    assert checkpoints == [
        {"attempt": 1, "upload_started": True},
        {"attempt": 1, "job_id": "job-1", "input": "original"},
    ]
    assert checkpoints.polls_at == [0, 0]
    assert (fake.auth_calls, fake.uploads, fake.polls) == (1, 1, 2)  # running, then completed
    assert clock.sleeps == [2.0, 4.0]  # the poll interval grows


async def test_upload_sends_the_documented_multipart_form(make_provider, fake, recording):
    await make_provider().run(recording, {}, Checkpoints(fake))

    assert fake.auth_requests == [
        {"key_id": fake.key_id, "key_secret": fake.key_secret, "scopes": ["interhumanai.upload"]}
    ]
    [upload] = fake.records
    assert upload.form == {"model": ["inter-2"], "include[]": list(INCLUDE)}
    assert upload.form["include[]"] == [
        "signals",
        "conversation_quality_overall",
        "conversation_quality_timeline",
    ]
    assert upload.query == {}  # include[] is a form field, never a query parameter
    assert upload.file_size == recording.size_bytes
    assert upload.file_name == "recording.mp4" and upload.file_content_type == "video/mp4"
    assert upload.authorization == "Bearer token-1"


async def test_stored_file_without_extension_is_named_from_its_container(
    make_provider, fake, tmp_path
):
    path = tmp_path / "3f2a9c"
    path.write_bytes(b"\x1a\x45\xdf\xa3" + b"x" * 4096)
    webm = VideoInput(
        path=path,
        size_bytes=4100,
        sha256="0" * 64,
        container="webm",
        analysis_id="an-1",
        recording_id="rec-1",
        media=media(),
    )

    await make_provider().run(webm, {}, Checkpoints(fake))

    assert fake.records[0].file_name == "recording.webm"
    assert fake.records[0].file_content_type == "video/webm"
    assert fake.records[0].file_size == 4100


async def test_single_api_key_is_sent_as_bearer_without_exchange(make_provider, fake, recording):
    provider = make_provider(api_key=fake.api_key, key_id=None, key_secret=None)

    result = await provider.run(recording, {}, Checkpoints(fake))

    assert isinstance(result.sections["behavior"], Behavior)
    assert fake.auth_calls == 0
    assert fake.records[0].authorization == f"Bearer {fake.api_key}"


async def test_token_is_cached_across_runs_and_renewed_30s_before_expiry(
    make_provider, fake, recording, clock
):
    fake.polls_until_done = 0  # each run: upload at t, one wait of 1 s, poll at t + 1
    provider = make_provider(poll_interval=1.0)
    issued_at = clock.now
    await provider.run(recording, {}, Checkpoints(fake))
    await provider.run(recording, {}, Checkpoints(fake))
    assert fake.auth_calls == 1

    clock.now = issued_at + fake.token_ttl - 32  # the poll comes 31 s before expiry
    await provider.run(recording, {}, Checkpoints(fake))
    assert fake.auth_calls == 1

    clock.now = issued_at + fake.token_ttl - 30
    await provider.run(recording, {}, Checkpoints(fake))
    assert fake.auth_calls == 2
    assert fake.records[-1].authorization == "Bearer token-2"


async def test_expired_token_is_renewed_once_and_the_upload_retried(make_provider, fake, recording):
    fake.fail_next("upload", Fault.TOKEN_EXPIRED)

    result = await make_provider().run(recording, {}, Checkpoints(fake))

    assert isinstance(result.sections["behavior"], Behavior)
    assert fake.auth_calls == 2
    assert [r.authorization for r in fake.records] == ["Bearer token-1", "Bearer token-2"]
    assert fake.jobs_created == 1


async def test_token_refused_twice_fails_after_a_single_renewal(make_provider, fake, recording):
    fake.fail_next("upload", Fault.TOKEN_EXPIRED, Fault.TOKEN_EXPIRED)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "ih2001" and not caught.value.retryable
    assert "INTERHUMAN_KEY_ID and INTERHUMAN_KEY_SECRET" in caught.value.message
    assert (fake.auth_calls, fake.uploads) == (2, 2)


async def test_expired_token_while_polling_is_renewed(make_provider, fake, recording):
    fake.fail_next("poll", Fault.TOKEN_EXPIRED)

    result = await make_provider().run(recording, {}, Checkpoints(fake))

    assert result.remote_ids == {"job_id": "job-1"}
    assert (fake.auth_calls, fake.uploads) == (2, 1)


async def test_refused_key_pair_fails_without_upload(make_provider, fake, recording):
    provider = make_provider(key_secret="wrong")

    with pytest.raises(ProviderFailure) as caught:
        await provider.run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "ih2001" and not caught.value.retryable
    assert "check INTERHUMAN_KEY_ID and INTERHUMAN_KEY_SECRET" in caught.value.message
    assert "corr-" in caught.value.message
    assert (fake.auth_calls, fake.uploads) == (1, 0)


async def test_wrong_scope_says_which_key_to_create(make_provider, fake, recording, sleeps):
    fake.fail_next("upload", Fault.WRONG_SCOPE)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "ih2003" and not caught.value.retryable
    assert "create a key with the interhumanai.upload scope" in caught.value.message
    assert fake.uploads == 1 and sleeps == []


# --- retries ------------------------------------------------------------------------------------


async def test_concurrency_limit_honours_retry_after(make_provider, fake, recording, sleeps):
    fake.fail_next("upload", Fault.RATE_LIMITED_RETRY_AFTER)

    result = await make_provider().run(recording, {}, Checkpoints(fake))

    assert result.remote_ids == {"job_id": "job-1"}
    assert sleeps == [2.0]
    assert (fake.uploads, fake.jobs_created) == (2, 1)
    assert fake.records[0].file_size == fake.records[1].file_size == recording.size_bytes


async def test_concurrency_limit_without_retry_after_backs_off(
    make_provider, fake, recording, sleeps, fast_policy
):
    fake.fail_next("upload", Fault.RATE_LIMITED, Fault.RATE_LIMITED)

    await make_provider().run(recording, {}, Checkpoints(fake))

    assert fake.uploads == 3
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0  # full jitter on 0.5 s, 1 s


async def test_quota_exhausted_is_not_retried(make_provider, fake, recording, sleeps):
    fake.fail_next("upload", Fault.QUOTA)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "ih3003" and not caught.value.retryable
    assert "quota" in caught.value.message
    assert fake.uploads == 1 and sleeps == []


@pytest.mark.parametrize(
    ("fault", "unconfirmed"),
    [
        (Fault.SERVER_ERROR, None),
        (Fault.UNAVAILABLE, None),
        # the video was sent and no answer came: Interhuman may have made a job of it
        (Fault.TIMEOUT, "1"),
        (Fault.CONNECTION_RESET, "1"),
    ],
)
async def test_transient_failures_are_retried(
    make_provider, fake, recording, sleeps, fault, unconfirmed
):
    fake.fail_next("upload", fault)

    result = await make_provider().run(recording, {}, Checkpoints(fake))

    assert result.remote_ids.get("job_id") == "job-1"
    assert result.remote_ids.get("unconfirmed_uploads") == unconfirmed
    assert fake.uploads == 2 and len(sleeps) == 1
    assert fake.records[1].file_size == recording.size_bytes  # the file is re-sent whole


async def test_transient_failures_while_polling_are_retried(make_provider, fake, recording):
    fake.fail_next("poll", Fault.UNAVAILABLE, Fault.CONNECTION_RESET)

    result = await make_provider().run(recording, {}, Checkpoints(fake))

    assert result.remote_ids == {"job_id": "job-1"} and fake.uploads == 1


async def test_outage_that_outlasts_the_retries_is_a_retryable_failure(
    make_provider, fake, recording, fast_policy
):
    fake.fail_next("upload", *[Fault.UNAVAILABLE] * fast_policy.max_attempts)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "provider_unavailable" and caught.value.retryable
    assert "ih1003" in caught.value.message  # the provider's own code is kept in the message
    assert "correlation id corr-4" in caught.value.message
    assert fake.uploads == fast_policy.max_attempts


async def test_timeouts_that_outlast_the_retries_fail_as_timeout(
    make_provider, fake, recording, fast_policy
):
    fake.fail_next("upload", *[Fault.TIMEOUT] * fast_policy.max_attempts)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "provider_timeout" and caught.value.retryable


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Fault.TOO_LARGE, "ih4003"),
        (Fault.UNSUPPORTED_CONTAINER, "ih4002"),
        (Fault.CORRUPTED, "ih5002"),
        (Fault.LEGACY_ERROR, "provider_rejected"),
    ],
)
async def test_rejected_videos_fail_at_once_with_the_provider_code(
    make_provider, fake, recording, sleeps, fault, code
):
    fake.fail_next("upload", fault)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert caught.value.code == code and not caught.value.retryable
    assert fake.uploads == 1 and sleeps == []


async def test_older_error_shape_keeps_its_detail(make_provider, fake, recording):
    fake.fail_next("upload", Fault.LEGACY_ERROR)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert "Video must be at least 3 seconds." in caught.value.message


async def test_html_from_a_proxy_is_read_defensively(make_provider, fake, recording, fast_policy):
    fake.fail_next("upload", *[Fault.BAD_GATEWAY_HTML] * fast_policy.max_attempts)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "provider_unavailable" and caught.value.retryable
    assert "502 Bad Gateway" in caught.value.message


@pytest.mark.parametrize("fault", [Fault.TRUNCATED_JSON, Fault.INVALID_JSON])
@pytest.mark.parametrize("endpoint", ["upload", "poll"])
async def test_unreadable_answers_fail_as_invalid_response(
    make_provider, fake, recording, fault, endpoint
):
    fake.fail_next(endpoint, fault)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "provider_invalid_response" and caught.value.retryable


async def test_failed_job_reports_the_job_error_and_is_forgotten(make_provider, fake, recording):
    fake.fail_next_job("ih5002", "The video file is corrupted.")
    checkpoints = Checkpoints(fake)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {"attempt": 1}, checkpoints)

    assert caught.value.code == "ih5002" and not caught.value.retryable
    assert "The video file is corrupted." in caught.value.message
    assert "job-1" in caught.value.message and "correlation id corr-" in caught.value.message
    # a failed job is dropped from the state: a retry uploads anew instead of re-reading it
    assert checkpoints[-2:] == [
        {"attempt": 1, "job_id": "job-1", "input": "original"},
        {"attempt": 1},
    ]


async def test_internal_job_failure_is_retryable(make_provider, fake, recording):
    fake.fail_next_job("ih1001", "Internal error while analysing.")

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "ih1001" and caught.value.retryable


async def test_job_lost_right_after_upload_is_a_retryable_failure(make_provider, fake, recording):
    async def forget_job(state: State) -> None:
        if "job_id" in state:
            fake.expire_job(state["job_id"])

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(recording, {}, forget_job)

    assert caught.value.code == "job_not_found" and caught.value.retryable


# --- checks before any call ---------------------------------------------------------------------


async def test_two_second_clip_fails_too_short_without_any_call(
    make_provider, fake, tmp_path, checkpoints
):
    clip = make_video(tmp_path / "short.mp4", seconds=2.0)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(video_input(clip), {}, checkpoints)  # probed, no media given

    assert caught.value.code == "too_short" and not caught.value.retryable
    assert (fake.auth_calls, fake.uploads, fake.polls) == (0, 0, 0) and checkpoints == []


async def test_clip_without_sound_fails_without_any_call(make_provider, fake, tmp_path):
    clip = make_video(tmp_path / "mute.mp4", seconds=4.0, audio=False)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(video_input(clip), {}, Checkpoints(fake))

    assert caught.value.code == "no_audio"
    assert (fake.auth_calls, fake.uploads) == (0, 0)


@pytest.mark.parametrize(
    ("probe", "code"),
    [
        (media(2.0), "too_short"),
        (media(20.0, video=False), "no_video"),
        (media(20.0, audio=False), "no_audio"),
        (media(31 * 60.0), "too_long"),
    ],
)
async def test_local_probe_findings_are_used_without_reading_the_file(
    make_provider, fake, tmp_path, probe, code
):
    missing = video_input(tmp_path / "not-there.mp4", probe)

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(missing, {}, Checkpoints(fake))

    assert caught.value.code == code
    assert (fake.auth_calls, fake.uploads) == (0, 0)


async def test_file_that_is_not_a_video_fails_without_any_call(make_provider, fake, tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video")

    with pytest.raises(ProviderFailure) as caught:
        await make_provider().run(video_input(path), {}, Checkpoints(fake))

    assert not caught.value.retryable
    assert fake.uploads == 0


async def test_recording_over_the_limit_is_sent_as_a_smaller_proxy(
    make_provider, fake, tmp_path, checkpoints
):
    clip = make_video(tmp_path / "big.mp4", seconds=4.0, width=320, height=240)
    original = clip.stat().st_size
    provider = make_provider(max_upload_bytes=original - 1)

    result = await provider.run(video_input(clip), {}, checkpoints)

    assert (
        isinstance(result.sections["behavior"], Behavior)
        and result.sections["behavior"].input == "proxy"
    )
    [upload] = fake.records
    assert 0 < upload.file_size < original
    assert upload.file_name == "proxy.mp4" and upload.file_content_type == "video/mp4"
    assert checkpoints[-1] == {"job_id": "job-1", "input": "proxy"}
    assert len(result.notes) == 1 and "proxy" in result.notes[0]
    assert list((tmp_path / "work").iterdir()) == []  # the proxy's temp dir is gone


async def test_recording_that_cannot_shrink_enough_fails_without_upload(
    make_provider, fake, tmp_path
):
    clip = make_video(tmp_path / "big.mp4", seconds=4.0)
    provider = make_provider(max_upload_bytes=20_000)

    with pytest.raises(ProviderFailure) as caught:
        await provider.run(video_input(clip), {}, Checkpoints(fake))

    assert caught.value.code == "proxy_cannot_fit"
    assert fake.uploads == 0
    assert list((tmp_path / "work").iterdir()) == []


# --- resuming -----------------------------------------------------------------------------------


async def test_saved_job_is_polled_without_uploading_again(make_provider, fake, recording):
    fake.add_job("job-77", polls_until_done=1)
    checkpoints = Checkpoints(fake)

    result = await make_provider().run(
        recording, {"job_id": "job-77", "input": "proxy"}, checkpoints
    )

    assert result.remote_ids == {"job_id": "job-77"}
    assert (
        isinstance(result.sections["behavior"], Behavior)
        and result.sections["behavior"].input == "proxy"
    )
    assert (fake.uploads, fake.polls) == (0, 2)
    assert checkpoints == []
    assert len(result.notes) == 1 and "proxy" in result.notes[0]


async def test_expired_saved_job_is_uploaded_again_and_noted(make_provider, fake, recording):
    checkpoints = Checkpoints(fake)

    result = await make_provider().run(recording, {"job_id": "job-gone"}, checkpoints)

    assert result.remote_ids == {"job_id": "job-1"}
    assert fake.uploads == 1
    assert checkpoints == [{}, {"upload_started": True}, {"job_id": "job-1", "input": "original"}]
    assert any("job-gone" in note and "expired" in note for note in result.notes)


async def test_polling_stops_at_the_deadline_keeping_the_job(make_provider, fake, recording, clock):
    fake.polls_until_done = 1000
    checkpoints = Checkpoints(fake)
    provider = make_provider(poll_interval=5.0, poll_max_interval=20.0, poll_deadline=60.0)

    with pytest.raises(ProviderFailure) as caught:
        await provider.run(recording, {}, checkpoints)

    assert caught.value.code == "poll_timeout" and caught.value.retryable
    assert checkpoints[-1] == {"job_id": "job-1", "input": "original"}
    assert clock.sleeps == [5.0, 10.0, 20.0, 20.0]
    assert fake.uploads == 1


async def test_concurrency_is_capped_per_account(fake, http, fast_policy, tmp_path):
    import asyncio

    release = asyncio.Event()

    async def held(_: float) -> None:  # every job stays open until the test lets go
        await release.wait()

    path = tmp_path / "a.mp4"
    path.write_bytes(b"x" * 2048)
    provider = InterhumanProvider(
        base_url=fake.base_url,
        api_key=fake.api_key,
        http_client=http,
        policy=fast_policy,
        poll_sleep=held,
        concurrency=2,
    )
    runs = [
        asyncio.create_task(provider.run(video_input(path, media()), {}, Checkpoints(fake)))
        for _ in range(5)
    ]
    while fake.jobs_created < 2:
        await asyncio.sleep(0)

    assert provider._slots.locked()  # the other three wait for a slot, they are not uploading
    release.set()
    await asyncio.gather(*runs)
    assert fake.jobs_created == 5
    assert fake.max_active_jobs == 2


# --- normalisation ------------------------------------------------------------------------------


def test_unknown_signal_types_and_extra_fields_are_kept():
    answer = {
        "signals": [
            {"type": "awe", "start": 1, "end": 4.5, "probability": "high", "modality": ["audio"]},
            {"type": "tension", "start": 5.0, "end": 6.0, "probability": 0.7},
        ]
    }

    behavior = behavior_from_answer(answer, input_kind="original")

    assert [(s.type, s.start_seconds, s.end_seconds, s.probability) for s in behavior.signals] == [
        ("awe", 1.0, 4.5, "high"),
        ("tension", 5.0, 6.0, None),  # a probability that is not low/medium/high is not guessed
    ]


async def test_unknown_signal_type_survives_a_full_run(make_provider, fake, recording):
    fake.result = {"signals": [{"type": "wonder", "start": 3, "end": 8, "probability": "low"}]}

    result = await make_provider().run(recording, {}, Checkpoints(fake))

    assert isinstance(result.sections["behavior"], Behavior)
    assert [s.type for s in result.sections["behavior"].signals] == ["wonder"]


def test_v1_answer_shape_is_normalised():
    answer = {
        "signals": [
            {
                "type": "confidence",
                "start": 5.0,
                "end": 15.0,
                "probability": "medium",
                "rationale": "Steady voice with few pauses.",
            }
        ],
        "engagement_state": [{"start": 0, "end": 5, "state": "engaged"}],
        "conversation_quality": {"overall": {"quality_index": 72, "clarity": 67}},
    }

    behavior = behavior_from_answer(answer, input_kind="original")

    assert [(e.start_seconds, e.end_seconds, e.state) for e in behavior.engagement] == [
        (0.0, 5.0, "engaged")
    ]
    assert behavior.conversation_quality is not None
    overall = behavior.conversation_quality.overall
    assert overall is not None and overall.quality_index == 72 and overall.energy is None
    assert behavior.conversation_quality.timeline == []


def test_absent_fields_give_empty_lists_and_none():
    behavior = behavior_from_answer({}, input_kind="original")

    assert behavior.signals == [] and behavior.engagement == []
    assert behavior.conversation_quality is None


def test_window_signals_and_times_come_from_the_windows_when_not_merged():
    answer = {
        "duration_seconds": 25.0,
        "window_seconds": 10.0,
        "windows": [
            {"engagement_status": "engaged", "signals": [{"type": "interest"}]},
            {"engagement_status": "disengaged", "signals": []},
            {"signals": [{"type": "stress", "start": 21.0, "end": 24.0}]},
        ],
    }

    behavior = behavior_from_answer(answer, input_kind="proxy")

    assert [(s.type, s.start_seconds, s.end_seconds) for s in behavior.signals] == [
        ("interest", 0.0, 10.0),
        ("stress", 21.0, 24.0),
    ]
    assert [(e.start_seconds, e.end_seconds, e.state) for e in behavior.engagement] == [
        (0.0, 10.0, "engaged"),
        (10.0, 20.0, "disengaged"),
    ]
    assert behavior.input == "proxy"


def test_signal_without_times_is_left_out_not_invented():
    behavior = behavior_from_answer(
        {"signals": [{"type": "confusion"}, {"start": 1, "end": 2}]}, input_kind="original"
    )

    assert behavior.signals == []


# --- configuration and lifecycle ----------------------------------------------------------------


def test_skip_reason_names_the_settings(settings: Settings):
    assert "INTERHUMAN_API_KEY" in (InterhumanProvider.from_settings(settings).skip_reason() or "")
    assert "INTERHUMAN_KEY_ID + INTERHUMAN_KEY_SECRET" in (
        InterhumanProvider.from_settings(settings).skip_reason() or ""
    )
    half = settings.model_copy(update={"interhuman_key_id": "kid"})
    assert "INTERHUMAN_KEY_SECRET" in (InterhumanProvider.from_settings(half).skip_reason() or "")


def test_from_settings_reads_the_interhuman_settings(settings: Settings):
    from pydantic import SecretStr

    configured = settings.model_copy(
        update={"interhuman_api_key": SecretStr("ih_live_x"), "interhuman_concurrency": 3}
    )

    provider = InterhumanProvider.from_settings(configured, poll_interval=1.0)

    assert provider.skip_reason() is None
    assert "ih_live_x" not in repr(provider)


async def test_unconfigured_provider_refuses_to_run(fake, recording):
    provider = InterhumanProvider(http_client=fake.client())

    with pytest.raises(ProviderFailure) as caught:
        await provider.run(recording, {}, Checkpoints(fake))

    assert caught.value.code == "not_configured" and fake.uploads == 0


async def test_delete_remote_is_a_no_op_and_aclose_spares_a_borrowed_client(make_provider, http):
    provider = make_provider()

    assert await provider.delete_remote({"job_id": "job-1"}) is None
    await provider.aclose()
    assert not http.is_closed


async def test_aclose_closes_an_owned_client():
    provider = InterhumanProvider(api_key="ih_live_x", policy=RetryPolicy())
    await provider.aclose()
    assert provider._http._client.is_closed


# --- an upload whose outcome is unknown ---------------------------------------------------------
# Interhuman offers no idempotency key, client reference or job listing: an upload whose answer
# was lost cannot be found again. It is sent again, and the possible extra copy is recorded.


def unconfirmed_uploads_counted() -> float:
    value = PROCESS_REGISTRY.get_sample_value(
        "provider_unconfirmed_uploads_total", {"provider": "interhuman"}
    )
    return value or 0.0


async def test_a_reset_after_the_video_was_sent_is_resent_and_the_possible_copy_recorded(
    make_provider, fake, recording
):
    fake.fail_next("upload", Fault.ACCEPTED_THEN_RESET)
    checkpoints = Checkpoints(fake)
    counted = unconfirmed_uploads_counted()

    result = await make_provider().run(recording, {}, checkpoints)

    assert fake.jobs_created == 2  # Interhuman did create the first job: two copies exist
    assert result.remote_ids == {"job_id": "job-2", "unconfirmed_uploads": "1"}
    assert checkpoints[-1] == {"job_id": "job-2", "input": "original", "unconfirmed_uploads": 1}
    assert any("may hold up to 2 copies" in note for note in result.notes)
    assert unconfirmed_uploads_counted() == counted + 1


async def test_a_cut_success_answer_fails_the_attempt_and_the_retry_records_the_copy(
    make_provider, fake, recording
):
    fake.fail_next("upload", Fault.ACCEPTED_THEN_CUT)
    checkpoints = Checkpoints(fake)
    provider = make_provider()

    with pytest.raises(ProviderFailure) as caught:
        await provider.run(recording, {}, checkpoints)
    assert caught.value.code == "provider_invalid_response" and caught.value.retryable
    assert checkpoints[-1] == {"upload_started": True}  # the outcome stays unknown

    result = await provider.run(recording, checkpoints[-1], checkpoints)  # the step's retry

    assert fake.jobs_created == 2
    assert result.remote_ids == {"job_id": "job-2", "unconfirmed_uploads": "1"}
    assert any("may hold up to 2 copies" in note for note in result.notes)


async def test_a_worker_stopped_during_an_upload_counts_that_upload_on_resume(
    make_provider, fake, recording
):
    checkpoints = Checkpoints(fake)

    result = await make_provider().run(recording, {"upload_started": True}, checkpoints)

    assert fake.uploads == 1
    assert result.remote_ids == {"job_id": "job-1", "unconfirmed_uploads": "1"}


@pytest.mark.parametrize("fault", [Fault.UNAVAILABLE, Fault.RATE_LIMITED])
async def test_a_definite_refusal_is_retried_without_recording_a_copy(
    make_provider, fake, recording, fault
):
    fake.fail_next("upload", fault)
    counted = unconfirmed_uploads_counted()

    result = await make_provider().run(recording, {}, Checkpoints(fake))

    assert (fake.uploads, fake.jobs_created) == (2, 1)
    assert result.remote_ids == {"job_id": "job-1"}
    assert unconfirmed_uploads_counted() == counted


async def test_a_connection_that_never_opened_records_no_copy(make_provider, fake, recording):
    calls = 0

    async def refuse_first(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        if request.url.path == "/v2/upload/analyze" and (calls := calls + 1) == 1:
            raise httpx.ConnectError("connection refused", request=request)
        answer: httpx.Response = await fake.handler(request)
        return answer

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse_first)) as client:
        result = await make_provider(http_client=client).run(recording, {}, Checkpoints(fake))

    assert result.remote_ids == {"job_id": "job-1"}


# --- latency: the job request is held open until the job ends -----------------------------------


async def test_job_requests_ask_interhuman_to_hold_them_until_the_job_ends(
    make_provider, fake, recording, clock
):
    fake.polls_until_done = 2
    seen: list[str | None] = []

    async def record(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            seen.append(request.url.params.get("wait_seconds"))
        answer: httpx.Response = await fake.handler(request)
        return answer

    async with httpx.AsyncClient(transport=httpx.MockTransport(record)) as client:
        await make_provider(http_client=client, poll_interval=1.0).run(
            recording, {}, Checkpoints(fake)
        )

    assert seen == ["60", "60", "60"]
    # this fake answers at once (it does not hold): the requests are still paced, a second
    # apart and then further apart, never a busy loop
    assert clock.sleeps == [1.0, 2.0, 4.0]


async def test_an_upload_cancelled_while_sending_counts_as_unconfirmed_on_the_next_run(
    make_provider, fake, recording
):
    import asyncio

    sending = asyncio.Event()

    async def hang_first_upload(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/upload/analyze" and not sending.is_set():
            sending.set()
            await asyncio.Event().wait()  # the answer never comes: the step is cancelled
        answer: httpx.Response = await fake.handler(request)
        return answer

    checkpoints = Checkpoints(fake)
    async with httpx.AsyncClient(transport=httpx.MockTransport(hang_first_upload)) as client:
        provider = make_provider(http_client=client)
        run = asyncio.create_task(provider.run(recording, {}, checkpoints))
        await sending.wait()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        assert checkpoints[-1] == {"upload_started": True}  # the outcome stays unknown

        result = await provider.run(recording, checkpoints[-1], checkpoints)

    assert result.remote_ids == {"job_id": "job-1", "unconfirmed_uploads": "1"}
