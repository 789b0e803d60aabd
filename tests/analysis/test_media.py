"""Local measurements checked against recordings whose content is known (tests/videos.py)."""

from pathlib import Path
from typing import Any

import av
import pytest

from analysis.media import MediaError, analyse_speech, measure, measure_speech, probe
from tests.videos import make_text_file, make_video

CONTAINERS = ["webm", "mkv", "mp4", "mov", "avi", "ts"]
CODECS = {
    "webm": ("vp8", "opus"),
    "mkv": ("vp8", "opus"),
    "mp4": ("h264", "aac"),
    "mov": ("h264", "aac"),
    "avi": ("mpeg4", "mp3"),
    "ts": ("h264", "aac"),
}
SPOKEN = [(0.5, 2.0), (3.0, 4.5), (5.5, 7.0)]  # 4.5 s of voice, two 1 s pauses, in 8 s
WIDTH, HEIGHT, FPS = 128, 96, 10


def small_video(path: Path, **kwargs: Any) -> Path:
    """A recording with a small picture: the tests are about sound and containers."""
    return make_video(path, width=WIDTH, height=HEIGHT, fps=FPS, **kwargs)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An 8 s interview answer with three spoken stretches, in every container."""
    folder = tmp_path_factory.mktemp("clips")
    return {
        ext: small_video(folder / f"answer.{ext}", seconds=8.0, speech=SPOKEN) for ext in CONTAINERS
    }


@pytest.fixture(scope="module")
def silent_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_video(tmp_path_factory.mktemp("mute") / "mute.webm", seconds=2.0, audio=False)


@pytest.mark.parametrize("ext", CONTAINERS)
def test_probe_reports_what_the_file_holds(clips: dict[str, Path], ext: str) -> None:
    result = probe(clips[ext])

    assert result.container == ext  # the same names as the upload's sniffer
    assert (result.width, result.height) == (WIDTH, HEIGHT)
    assert result.duration_seconds == pytest.approx(8.0, abs=0.15)
    assert result.has_audio and result.has_video
    assert (result.video_codec, result.audio_codec) == CODECS[ext]
    assert result.frame_rate == pytest.approx(FPS)


@pytest.mark.parametrize("ext", CONTAINERS)
def test_speaking_time_and_pauses_match_what_was_said(clips: dict[str, Path], ext: str) -> None:
    speech = measure_speech(clips[ext])

    assert speech is not None
    assert speech.speaking_seconds == pytest.approx(4.5, abs=0.4)
    assert speech.pause_count == 2
    assert speech.longest_pause_seconds == pytest.approx(1.0, abs=0.3)
    assert speech.speaking_ratio == pytest.approx(4.5 / 8.0, abs=0.06)
    assert speech.mean_loudness_dbfs is not None and -40 < speech.mean_loudness_dbfs < -5


def test_a_longer_minimum_pause_turns_short_silences_into_speech(clips: dict[str, Path]) -> None:
    speech = measure_speech(clips["webm"], min_pause_seconds=1.5)

    assert speech is not None
    assert speech.pause_count == 0
    assert speech.speaking_seconds == pytest.approx(6.5, abs=0.4)


def test_talking_all_the_way_through_has_no_pause(tmp_path: Path) -> None:
    speech = measure_speech(small_video(tmp_path / "talk.webm", seconds=3.0))

    assert speech is not None
    assert speech.pause_count == 0
    assert speech.speaking_ratio >= 0.9


def test_a_silent_audio_track_has_no_speech_and_no_loudness(tmp_path: Path) -> None:
    speech = measure_speech(small_video(tmp_path / "quiet.webm", seconds=3.0, speech=[]))

    assert speech is not None
    assert speech.speaking_seconds == 0
    assert speech.speaking_ratio == 0
    assert speech.pause_count == 0
    assert speech.longest_pause_seconds == 0
    assert speech.mean_loudness_dbfs is None


def test_a_louder_voice_measures_louder_by_the_right_amount(tmp_path: Path) -> None:
    voiced = [(0.5, 2.5)]
    loud = measure_speech(small_video(tmp_path / "loud.webm", speech=voiced, loudness=0.5))
    soft = measure_speech(small_video(tmp_path / "soft.webm", speech=voiced, loudness=0.05))

    assert loud is not None and soft is not None
    assert loud.mean_loudness_dbfs is not None and soft.mean_loudness_dbfs is not None
    # a tenth of the amplitude is 20 dB quieter
    assert loud.mean_loudness_dbfs - soft.mean_loudness_dbfs == pytest.approx(20.0, abs=2.0)
    assert soft.speaking_seconds == pytest.approx(2.0, abs=0.3)


def test_a_video_without_audio_has_no_speech_section(silent_video: Path) -> None:
    result = probe(silent_video)

    assert result.has_video and not result.has_audio
    assert result.audio_codec is None
    assert measure_speech(silent_video) is None


def test_an_audio_only_recording_is_measured(tmp_path: Path) -> None:
    path = small_video(tmp_path / "voice.mkv", seconds=4.0, video=False, speech=[(1.0, 3.0)])

    result = probe(path)
    speech = measure_speech(path)

    assert result.has_audio and not result.has_video
    assert (result.width, result.height, result.video_codec, result.frame_rate) == (
        None,
        None,
        None,
        None,
    )
    assert result.duration_seconds == pytest.approx(4.0, abs=0.15)
    assert speech is not None and speech.speaking_seconds == pytest.approx(2.0, abs=0.3)


def test_a_browser_recording_without_header_duration_is_timed_from_its_packets(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    live = _remux_as_live_webm(clips["webm"], tmp_path / "browser.webm")

    result = probe(live)

    assert result.duration_source == "packets"
    assert result.duration_seconds == pytest.approx(8.0, abs=0.15)
    assert result.container == "webm"


def test_webm_and_matroska_are_told_apart_by_the_header_not_the_codecs(
    clips: dict[str, Path],
) -> None:
    # both files hold VP8 + Opus: only the EBML DocType differs
    assert probe(clips["webm"]).container == "webm"
    assert probe(clips["mkv"]).container == "mkv"


@pytest.mark.parametrize("content", [b"", b"\x00" * 10_000, b"not a video at all" * 500])
def test_garbage_is_refused_with_a_clear_code(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload.webm"
    path.write_bytes(content)

    with pytest.raises(MediaError) as probed:
        probe(path)
    with pytest.raises(MediaError) as measured:
        measure_speech(path)

    assert probed.value.code == measured.value.code == "unreadable_media"


def test_a_text_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="unreadable_media"):
        probe(make_text_file(tmp_path / "notes.mp4"))


def test_a_file_without_video_or_audio_is_refused(tmp_path: Path) -> None:
    subtitles = make_text_file(tmp_path / "answer.srt", "1\n00:00:00,000 --> 00:00:01,000\nHi\n")

    with pytest.raises(MediaError) as error:
        probe(subtitles)

    assert error.value.code == "no_media_streams"


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as error:
        probe(tmp_path / "gone.webm")

    assert error.value.code == "recording_missing"


def test_a_recording_cut_short_is_measured_as_far_as_it_goes(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    data = clips["webm"].read_bytes()
    cut = tmp_path / "cut.webm"
    cut.write_bytes(data[: len(data) // 2])

    analysis = analyse_speech(cut)

    assert analysis is not None
    assert 1.0 < analysis.audio_seconds < 7.0
    assert analysis.speech.speaking_seconds < 4.5


def test_measure_builds_the_canonical_sections(clips: dict[str, Path]) -> None:
    media, speech = measure(clips["mp4"], sha256="ab" * 32, size_bytes=1234)

    assert media.container == "mp4"
    assert (media.sha256, media.size_bytes) == ("ab" * 32, 1234)
    assert media.duration_seconds == pytest.approx(8.0, abs=0.15)
    assert speech is not None and speech.pause_count == 2


def test_measure_leaves_speech_out_without_audio(silent_video: Path) -> None:
    media, speech = measure(silent_video, sha256="cd" * 32, size_bytes=1)

    assert not media.has_audio
    assert speech is None


def test_a_measurement_can_be_abandoned_midway(clips: dict[str, Path]) -> None:
    class Stop(Exception):
        pass

    calls = 0

    def cancel_check() -> None:
        nonlocal calls
        calls += 1
        if calls > 5:
            raise Stop

    with pytest.raises(Stop):
        analyse_speech(clips["webm"], cancel_check=cancel_check)


def _remux_as_live_webm(source: Path, target: Path) -> Path:
    """Copy `source` the way a browser's MediaRecorder writes WebM: no duration, no cues."""
    with (
        av.open(str(source)) as src,
        av.open(str(target), "w", format="webm", options={"live": "1"}) as out,
    ):
        streams = {s.index: out.add_stream_from_template(s) for s in src.streams}
        for packet in src.demux():
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)
    return target
