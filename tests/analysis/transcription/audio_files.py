"""Audio made on the fly: tone bursts with known pauses, and speech from espeak-ng."""

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np

RATE = 16_000


def write_bursts(path: Path, seconds: float, *, burst: float = 4.0, gap: float = 1.0) -> Path:
    """`seconds` of 220 Hz tone: `burst` seconds on, `gap` seconds off, repeated."""
    period = burst + gap
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        block = 60 * RATE
        for first in range(0, int(seconds * RATE), block):
            t = (first + np.arange(min(block, int(seconds * RATE) - first))) / RATE
            tone = 0.3 * np.sin(2 * np.pi * 220 * t) * ((t % period) < burst)
            out.writeframes((tone * 32767).astype(np.int16).tobytes())
    return path


def write_silence(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.zeros(int(seconds * RATE), dtype=np.int16).tobytes())
    return path


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(path: Path, text: str, *, words_per_minute: int = 160) -> Path:
    """`text` spoken by espeak-ng (US English) into the WAV file `path`."""
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", str(words_per_minute), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    return path
