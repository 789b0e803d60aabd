from pathlib import Path

import av
import numpy as np
import pytest

from analysis.media import MediaError
from analysis.transcription.audio import frame_levels, prepare_audio
from tests.analysis.transcription.audio_files import write_bursts, write_silence
from tests.videos import make_video

MB = 1024 * 1024


def decoded(path: Path) -> tuple[float, int, int]:
    """(seconds, channels, sample rate) of an encoded chunk, by decoding it."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / stream.rate, stream.channels, stream.rate


def test_a_forty_minute_answer_is_cut_at_pauses_into_pieces_under_the_limits(
    tmp_path: Path,
) -> None:
    source = write_bursts(tmp_path / "answer.wav", 40 * 60, burst=4.0, gap=1.0)
    prepared = prepare_audio(source, tmp_path, max_chunk_seconds=600, max_chunk_bytes=24 * MB)

    assert prepared.duration_seconds == pytest.approx(2400, abs=0.1)
    assert len(prepared.chunks) >= 4
    starts = [c.start_seconds for c in prepared.chunks]
    ends = [c.end_seconds for c in prepared.chunks]
    assert starts[0] == 0 and ends[-1] == pytest.approx(2400, abs=0.1)
    assert starts[1:] == ends[:-1]  # nothing lost between pieces, nothing said twice
    for chunk in prepared.chunks:
        assert chunk.end_seconds - chunk.start_seconds <= 600
        assert chunk.size_bytes <= 24 * MB
        assert chunk.path.stat().st_size == chunk.size_bytes
        seconds, channels, _ = decoded(chunk.path)
        assert channels == 1
        assert seconds == pytest.approx(chunk.end_seconds - chunk.start_seconds, abs=0.1)
    for cut in starts[1:]:  # every cut is in a gap (4 s on, 1 s off)
        assert cut % 5.0 > 4.0, cut
    assert not (tmp_path / "audio.s16").exists()  # the scratch PCM is gone


def test_the_byte_limit_shortens_the_pieces(tmp_path: Path) -> None:
    source = write_bursts(tmp_path / "answer.wav", 120)
    prepared = prepare_audio(
        source, tmp_path, max_chunk_seconds=600, max_chunk_bytes=100_000, bitrate=32_000
    )

    assert len(prepared.chunks) >= 5  # 120 s at 32 kbit/s is 480 kB
    assert all(c.size_bytes <= 100_000 for c in prepared.chunks)


def test_mp3_pieces_are_mono_16_khz(tmp_path: Path) -> None:
    source = make_video(tmp_path / "answer.webm", seconds=3)
    prepared = prepare_audio(source, tmp_path, audio_format="mp3")

    (chunk,) = prepared.chunks
    assert chunk.content_type == "audio/mpeg" and chunk.filename.endswith(".mp3")
    seconds, channels, rate = decoded(chunk.path)
    assert (channels, rate) == (1, 16_000)
    assert seconds == pytest.approx(3, abs=0.15)


def test_a_recording_without_sound_is_refused(tmp_path: Path) -> None:
    source = make_video(tmp_path / "mute.webm", seconds=2, audio=False)
    with pytest.raises(MediaError) as caught:
        prepare_audio(source, tmp_path)
    assert caught.value.code == "no_audio"


def test_silence_is_marked_so_it_is_not_sent(tmp_path: Path) -> None:
    prepared = prepare_audio(write_silence(tmp_path / "quiet.wav", 5), tmp_path)
    assert prepared.silent
    assert all(chunk.silent for chunk in prepared.chunks)


def test_frame_levels_are_dbfs() -> None:
    full_scale_sine = (np.sin(np.arange(16_000) * 2 * np.pi * 440 / 16_000) * 32767).astype(
        np.int16
    )
    assert frame_levels(full_scale_sine).mean() == pytest.approx(-3.0, abs=0.1)
