"""Transcript files and captions, and 1.0 documents read by the 1.1 code."""

from datetime import UTC, datetime
from typing import Any

import jsonschema

from analysis.canonical import (
    AnalysisDocument,
    AnalysisStatus,
    QuestionRef,
    Transcript,
    TranscriptSegment,
    TranscriptWord,
)
from analysis.registry import analysis_json_schema
from analysis.transcripts import answers, interview_text, webvtt


def transcript(text: str, **parts: Any) -> Transcript:
    return Transcript(
        text=text,
        language="en",
        words=parts.get("words"),
        segments=parts.get("segments", []),
        provider="openai",
        model="whisper-1",
        timestamps=parts.get("timestamps", "none"),
    )


def document(analysis_id: str, question: str, said: Transcript | None) -> AnalysisDocument:
    return AnalysisDocument(
        analysis_id=analysis_id,
        interview_id="i1",
        recording_id=f"rec-{analysis_id}",
        question=QuestionRef(id=f"q-{analysis_id}", text=question),
        status=AnalysisStatus.SUCCEEDED,
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        completed_at=datetime(2026, 12, 1, tzinfo=UTC),
        media=None,
        assessment=None,
        behavior=None,
        speech=None,
        transcript=said,
        providers={},
    )


def test_the_interview_transcript_follows_the_question_order_not_the_upload_order() -> None:
    uploaded = [
        document("b", "Second question?", transcript("Second answer.")),
        document("a", "First question?", transcript("First answer.")),
        document("c", "Third question?", None),
    ]
    details = {"a": {"position": 1}, "b": {"position": 2}, "c": {"position": 3}}

    assert interview_text(answers(uploaded, details)) == (
        "Q1: First question?\nA1: First answer.\n\n"
        "Q2: Second question?\nA2: Second answer.\n\n"
        "Q3: Third question?\nA3: (no transcript)\n"
    )


def test_captions_come_from_segments_with_hours_minutes_seconds_and_millis() -> None:
    said = transcript(
        "Hello there. I would profile it.",
        segments=[
            TranscriptSegment(text="Hello there.", start_seconds=0.0, end_seconds=1.5),
            TranscriptSegment(text="I would profile it.", start_seconds=3661.25, end_seconds=3663),
        ],
        timestamps="segment",
    )
    assert webvtt(said, 3700) == (
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nHello there.\n\n"
        "2\n01:01:01.250 --> 01:01:03.000\nI would profile it.\n"
    )


def test_captions_from_words_group_a_few_words_a_cue() -> None:
    words = [
        TranscriptWord(text=f"w{i}", start_seconds=i * 0.4, end_seconds=i * 0.4 + 0.3)
        for i in range(10)
    ]
    vtt = webvtt(transcript(" ".join(w.text for w in words), words=words, timestamps="word"), 4)
    assert vtt.count(" --> ") == 2
    assert "w0 w1 w2 w3 w4 w5 w6 w7" in vtt and "\nw8 w9\n" in vtt


def test_captions_without_timestamps_are_one_cue_and_without_a_transcript_only_the_header() -> None:
    assert webvtt(transcript("All of it."), 12.5).splitlines()[3:5] == [
        "00:00:00.000 --> 00:00:12.500",
        "All of it.",
    ]
    assert webvtt(None, 12.5) == "WEBVTT\n"


def test_a_stored_1_0_document_reads_with_the_new_code_and_validates() -> None:
    stored = {
        "schema_version": "1.0",
        "analysis_id": "a",
        "interview_id": "i",
        "recording_id": "r",
        "question": {"id": "q", "text": "Why?"},
        "status": "succeeded",
        "created_at": "2026-11-30T10:00:00Z",
        "completed_at": "2026-11-30T10:01:00Z",
        "media": None,
        "assessment": None,
        "behavior": None,
        "speech": {
            "speaking_seconds": 24.1,
            "speaking_ratio": 0.77,
            "pause_count": 6,
            "longest_pause_seconds": 2.3,
            "mean_loudness_dbfs": -23.5,
        },
        "providers": {"local": {"status": "succeeded"}},
    }
    jsonschema.validate(stored, analysis_json_schema())
    read = AnalysisDocument.model_validate(stored)
    assert read.schema_version == "1.0" and read.transcript is None and read.evaluation is None
    assert read.speech is not None and read.speech.words_per_minute is None
