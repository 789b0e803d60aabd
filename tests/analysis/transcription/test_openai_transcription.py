"""The OpenAI-compatible transcription engine and the transcription step, against a stand-in
that speaks the real wire format (failures included)."""

from pathlib import Path
from typing import Any

import pytest

from analysis.canonical import Transcript
from analysis.providers.base import ProviderFailure, VideoInput
from analysis.transcription.audio import AudioChunk, prepare_audio
from analysis.transcription.openai_compatible import OpenAITranscriber
from analysis.transcription.provider import TranscriptionProvider
from shared.http import RetryPolicy
from tests.analysis.fakes.openai_transcription import API_KEY, BASE_URL, FakeTranscriptionAPI, Fault
from tests.analysis.transcription.audio_files import write_bursts


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake() -> FakeTranscriptionAPI:
    return FakeTranscriptionAPI()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def engine(fake: FakeTranscriptionAPI, sleeps: Sleeps, **overrides: Any) -> OpenAITranscriber:
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "model": "whisper-1",
        "base_url": BASE_URL,
        "policy": RetryPolicy(max_attempts=3, sleep=sleeps, jitter=lambda: 0.0),
        "client": fake.client(),
    }
    return OpenAITranscriber(**{**options, **overrides})


@pytest.fixture(scope="module")
def chunk(tmp_path_factory: pytest.TempPathFactory) -> AudioChunk:
    folder = tmp_path_factory.mktemp("chunk")
    (piece,) = prepare_audio(write_bursts(folder / "a.wav", 6), folder).chunks
    return piece


async def test_verbose_json_gives_word_timestamps(fake, sleeps, chunk) -> None:
    fake.answers = ["I would profile the view first"]
    transcript, used = await engine(fake, sleeps).transcribe(chunk)

    assert used == "verbose_json"
    assert transcript.text == "I would profile the view first"
    assert transcript.timestamps == "word"
    assert [w[0] for w in transcript.words or []] == transcript.text.split()
    assert transcript.words and transcript.words[-1][2] <= 6.1
    assert transcript.language == "english"
    request = fake.requests[0]
    fields = request["fields"]
    assert ("model", "whisper-1") in fields and ("response_format", "verbose_json") in fields
    assert [v for k, v in fields if k == "timestamp_granularities[]"] == ["word", "segment"]
    filename, content_type, data = request["files"]["file"]
    assert (
        filename.endswith(".ogg") and content_type == "audio/ogg" and len(data) == chunk.size_bytes
    )


async def test_a_model_without_timestamps_is_asked_for_json_and_the_choice_is_kept(
    fake, sleeps, chunk
) -> None:
    transcriber = engine(fake, sleeps, model="gpt-4o-transcribe", language="en")
    memo: dict[str, Any] = {}
    first = await transcriber.transcribe_chunk(chunk, memo)
    second = await transcriber.transcribe_chunk(chunk, memo)

    assert first.timestamps == second.timestamps == "none"
    assert first.language == "en"  # json carries no language: the configured one is kept
    assert memo == {"response_format": "json"}
    formats = [dict(r["fields"])["response_format"] for r in fake.requests]
    assert formats == ["verbose_json", "json", "json"]  # refused once, never asked again


async def test_a_server_without_word_timestamps_gives_segment_timestamps(
    fake, sleeps, tmp_path
) -> None:
    fake.gives_words = False
    fake.answers = [f"piece {i}" for i in range(1, 5)]
    provider = TranscriptionProvider(engine(fake, sleeps, max_chunk_seconds=30))
    result = await provider.run(video_of(write_bursts(tmp_path / "a.wav", 60)), {}, Saved())

    transcript = result.sections["transcript"]
    assert isinstance(transcript, Transcript)
    assert transcript.timestamps == "segment" and transcript.words is None
    cuts = result.raw["cuts"]
    assert len(cuts) >= 2
    assert [s.text for s in transcript.segments] == fake.answers[: len(cuts)]
    assert [s.start_seconds for s in transcript.segments] == pytest.approx(
        [start for start, _ in cuts], abs=0.01
    )  # shifted back onto the whole answer
    assert transcript.segments[-1].end_seconds == pytest.approx(60, abs=0.1)
    assert any("segment timestamps" in note for note in result.notes)


