"""The transcription step: the answer's audio prepared locally, sent chunk by chunk to a
speech-to-text engine, and joined into one transcript.

Resumable like every step: after each chunk, the chunk's transcript is checkpointed, so a
restarted job sends only the chunks it had not finished (the cuts are a pure function of the
audio, and are checked to be the same before saved chunks are reused). A chunk in which nothing
reaches the speech floor is not sent: engines tend to invent words for silence.
"""

import functools
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any, Protocol

import anyio
import anyio.to_thread

from analysis.canonical import Transcript
from analysis.media import MediaError
from analysis.providers.base import (
    Checkpoint,
    ProviderFailure,
    ProviderResult,
    ProviderSpec,
    RemoteCopies,
    State,
    VideoInput,
)
from analysis.providers.local import in_thread
from analysis.transcription.audio import AudioChunk, AudioFormat, PreparedAudio, prepare_audio
from analysis.transcription.models import ChunkTranscript, join_chunks
from analysis.transcription.openai_compatible import OpenAITranscriber
from shared.settings import Settings

logger = logging.getLogger(__name__)

_MB = 1024 * 1024


class SpeechEngine(Protocol):
    """A speech-to-text engine: one chunk of prepared audio in, its words out."""

    provider: str
    model: str
    max_chunk_seconds: float

    async def transcribe_chunk(self, chunk: AudioChunk, memo: dict[str, Any]) -> ChunkTranscript:
        """The chunk's words, times relative to the chunk. `memo` is kept across chunks and
        restarts (e.g. the response format a server accepted)."""
        ...

    async def aclose(self) -> None: ...


SPEC = ProviderSpec(
    name="transcription",
    title="transcription",
    sections={"transcript": Transcript},
    # the OpenAI transcription endpoint keeps no file; the offline engine sends nothing
    remote_copies=RemoteCopies(kept=False),
)


class TranscriptionProvider:
    """The answer's transcript, from whichever engine is configured (or skipped)."""

    spec = SPEC

    def __init__(
        self,
        engine: SpeechEngine | None,
        *,
        not_configured: str = "",
        max_chunk_bytes: int = 24 * _MB,
        audio_format: AudioFormat = "ogg",
        bitrate: int = 32_000,
        work_dir: Path | None = None,
    ) -> None:
        self.engine = engine
        self._not_configured = not_configured
        self._max_chunk_bytes = max_chunk_bytes
        self._audio_format: AudioFormat = audio_format
        self._bitrate = bitrate
        self._work_dir = work_dir

    def skip_reason(self) -> str | None:
        return None if self.engine is not None else self._not_configured

    async def run(self, video: VideoInput, state: State, checkpoint: Checkpoint) -> ProviderResult:
        engine = self.engine
        if engine is None:
            raise ProviderFailure("not_configured", self._not_configured)
        if video.media is not None and not video.media.has_audio:
            raise ProviderFailure("no_audio", "The recording has no sound: nothing to transcribe.")
        work = Path(
            await anyio.to_thread.run_sync(
                functools.partial(tempfile.mkdtemp, prefix="transcription-", dir=self._work_dir)
            )
        )
        try:
            prepared = await self._prepare(video.path, work, engine.max_chunk_seconds)
            cuts = [[c.start_seconds, c.end_seconds] for c in prepared.chunks]
            if state.get("cuts") != cuts:
                state = {"cuts": cuts, "chunks": [], "memo": {}}
            done: list[dict[str, Any] | None] = state["chunks"]
            memo: dict[str, Any] = state["memo"]
            for chunk in prepared.chunks[len(done) :]:
                piece = None if chunk.silent else await engine.transcribe_chunk(chunk, memo)
                done.append(piece.as_state() if piece is not None else None)
                await checkpoint(state)
        finally:
            await anyio.to_thread.run_sync(functools.partial(shutil.rmtree, work, True))
        transcript = join_chunks(
            [
                (c.start_seconds, ChunkTranscript.from_state(d) if d is not None else None)
                for c, d in zip(prepared.chunks, done, strict=True)
            ],
            provider=engine.provider,
            model=engine.model,
        )
        return ProviderResult(
            sections={"transcript": transcript},
            raw={"audio_seconds": prepared.duration_seconds, **state},
            notes=_notes(prepared, transcript),
        )

    async def _prepare(self, source: Path, work: Path, max_seconds: float) -> PreparedAudio:
        def prepare(cancel_check: Any) -> PreparedAudio:
            return prepare_audio(
                source,
                work,
                max_chunk_seconds=max_seconds,
                max_chunk_bytes=self._max_chunk_bytes,
                audio_format=self._audio_format,
                bitrate=self._bitrate,
                cancel_check=cancel_check,
            )

        try:
            return await in_thread(prepare)
        except MediaError as exc:
            raise ProviderFailure(exc.code, exc.message) from exc

    async def delete_remote(self, state: State) -> None:
        return None  # the transcription endpoint keeps no copy of the audio

    async def aclose(self) -> None:
        if self.engine is not None:
            await self.engine.aclose()


def _notes(prepared: PreparedAudio, transcript: Transcript) -> list[str]:
    notes = []
    if len(prepared.chunks) > 1:
        notes.append(
            f"The audio was sent in {len(prepared.chunks)} pieces cut at pauses; their times "
            "are shifted onto the whole answer."
        )
    if prepared.silent:
        notes.append("Nobody speaks in the recording: the transcript is empty.")
    elif skipped := sum(c.silent for c in prepared.chunks):
        notes.append(f"{skipped} silent piece(s) of the audio were not sent.")
    if transcript.timestamps != "word":
        notes.append(
            f"The engine gave {transcript.timestamps} timestamps, not word timestamps: speech "
            "rate over speaking time uses the local speech measurement."
        )
    return notes


NOT_CONFIGURED = (
    "No transcription engine is configured: set TRANSCRIPTION_API_KEY (or OPENAI_API_KEY) for "
    "an OpenAI-compatible endpoint, or TRANSCRIPTION_OFFLINE=true for the offline engine (see "
    "the README for why it is off by default)."
)


def from_settings(settings: Settings) -> TranscriptionProvider:
    """The OpenAI-compatible engine when a key is set, else the offline one when it is on,
    else none (the step is skipped)."""
    engine: SpeechEngine | None = None
    reason = NOT_CONFIGURED
    if (key := settings.transcription_key) is not None:
        engine = OpenAITranscriber(
            api_key=key.get_secret_value(),
            model=settings.transcription_model,
            base_url=settings.transcription_url,
            language=settings.transcription_language,
            timeout_seconds=settings.transcription_timeout_seconds,
            max_chunk_seconds=settings.transcription_chunk_seconds,
            max_concurrent=settings.transcription_concurrency,
        )
    elif settings.transcription_offline:
        from analysis.transcription.offline import PocketSphinxTranscriber

        try:
            engine = PocketSphinxTranscriber(max_concurrent=settings.transcription_concurrency)
        except ProviderFailure as missing:  # the extra is not installed: say so on every answer
            reason = missing.message
    return TranscriptionProvider(
        engine, not_configured=reason, audio_format=settings.transcription_audio_format
    )
