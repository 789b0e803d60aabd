"""The local provider through its async API, on real recordings."""

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest

from analysis import media as media_module
from analysis.canonical import Media, Speech
from analysis.providers import local
from analysis.providers.base import AnalysisProvider, ProviderFailure, State, VideoInput
from analysis.providers.local import LocalMediaProvider, MeasurementCancelled, probe_async
from tests.videos import make_video

SPOKEN = [(0.3, 1.2), (1.8, 2.7)]


def video_input(path: Path) -> VideoInput:
    return VideoInput(
        path=path,
        size_bytes=path.stat().st_size if path.exists() else 0,
        sha256="ab" * 32,
        container=path.suffix.lstrip("."),
        analysis_id="an_1",
        recording_id="rec_1",
    )


async def no_checkpoint(state: State) -> None:
    raise AssertionError("the local provider has nothing to checkpoint")


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("local") / "answer.webm", seconds=3.0, speech=SPOKEN)


@pytest.fixture
def provider() -> LocalMediaProvider:
    return LocalMediaProvider()


def test_the_local_provider_is_always_on(provider: LocalMediaProvider) -> None:
    as_protocol: AnalysisProvider = provider

    assert as_protocol.spec.name == "local"
    assert as_protocol.skip_reason() is None


async def test_a_recording_yields_media_and_speech_sections(
    provider: LocalMediaProvider, answer: Path
) -> None:
    result = await provider.run(video_input(answer), {}, no_checkpoint)

    media, speech = result.sections["media"], result.sections["speech"]
    assert isinstance(media, Media) and isinstance(speech, Speech)
    assert media.container == "webm"
    assert (media.sha256, media.size_bytes) == ("ab" * 32, answer.stat().st_size)
    assert media.duration_seconds == pytest.approx(3.0, abs=0.15)
    assert speech.pause_count == 1
    assert speech.speaking_seconds == pytest.approx(1.8, abs=0.3)
    assert result.notes == []
    assert result.remote_ids == {}


async def test_the_raw_answer_is_json_and_says_how_it_was_measured(
    provider: LocalMediaProvider, answer: Path
) -> None:
    result = await provider.run(video_input(answer), {}, no_checkpoint)

    raw = json.loads(json.dumps(result.raw))
    assert raw["probe"]["container"] == "webm"
    assert raw["probe"]["format_name"] == "matroska,webm"
    assert raw["speech"]["speech"]["pause_count"] == 1
    assert raw["speech"]["settings"]["min_pause_seconds"] == 0.3
    assert "voice activity" in raw["method"]


async def test_a_video_without_sound_gets_no_speech_section_and_a_note(
    provider: LocalMediaProvider, tmp_path: Path
) -> None:
    path = make_video(tmp_path / "mute.mp4", seconds=1.0, audio=False)

    result = await provider.run(video_input(path), {}, no_checkpoint)

    media, speech = result.sections["media"], result.sections["speech"]
    assert isinstance(media, Media) and not media.has_audio and speech is None
    assert result.raw["speech"] is None
    assert any("no audio" in note for note in result.notes)


async def test_a_file_that_is_not_a_video_fails_for_good(
    provider: LocalMediaProvider, tmp_path: Path
) -> None:
    path = tmp_path / "upload.webm"
    path.write_bytes(b"\x1a\x45\xdf\xa3 certainly not a recording" * 20)

    with pytest.raises(ProviderFailure) as failure:
        await provider.run(video_input(path), {}, no_checkpoint)

    assert failure.value.code == "unreadable_media"
    assert not failure.value.retryable


async def test_a_missing_recording_fails_with_its_own_code(
    provider: LocalMediaProvider, tmp_path: Path
) -> None:
    with pytest.raises(ProviderFailure) as failure:
        await provider.run(video_input(tmp_path / "gone.webm"), {}, no_checkpoint)

    assert failure.value.code == "recording_missing"
    assert not failure.value.retryable


async def test_measuring_leaves_the_event_loop_free(
    provider: LocalMediaProvider, answer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_is_free = threading.Event()
    seen_free: list[bool] = []

    def probe_that_needs_the_loop(path: Path, **kwargs: Any) -> media_module.MediaProbe:
        # only a coroutine running on the loop can set the event while this thread waits
        seen_free.append(loop_is_free.wait(timeout=5))
        return media_module.probe(path, **kwargs)

    monkeypatch.setattr(local, "probe", probe_that_needs_the_loop)

    async def meanwhile_on_the_loop() -> None:
        loop_is_free.set()

    result, _ = await asyncio.gather(
        provider.run(video_input(answer), {}, no_checkpoint), meanwhile_on_the_loop()
    )

    assert seen_free == [True]
    assert result.sections["media"] is not None


async def test_a_cancelled_run_stops_its_worker_thread(
    provider: LocalMediaProvider, answer: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, resume, stopped = threading.Event(), threading.Event(), threading.Event()

    def slow_probe(path: Path, **kwargs: Any) -> media_module.MediaProbe:
        started.set()
        resume.wait(timeout=5)
        try:
            kwargs["cancel_check"]()
        except MeasurementCancelled:
            stopped.set()
            raise
        return media_module.probe(path, **kwargs)

    monkeypatch.setattr(local, "probe", slow_probe)
    task = asyncio.create_task(provider.run(video_input(answer), {}, no_checkpoint))
    assert await anyio.to_thread.run_sync(started.wait, 5)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    resume.set()

    assert await anyio.to_thread.run_sync(stopped.wait, 5)


async def test_probe_async_reads_the_header(answer: Path) -> None:
    result = await probe_async(answer)

    assert result.container == "webm" and result.has_audio


async def test_delete_and_close_have_nothing_to_do(provider: LocalMediaProvider) -> None:
    await provider.delete_remote({})
    await provider.aclose()