async def test_a_429_waits_as_long_as_retry_after_says(fake, sleeps, chunk) -> None:
    fake.retry_after = 7
    fake.script(Fault.RATE_LIMITED)
    transcript, _ = await engine(fake, sleeps).transcribe(chunk)

    assert transcript.text
    assert sleeps.waits == [7.0]


async def test_server_errors_and_timeouts_are_retried_with_backoff(fake, sleeps, chunk) -> None:
    fake.script(Fault.SERVER_ERROR, Fault.TIMEOUT)
    transcript, _ = await engine(fake, sleeps).transcribe(chunk)

    assert transcript.text
    assert len(fake.requests) == 3
    assert len(sleeps.waits) == 2 and sleeps.waits[1] > sleeps.waits[0]
    assert all(len(r["files"]["file"][2]) == chunk.size_bytes for r in fake.requests)  # whole


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Fault.SERVER_ERROR, "provider_unavailable"),
        (Fault.TIMEOUT, "provider_timeout"),
        (Fault.RATE_LIMITED, "provider_rate_limited"),
    ],
)
async def test_a_lasting_outage_is_a_retryable_failure(fake, sleeps, chunk, fault, code) -> None:
    fake.script(fault, fault, fault)
    with pytest.raises(ProviderFailure) as caught:
        await engine(fake, sleeps).transcribe(chunk)
    assert caught.value.code == code and caught.value.retryable
    assert len(fake.requests) == 3  # bounded


async def test_an_answer_that_is_not_json_is_a_retryable_failure(fake, sleeps, chunk) -> None:
    fake.script(Fault.INVALID_JSON)
    with pytest.raises(ProviderFailure) as caught:
        await engine(fake, sleeps).transcribe(chunk)
    assert caught.value.code == "provider_invalid_response" and caught.value.retryable


async def test_a_body_over_the_size_limit_is_refused_as_the_api_does(fake, sleeps, chunk) -> None:
    fake.size_limit = chunk.size_bytes // 2
    with pytest.raises(ProviderFailure) as caught:
        await engine(fake, sleeps).transcribe(chunk)
    assert caught.value.code == "provider_rejected" and not caught.value.retryable
    assert "Maximum content size limit" in caught.value.message
    assert len(fake.requests) == 1  # a 413 is not retried


async def test_a_wrong_key_fails_at_once_and_the_key_is_never_shown(fake, sleeps, chunk) -> None:
    with pytest.raises(ProviderFailure) as caught:
        await engine(fake, sleeps, api_key="sk-wrong-secret").transcribe(chunk)
    assert caught.value.code == "invalid_api_key" and not caught.value.retryable
    assert "sk-wrong-secret" not in str(caught.value) and "TRANSCRIPTION_API_KEY" in str(
        caught.value
    )
    assert len(fake.requests) == 1


# -- the step ----------------------------------------------------------------------------------


def video_of(path: Path) -> VideoInput:
    return VideoInput(
        path=path,
        size_bytes=path.stat().st_size,
        sha256="0" * 64,
        container="wav",
        analysis_id="a1",
        recording_id="r1",
    )


class Saved:
    def __init__(self) -> None:
        self.states: list[dict[str, Any]] = []

    async def __call__(self, state: dict[str, Any]) -> None:
        self.states.append(state)


@pytest.fixture(scope="module")
def forty_minutes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bursts(tmp_path_factory.mktemp("long") / "answer.wav", 40 * 60)


