"""Test recordings made on the fly with PyAV: real containers, real codecs, known content.

Speech is imitated by voiced tone bursts separated by silence, so local measurements (speaking
time, pauses, loudness) have a known right answer.
"""

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

# container -> (format name, video codec, audio codec, pixel format)
FORMATS: dict[str, tuple[str, str, str, str]] = {
    "webm": ("webm", "libvpx", "libopus", "yuv420p"),
    "mkv": ("matroska", "libvpx", "libopus", "yuv420p"),
    "mp4": ("mp4", "libx264", "aac", "yuv420p"),
    "mov": ("mov", "libx264", "aac", "yuv420p"),
    "avi": ("avi", "mpeg4", "mp3", "yuv420p"),
    "ts": ("mpegts", "libx264", "aac", "yuv420p"),
}
SAMPLE_RATE = 48000


def make_video(
    path: Path,
    *,
    seconds: float = 4.0,
    width: int = 320,
    height: int = 240,
    fps: int = 15,
    audio: bool = True,
    video: bool = True,
    speech: Sequence[tuple[float, float]] | None = None,
    loudness: float = 0.3,
    seed: int = 0,
) -> Path:
    """Write a recording to `path` (container from its suffix) and return the path.

    `speech` lists the (start, end) seconds that carry voice; the rest is silence. By default the
    whole clip is voiced.
    """
    fmt, vcodec, acodec, pix_fmt = FORMATS[path.suffix.lstrip(".")]
    voiced = list(speech) if speech is not None else [(0.0, seconds)]
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w", format=fmt) as out:
        vstream: VideoStream | None = None
        if video:
            vstream = cast(VideoStream, out.add_stream(vcodec, rate=fps))
            vstream.width, vstream.height, vstream.pix_fmt = width, height, pix_fmt
        astream: AudioStream | None = None
        if audio:
            astream = cast(AudioStream, out.add_stream(acodec, rate=SAMPLE_RATE))
            astream.layout = "mono"
        if vstream is not None:
            for index in range(int(seconds * fps)):
                frame = av.VideoFrame.from_ndarray(
                    _picture(index, width, height, rng), format="rgb24"
                )
                frame = frame.reformat(format=pix_fmt)
                frame.pts = index
                frame.time_base = Fraction(1, fps)
                for packet in vstream.encode(frame):
                    out.mux(packet)
            for packet in vstream.encode():
                out.mux(packet)
        if astream is not None:
            samples = _voice(seconds, voiced, loudness, rng)
            chunk = astream.codec_context.frame_size or 1024
            for offset in range(0, len(samples), chunk):
                block = samples[offset : offset + chunk]
                if len(block) < chunk:
                    block = np.pad(block, (0, chunk - len(block)))
                aframe = av.AudioFrame.from_ndarray(
                    block.reshape(1, -1), format="fltp", layout="mono"
                )
                aframe.sample_rate = SAMPLE_RATE
                aframe.pts = offset
                aframe.time_base = Fraction(1, SAMPLE_RATE)
                for packet in astream.encode(aframe):
                    out.mux(packet)
            for packet in astream.encode():
                out.mux(packet)
    return path


def _picture(index: int, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    base = (x[None, :] + y + index * 8) % 256
    noise = rng.integers(0, 16, size=(height, width), dtype=np.uint8)
    red = base.astype(np.uint8)
    return np.stack([red, (255 - red) // 2 + noise, np.full_like(red, index * 3 % 256)], axis=-1)


def _voice(
    seconds: float, voiced: Sequence[tuple[float, float]], loudness: float, rng: np.random.Generator
) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE), dtype=np.float32) / SAMPLE_RATE
    tone = np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 360 * t)
    tone += 0.3 * np.sin(2 * np.pi * 720 * t)
    # a syllable-rate envelope, so the "voice" rises and falls like speech
    envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
    mask = np.zeros_like(t)
    for start, end in voiced:
        mask[(t >= start) & (t < end)] = 1.0
    noise = rng.normal(0, 0.0005, size=t.shape).astype(np.float32)
    return (loudness * tone * envelope * mask / 1.8 + noise).astype(np.float32)


def make_text_file(path: Path, text: str = "this is not a video\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
