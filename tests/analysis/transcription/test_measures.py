import pytest

from analysis.canonical import Transcript, TranscriptWord
from analysis.transcription.measures import filler_words, words_per_minute


def transcript(text: str, words: list[tuple[str, float, float]] | None = None) -> Transcript:
    return Transcript(
        text=text,
        language="en",
        words=[TranscriptWord(text=t, start_seconds=s, end_seconds=e) for t, s, e in words]
        if words is not None
        else None,
        segments=[],
        provider="openai",
        model="whisper-1",
        timestamps="word" if words is not None else "none",
    )


def test_words_per_minute_over_speaking_time_and_over_the_whole_answer() -> None:
    text = " ".join(["word"] * 120)
    rate = words_per_minute(transcript(text), speaking_seconds=40.0, answer_seconds=60.0)
    assert (rate.speaking, rate.overall, rate.word_count) == (180.0, 120.0, 120)


def test_without_a_local_measurement_speaking_time_comes_from_word_timestamps() -> None:
    words = [("one", 0.0, 0.5), ("two", 2.0, 2.5)]
    rate = words_per_minute(transcript("one two", words), speaking_seconds=None, answer_seconds=3)
    assert rate.speaking == pytest.approx(120.0)
    assert rate.overall == pytest.approx(40.0)


def test_unknown_times_give_null_rates_not_zeros() -> None:
    rate = words_per_minute(transcript("one two"), speaking_seconds=None, answer_seconds=None)
    assert rate.speaking is None and rate.overall is None and rate.word_count == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Um, so I would, uh, profile it. Er, then erm fix it.", {"um": 1, "uh": 1, "er": 2}),
        ("Umm I think, you know, it depends.", {"um": 1, "you know": 1}),
        ("Do you know the answer? If you know Django it helps.", {}),
        ("So, like, we shipped it. Like, it was late.", {"like": 2}),
        ("I like Django and it looks like a good fit. Like a charm.", {}),
        ("We would like to, you know, like, test more.", {"you know": 1, "like": 1}),
    ],
)
def test_filler_words_are_counted_by_kind(text: str, expected: dict[str, int]) -> None:
    fillers = filler_words(text)
    assert fillers.by_word == expected
    assert fillers.count == sum(expected.values())