async def test_a_forty_minute_answer_is_sent_in_pieces_and_joined_in_order(
    fake, sleeps, forty_minutes
) -> None:
    transcriber = engine(fake, sleeps)
    fake.answers = [f"piece {i} starts here and ends there" for i in range(10)]
    provider = TranscriptionProvider(transcriber)
    saved = Saved()
    result = await provider.run(video_of(forty_minutes), {}, saved)

    transcript = result.sections["transcript"]
    assert isinstance(transcript, Transcript)
    pieces = len(fake.requests)
    assert pieces >= 4 and len(saved.states) == pieces  # a checkpoint after every piece
    assert transcript.text.split(" starts")[0] == "piece 0"
    assert transcript.text.count("piece") == pieces
    assert [transcript.text.index(f"piece {i} ") for i in range(pieces)] == sorted(
        transcript.text.index(f"piece {i} ") for i in range(pieces)
    )
    assert transcript.timestamps == "word" and transcript.words is not None
    starts = [w.start_seconds for w in transcript.words]
    assert starts == sorted(starts)  # shifted back onto the whole answer
    assert 2000 < transcript.words[-1].end_seconds <= 2400.5
    cuts = result.raw["cuts"]
    last_piece_first_word = [w for w in transcript.words if w.text == "piece"][-1]
    assert last_piece_first_word.start_seconds == pytest.approx(cuts[-1][0], abs=0.01)
    assert transcript.provider == "openai" and transcript.model == "whisper-1"
    assert any("pieces" in note for note in result.notes)


async def test_a_restarted_step_sends_only_the_pieces_it_had_not_finished(
    fake, sleeps, tmp_path
) -> None:
    source = write_bursts(tmp_path / "answer.wav", 60)
    provider = TranscriptionProvider(
        engine(fake, sleeps, policy=RetryPolicy(max_attempts=1), max_chunk_seconds=20)
    )
    fake.answers = ["one", "two", "three", "four", "five", "six"]
    fake.script(None, None, Fault.SERVER_ERROR)  # the third piece fails
    saved = Saved()
    with pytest.raises(ProviderFailure):
        await provider.run(video_of(source), {}, saved)
    state = saved.states[-1]
    assert len(state["chunks"]) == 2

    fake.answers = [*fake.answers[:2], "three", "four", "five", "six"]
    sent_before = len(fake.requests)
    result = await provider.run(video_of(source), state, saved)
    assert len(fake.requests) - sent_before == len(state["cuts"]) - 2
    assert result.sections["transcript"].text.startswith("one two three")  # type: ignore[union-attr]


async def test_silence_is_not_sent_and_gives_an_empty_transcript(fake, sleeps, tmp_path) -> None:
    from tests.analysis.transcription.audio_files import write_silence

    provider = TranscriptionProvider(engine(fake, sleeps))
    result = await provider.run(video_of(write_silence(tmp_path / "q.wav", 4)), {}, Saved())

    assert fake.requests == []
    assert result.sections["transcript"].text == ""  # type: ignore[union-attr]
    assert any("Nobody speaks" in note for note in result.notes)


async def test_without_an_engine_the_step_says_what_to_set() -> None:
    provider = TranscriptionProvider(None, not_configured="Set TRANSCRIPTION_API_KEY.")
    assert provider.skip_reason() == "Set TRANSCRIPTION_API_KEY."


def test_the_settings_choose_the_engine(monkeypatch) -> None:
    from pydantic import SecretStr

    from analysis.transcription import offline, provider
    from shared.settings import Settings

    openai_only = Settings(_env_file=None, openai_api_key=SecretStr("sk-x"))
    chosen = provider.from_settings(openai_only)
    assert isinstance(chosen.engine, OpenAITranscriber)  # the OpenAI key serves by default
    assert provider.from_settings(Settings(_env_file=None)).skip_reason() == provider.NOT_CONFIGURED

    monkeypatch.setattr(offline, "available", lambda: False)
    without_extra = provider.from_settings(Settings(_env_file=None, transcription_offline=True))
    assert "offline-transcription" in (without_extra.skip_reason() or "")
