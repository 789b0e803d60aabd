"""What a transcript is, whichever engine made it, and how chunk transcripts are joined."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TimestampKind = Literal["word", "segment", "none"]
_KINDS: tuple[TimestampKind, ...] = ("none", "segment", "word")  # weakest first


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The words as the engine wrote them.")
    start_seconds: float = Field(description="Start, in seconds from the start of the answer.")
    end_seconds: float = Field(description="End, in seconds from the start of the answer.")


class TranscriptWord(_Part):
    """One word and when it was said."""


class TranscriptSegment(_Part):
    """A stretch of speech (about a sentence) and when it was said."""


class Transcript(BaseModel):
    """What was said in the answer, as a speech-to-text engine heard it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The whole answer's text, pieces joined in order.")
    language: str | None = Field(
        description="The language the engine detected or was told, as the engine names it."
    )
    words: list[TranscriptWord] | None = Field(
        description="Every word with its time, when the engine gives word timestamps; else null."
    )
    segments: list[TranscriptSegment] = Field(
        default_factory=list, description="Stretches of speech with their times (may be empty)."
    )
    provider: str = Field(description="The engine: `openai` (compatible API) or `pocketsphinx`.")
    model: str = Field(description="The engine's model, as configured.")
    timestamps: TimestampKind = Field(
        description="How finely times are known: `word`, `segment` or `none`."
    )


@dataclass
class ChunkTranscript:
    """An engine's answer for one chunk, with times relative to the chunk's start."""

    text: str
    language: str | None = None
    words: list[tuple[str, float, float]] | None = None
    segments: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def timestamps(self) -> TimestampKind:
        if self.words is not None:
            return "word"
        return "segment" if self.segments else "none"

    def as_state(self) -> dict[str, object]:
        return {
            "text": self.text,
            "language": self.language,
            "words": self.words,
            "segments": self.segments,
        }

    @classmethod
    def from_state(cls, state: dict[str, object]) -> "ChunkTranscript":
        def parts(value: object) -> list[tuple[str, float, float]]:
            return [(str(t), float(s), float(e)) for t, s, e in value]  # type: ignore[attr-defined]

        words = state.get("words")
        return cls(
            text=str(state.get("text") or ""),
            language=str(state["language"]) if state.get("language") else None,
            words=parts(words) if words is not None else None,
            segments=parts(state.get("segments") or []),
        )


def join_chunks(
    pieces: Sequence[tuple[float, ChunkTranscript | None]], *, provider: str, model: str
) -> Transcript:
    """One transcript from the chunks' (start offset, transcript) in order; a None transcript
    is a chunk that was silent and not sent. Times are shifted onto the whole answer; the
    timestamp kind is the weakest any spoken chunk had."""
    spoken = [(offset, chunk) for offset, chunk in pieces if chunk is not None]
    kind: TimestampKind = min(
        (chunk.timestamps for _, chunk in spoken), key=_KINDS.index, default="none"
    )
    words = [
        TranscriptWord(text=t, start_seconds=round(offset + s, 3), end_seconds=round(offset + e, 3))
        for offset, chunk in spoken
        for t, s, e in chunk.words or []
    ]
    segments = [
        TranscriptSegment(
            text=t.strip(), start_seconds=round(offset + s, 3), end_seconds=round(offset + e, 3)
        )
        for offset, chunk in spoken
        for t, s, e in chunk.segments
    ]
    languages = [chunk.language for _, chunk in spoken if chunk.language]
    return Transcript(
        text=" ".join(t for _, chunk in spoken if (t := chunk.text.strip())),
        language=max(set(languages), key=languages.count) if languages else None,
        words=words if kind == "word" else None,
        segments=segments if kind != "none" else [],
        provider=provider,
        model=model,
        timestamps=kind,
    )
