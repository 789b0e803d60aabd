"""An engine's transcript of one chunk of audio, and how chunks are joined into the answer's
`Transcript` (see `analysis.canonical`)."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from analysis.canonical import TimestampKind, Transcript, TranscriptSegment, TranscriptWord

_KINDS: tuple[TimestampKind, ...] = ("none", "segment", "word")  # weakest first


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
