"""What is measured from the words: speech rate and filler words.

Words per minute is given two ways: over the time the candidate was speaking (the local voice
activity measurement, or the word timestamps when there is no local measurement), and over the
whole answer. Filler words are counted from the text: "um", "uh", "er" (with their spellings
"umm", "uhh", "erm"), "you know" (not in "do you know", "if you know", ...) and "like" where it
is a filler: set off by a comma or starting a sentence ("So, like, we...", "Like, I..."), never
"I like", "looks like" or "like a". Engines differ in how many fillers they write down (some
clean them up), so the count is a lower bound.
"""

import re

from analysis.canonical import FillerWords, Transcript, WordsPerMinute

FILLERS = ("um", "uh", "er", "you know", "like")
_SPELLINGS = {"um": "um", "umm": "um", "uh": "uh", "uhh": "uh", "er": "er", "erm": "er"}
_TOKEN = re.compile(r"[a-z']+|[,.;:!?\u2014\u2013-]+")
_NOT_FILLER_BEFORE_YOU_KNOW = {"do", "did", "does", "don't", "if", "what", "whether", "as"}
_CLAUSE_END = {".", "!", "?", ";", ":"}


def count_words(text: str) -> int:
    return len(re.findall(r"[\w']+", text))


def words_per_minute(
    transcript: Transcript, *, speaking_seconds: float | None, answer_seconds: float | None
) -> WordsPerMinute:
    words = count_words(transcript.text)
    if speaking_seconds is None and transcript.words:
        speaking_seconds = sum(w.end_seconds - w.start_seconds for w in transcript.words)

    def rate(seconds: float | None) -> float | None:
        return round(words / seconds * 60, 1) if seconds else None

    return WordsPerMinute(
        speaking=rate(speaking_seconds), overall=rate(answer_seconds), word_count=words
    )


def filler_words(text: str) -> FillerWords:
    tokens = _TOKEN.findall(text.lower().replace("\u2019", "'"))
    found: dict[str, int] = {}
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else "."
        after = tokens[i + 1] if i + 1 < len(tokens) else "."
        name = _SPELLINGS.get(token)
        if token == "know" and before == "you":  # noqa: S105 - a word, not a secret
            earlier = tokens[i - 2] if i >= 2 else "."
            name = None if earlier in _NOT_FILLER_BEFORE_YOU_KNOW else "you know"
        elif token == "like" and _filler_like(before, after):  # noqa: S105 - a word
            name = "like"
        if name is not None:
            found[name] = found.get(name, 0) + 1
    return FillerWords(count=sum(found.values()), by_word=dict(sorted(found.items())))


def _filler_like(before: str, after: str) -> bool:
    set_off = before[0] in ",\u2014\u2013-" or after[0] in ",\u2014\u2013-"
    starts_clause = before[0] in _CLAUSE_END
    return set_off or (starts_clause and after not in ("a", "an", "the", "this", "that"))
