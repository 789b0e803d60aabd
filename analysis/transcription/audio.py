"""The audio a speech-to-text engine is sent: mono 16 kHz, compressed, cut at pauses.

`prepare_audio` decodes the recording's audio once to 16-bit mono 16 kHz PCM in a scratch file
(so memory stays bounded whatever the length), measures the level of every 30 ms frame, and cuts
the audio into chunks no longer than `max_chunk_seconds` and no larger than `max_chunk_bytes`.
Pieces are of about equal length, and each cut falls at the quietest moment (a pause) near its
planned place, never inside a word when there is a pause to be had. Each chunk is encoded (Ogg
Opus, or MP3) and remembers where it starts, so the timestamps an engine gives for it are shifted
back onto the whole answer.

Blocking work: callers run it in a worker thread.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

import av
import av.error
import numpy as np
import numpy.typing as npt
from av.audio.stream import AudioStream

from analysis.media import MediaError, open_recording

SAMPLE_RATE = 16_000
FRAME_SECONDS = 0.03
AudioFormat = Literal["ogg", "mp3"]
CONTENT_TYPES: dict[AudioFormat, str] = {"ogg": "audio/ogg", "mp3": "audio/mpeg"}
_CODECS: dict[AudioFormat, str] = {"ogg": "libopus", "mp3": "libmp3lame"}
_SILENT_DBFS = -55.0  # no frame louder than this: nobody speaks (the local speech floor)
_SMOOTH_FRAMES = 10  # a pause is looked for as the quietest 300 ms
_SEARCH_SHARE = 0.2  # of a piece's length, either side of its planned end: where to cut
_ENCODE_BLOCK = SAMPLE_RATE * 10
_CHUNK_SIZE_MARGIN = 0.9  # a chunk's expected size stays this far under the byte limit


@dataclass(frozen=True)
class AudioChunk:
    """One piece of the answer's audio, encoded, and where it lies in the answer."""

    path: Path
    start_seconds: float
    end_seconds: float
    size_bytes: int
    content_type: str
    silent: bool = False  # nothing in it reaches the speech floor: not worth sending

    @property
    def filename(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class PreparedAudio:
    chunks: list[AudioChunk]
    duration_seconds: float
    silent: bool  # no frame reaches the speech floor: there is nothing to transcribe


def prepare_audio(
    source: Path,
    workdir: Path,
    *,
    max_chunk_seconds: float = 600.0,
    max_chunk_bytes: int = 24 * 1024 * 1024,
    audio_format: AudioFormat = "ogg",
    bitrate: int = 32_000,
    cancel_check: Callable[[], None] | None = None,
) -> PreparedAudio:
    """Decode, cut and encode the audio of `source` into `workdir` (which must exist).

    Raises `MediaError` (`no_audio`, `unreadable_media`, `undecodable_audio`) when there is no
    audio to send.
    """
    pcm_path = workdir / "audio.s16"
    samples = _decode_to_pcm(source, pcm_path, cancel_check)
    if samples == 0:
        pcm_path.unlink(missing_ok=True)
        raise MediaError("undecodable_audio", f"no audio of {source.name} could be decoded")
    pcm = np.memmap(pcm_path, dtype=np.int16, mode="r", shape=(samples,))
    try:
        levels = frame_levels(pcm)
        silent = _is_silent(levels)
        # the byte limit, as a length at this bitrate (with room for the container)
        by_size = max_chunk_bytes * 8 / bitrate * _CHUNK_SIZE_MARGIN
        cuts = cut_points(levels, min(max_chunk_seconds, by_size))
        chunks = []
        for index, (start, end) in enumerate(itertools.pairwise(cuts)):
            if cancel_check is not None:
                cancel_check()
            path = workdir / f"chunk_{index:03d}.{audio_format}"
            first, last = int(start * SAMPLE_RATE), min(int(end * SAMPLE_RATE), samples)
            _encode(pcm[first:last], path, audio_format, bitrate)
            size = path.stat().st_size
            if size > max_chunk_bytes:
                raise MediaError(
                    "audio_too_large",
                    f"a {end - start:.0f} s piece of audio is {size} bytes, over the "
                    f"{max_chunk_bytes}-byte limit; lower the chunk length",
                )
            quiet = _is_silent(levels[int(start / FRAME_SECONDS) : int(end / FRAME_SECONDS)])
            chunks.append(
                AudioChunk(path, start, end, size, CONTENT_TYPES[audio_format], silent=quiet)
            )
    finally:
        del pcm
        pcm_path.unlink(missing_ok=True)
    return PreparedAudio(chunks, round(samples / SAMPLE_RATE, 3), silent)


def frame_levels(pcm: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    """The RMS level of each 30 ms frame in dBFS (a last partial frame left out)."""
    frame = int(SAMPLE_RATE * FRAME_SECONDS)
    count = len(pcm) // frame
    levels = np.empty(count)
    step = 2000  # frames at a time: bounded memory on long answers
    for first in range(0, count, step):
        block = pcm[first * frame : min(count, first + step) * frame].astype(np.float64) / 32768
        power = np.mean(np.square(block.reshape(-1, frame)), axis=1)
        levels[first : first + len(power)] = 10 * np.log10(np.maximum(power, 1e-12))
    return levels


def _is_silent(levels: npt.NDArray[np.float64]) -> bool:
    return not len(levels) or float(levels.max()) < _SILENT_DBFS


def cut_points(levels: npt.NDArray[np.float64], max_seconds: float) -> list[float]:
    """Where to cut, in seconds, from 0 to the end: pieces of about equal length, none longer
    than `max_seconds`, each cut at the quietest 300 ms near its piece's planned end."""
    total = len(levels) * FRAME_SECONDS
    if total <= max_seconds:
        return [0.0, round(total, 3)]
    kernel = np.ones(_SMOOTH_FRAMES) / _SMOOTH_FRAMES
    smooth = np.convolve(np.power(10.0, levels / 10), kernel, mode="same")
    max_frames = int(max_seconds / FRAME_SECONDS)
    cuts = [0]
    while (remaining := len(levels) - cuts[-1]) > max_frames:
        # equal shares of what is left, with room to move each cut to a pause
        target = remaining / -(-remaining // int(max_frames * 0.9))
        search = max(1, int(target * _SEARCH_SHARE))
        hi = cuts[-1] + min(max_frames, int(target) + search)
        lo = cuts[-1] + max(1, int(target) - search)
        window = smooth[lo:hi]
        # the quietest moments (within 1 dB of the quietest); of those, the nearest the plan
        quiet = np.flatnonzero(window <= window.min() * 1.26 + 1e-9)
        planned = cuts[-1] + int(target) - lo
        cuts.append(lo + int(quiet[np.argmin(np.abs(quiet - planned))]))
    return [round(c * FRAME_SECONDS, 3) for c in cuts] + [round(total, 3)]


def _decode_to_pcm(source: Path, dest: Path, cancel_check: Callable[[], None] | None) -> int:
    """Decode the audio track of `source` to raw s16 mono 16 kHz in `dest`; the sample count."""
    samples = 0
    with open_recording(source) as container, dest.open("wb") as out:
        if not container.streams.audio:
            raise MediaError("no_audio", f"{source.name} has no audio track to transcribe")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)

        def write(frames: list[av.AudioFrame]) -> None:
            nonlocal samples
            for mono in frames:
                data = mono.to_ndarray().reshape(-1)
                out.write(data.astype(np.int16, copy=False).tobytes())
                samples += len(data)

        for packet in container.demux(stream):
            if cancel_check is not None:
                cancel_check()
            try:
                decoded = packet.decode()
            except av.error.FFmpegError:
                continue  # a damaged packet costs its few milliseconds, not the transcript
            for frame in decoded:
                write(resampler.resample(frame))
        write(resampler.resample(None))
    return samples


def _encode(
    pcm: npt.NDArray[np.int16], dest: Path, audio_format: AudioFormat, bitrate: int
) -> None:
    with av.open(str(dest), mode="w", format=audio_format) as out:
        stream = cast(
            AudioStream, out.add_stream(_CODECS[audio_format], rate=SAMPLE_RATE, layout="mono")
        )
        stream.bit_rate = bitrate
        if audio_format == "ogg":
            stream.options = {"compression_level": "5"}  # of 10: a quarter of the time, same size
        pts = 0
        for first in range(0, len(pcm), _ENCODE_BLOCK):
            block = np.ascontiguousarray(pcm[first : first + _ENCODE_BLOCK]).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(block, format="s16", layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = pts
            pts += block.shape[1]
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
