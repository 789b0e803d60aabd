"""The transcript files and views: one answer's text, the interview's questions and answers in
order, and WebVTT captions for players.

`transcripts/transcript_<recording_id>.txt` holds the answer's text;
`transcripts/transcript_<interview_id>.txt` each question and its answer in the interview's
order (`Q1: ...` / `A1: ...`). Both are rewritten whenever an answer's analysis ends and removed
by erasure.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.canonical import AnalysisDocument, Transcript

TRANSCRIPTS = "transcripts"
_CUE_WORDS = 8  # words per caption when only word timestamps are known
_CUE_SECONDS = 4.0


def answer_key(recording_id: str) -> str:
    return f"{TRANSCRIPTS}/transcript_{recording_id}.txt"


def interview_key(interview_id: str) -> str:
    return f"{TRANSCRIPTS}/transcript_{interview_id}.txt"


@dataclass(frozen=True)
class Answer:
    """One answer as the interview transcript shows it."""

    position: int | None
    question_id: str | None
    question: str | None
    recording_id: str
    analysis_id: str
    transcript: Transcript | None
    status: str


def answers(
    documents: Sequence[AnalysisDocument], details: Mapping[str, Mapping[str, Any] | None]
) -> list[Answer]:
    """The interview's answers in question order (answers to no known question last, by
    upload). `details` maps an analysis id to its question details (position...)."""
    found = []
    for index, document in enumerate(documents):
        position = (details.get(document.analysis_id) or {}).get("position")
        found.append(
            (
                (0, int(position), index) if isinstance(position, int) else (1, 0, index),
                Answer(
                    position=position if isinstance(position, int) else None,
                    question_id=document.question.id if document.question else None,
                    question=document.question.text if document.question else None,
                    recording_id=document.recording_id,
                    analysis_id=document.analysis_id,
                    transcript=document.transcript,
                    status=document.status.value,
                ),
            )
        )
    return [answer for _, answer in sorted(found, key=lambda pair: pair[0])]


def interview_text(items: Sequence[Answer]) -> str:
    """`Q1: ...` / `A1: ...` for each answer, numbered in order, one blank line between."""
    blocks = []
    for number, answer in enumerate(items, 1):
        said = answer.transcript.text if answer.transcript is not None else _missing(answer)
        blocks.append(f"Q{number}: {answer.question or '(question unknown)'}\nA{number}: {said}")
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _missing(answer: Answer) -> str:
    if answer.status in ("queued", "running"):
        return "(transcript pending)"
    return "(no transcript)"


def answer_text(transcript: Transcript) -> str:
    return transcript.text + "\n"


def webvtt(transcript: Transcript | None, duration_seconds: float | None) -> str:
    """WebVTT captions: one cue per segment, else per few words, else one cue for the whole
    answer; a header only when there is nothing to show."""
    cues: list[tuple[float, float, str]] = []
    if transcript is not None and transcript.segments:
        cues = [(s.start_seconds, s.end_seconds, s.text) for s in transcript.segments]
    elif transcript is not None and transcript.words:
        group: list[Any] = []
        for word in transcript.words:
            group.append(word)
            long = group[-1].end_seconds - group[0].start_seconds >= _CUE_SECONDS
            if len(group) >= _CUE_WORDS or long:
                cues.append(_cue(group))
                group = []
        if group:
            cues.append(_cue(group))
    elif transcript is not None and transcript.text and duration_seconds:
        cues = [(0.0, duration_seconds, transcript.text)]
    lines = ["WEBVTT", ""]
    for number, (start, end, text) in enumerate(cues, 1):
        clean = " ".join(text.replace("-->", "->").split())
        if clean:
            lines += [str(number), f"{_stamp(start)} --> {_stamp(max(end, start))}", clean, ""]
    return "\n".join(lines)


def _cue(words: Sequence[Any]) -> tuple[float, float, str]:
    return words[0].start_seconds, words[-1].end_seconds, " ".join(w.text for w in words)


def _stamp(seconds: float) -> str:
    millis = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
