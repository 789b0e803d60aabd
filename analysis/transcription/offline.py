"""Offline speech to text with PocketSphinx and the US English model its package ships.

No key, no network, no download at run time. It is off by default (`TRANSCRIPTION_OFFLINE`):
measured on clear synthetic speech its word error rate is far above what helps a reviewer (see
the README and `benchmarks/transcription.py`), so it is there for machines that must never send
audio anywhere, and as a rough word count for the speech rate. Install it with
`pip install 'interview-backend[offline-transcription]'`.

Decoding is CPU work in a worker thread, a few at a time, each piece a short utterance (30 s).
"""

import functools
import threading
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import av
import numpy as np

from analysis.providers.base import ProviderFailure
from analysis.transcription.audio import SAMPLE_RATE, AudioChunk
from analysis.transcription.models import ChunkTranscript

MODEL = "en-us"
_FRAME_SECONDS = 0.01  # PocketSphinx's frame rate: 100 frames a second
_NOT_WORDS = {"<s>", "</s>", "<sil>", "[NOISE]", "<unk>"}


def available() -> bool:
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return False
    return True


class PocketSphinxTranscriber:
    provider = "pocketsphinx"
    model = MODEL
    max_chunk_seconds = 30.0

    def __init__(self, *, max_concurrent: int = 1) -> None:
        if not available():
            raise ProviderFailure(
                "offline_engine_missing",
                "TRANSCRIPTION_OFFLINE is on but PocketSphinx is not installed: "
                "pip install 'interview-backend[offline-transcription]'.",
            )
        self._limiter = anyio.CapacityLimiter(max_concurrent)
        self._local = threading.local()  # one decoder per worker thread: they are not shared

    async def transcribe_chunk(self, chunk: AudioChunk, memo: dict[str, Any]) -> ChunkTranscript:
        return await anyio.to_thread.run_sync(
            functools.partial(self._decode, chunk.path), limiter=self._limiter
        )

    def _decode(self, path: Path) -> ChunkTranscript:
        from pocketsphinx import Decoder

        decoder = getattr(self._local, "decoder", None)
        if decoder is None:
            decoder = self._local.decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        decoder.start_utt()
        decoder.process_raw(_pcm(path), full_utt=True)
        decoder.end_utt()
        words = [
            (
                segment.word.split("(")[0],
                segment.start_frame * _FRAME_SECONDS,
                (segment.end_frame + 1) * _FRAME_SECONDS,
            )
            for segment in decoder.seg()
            if segment.word not in _NOT_WORDS
        ]
        return ChunkTranscript(text=" ".join(w for w, _, _ in words), language="en", words=words)

    async def aclose(self) -> None:
        return None


def _pcm(path: Path) -> bytes:
    """The chunk decoded to the 16-bit mono 16 kHz samples PocketSphinx reads."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    pieces = []
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.audio[0]):
            pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    pieces += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(pieces).astype(np.int16).tobytes() if pieces else b""
