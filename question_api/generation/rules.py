"""The rules every question set must follow, whoever wrote it.

`check_questions` returns the broken rules as sentences a person (or the model, when it is asked
to correct itself) can act on; an empty list means the set is good.
"""

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from question_api.generation.base import QUESTION_COUNT, GeneratedQuestion, GenerationRequest

MAX_QUESTION_CHARS = 1000
MAX_COMPETENCY_CHARS = 200
MIN_EXPECTED_POINTS = 2
MAX_EXPECTED_POINTS = 5
TECHNICAL_SUBTYPES = ("tech_stack", "coding", "scenario")
HR_SUBTYPES = ("general", "scenario")
NEAR_DUPLICATE_RATIO = 0.85

# Letters and digits of any script, so questions in any language are compared fairly.
_WORD = re.compile(r"[^\W_][\w+#]*(?:\.[^\W_]+)*")
_SUFFIXES = ("ations", "ation", "ments", "ment", "ings", "ing", "ers", "ies", "ed", "es", "er", "s")

# Words that say nothing about a job: function words and the vocabulary of any interview.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each etc every few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just me more most my no nor not of off on once only or other our ours out over own
    per same she should so some such than that the their theirs them then there these they this
    those through to too under until up upon very via was we were what when where which while
    who whom why will with within without would you your yours yourself
    ability able across apply candidate candidates company day describe detail details example
    experience experienced explain good great help ideal including job join just know knowledge
    looking make must need needs new one plus preferred question really required requirement
    requirements responsibilities responsibility role skill skills strong tell thing things time
    use used using walk want well work working year years
    """.split()  # noqa: SIM905  (a block of words reads better than 200 quoted strings)
)


def normalise_text(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed: the form duplicates are judged in."""
    return " ".join(_WORD.findall(text.lower()))


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        shortest = 3 if suffix == "s" else 4  # "apis" -> "api", but "ties" stays
        if word.endswith(suffix) and len(word) - len(suffix) >= shortest:
            word = word[: -len(suffix)]
            break
    return word[:6]


def content_terms(text: str) -> set[str]:
    """The meaningful words of `text`, stemmed so 'testing' meets 'tests'."""
    return {_stem(word) for word in _WORD.findall(text.lower()) if word not in STOPWORDS}


def are_near_duplicates(first: str, second: str) -> bool:
    a, b = normalise_text(first), normalise_text(second)
    if a == b:
        return True
    if SequenceMatcher(None, a, b).ratio() >= NEAR_DUPLICATE_RATIO:
        return True
    words_a, words_b = set(a.split()), set(b.split())
    overlap = len(words_a & words_b) / max(1, len(words_a | words_b))
    return overlap >= NEAR_DUPLICATE_RATIO


def _question_terms(question: GeneratedQuestion) -> set[str]:
    return content_terms(" ".join([question.text, question.competency, *question.expected_points]))


def _request_terms(request: GenerationRequest) -> set[str]:
    parts = [request.job_description, request.role_title or "", request.language or ""]
    return content_terms(" ".join(parts))


def _check_fields(number: int, question: GeneratedQuestion) -> list[str]:
    broken = []
    if not question.text.strip():
        broken.append(f"fields: question {number} has an empty text.")
    elif len(question.text) > MAX_QUESTION_CHARS:
        broken.append(
            f"fields: question {number} is {len(question.text)} characters long; "
            f"keep each question under {MAX_QUESTION_CHARS}."
        )
    if not question.competency.strip():
        broken.append(f"fields: question {number} has an empty competency.")
    elif len(question.competency) > MAX_COMPETENCY_CHARS:
        broken.append(
            f"fields: question {number} has a competency over {MAX_COMPETENCY_CHARS} "
            "characters; name the competency in a few words."
        )
    points = [point for point in question.expected_points if point.strip()]
    if len(points) != len(question.expected_points):
        broken.append(f"expected_points: question {number} has an empty expected point.")
    if not MIN_EXPECTED_POINTS <= len(question.expected_points) <= MAX_EXPECTED_POINTS:
        broken.append(
            f"expected_points: question {number} has {len(question.expected_points)} expected "
            f"points; give {MIN_EXPECTED_POINTS} to {MAX_EXPECTED_POINTS}."
        )
    return broken


def _check_mix(questions: Sequence[GeneratedQuestion]) -> list[str]:
    broken = []
    technical = {q.subtype for q in questions if q.type == "technical"}
    missing = [subtype for subtype in TECHNICAL_SUBTYPES if subtype not in technical]
    if missing:
        broken.append(
            "mix: the technical questions must cover the subtypes tech_stack, coding and "
            f"scenario; missing: {', '.join(missing)}."
        )
    if not any(q.type == "hr" for q in questions):
        broken.append("mix: at least one question must have type hr.")
    for number, question in enumerate(questions, start=1):
        if question.type == "hr" and question.subtype not in HR_SUBTYPES:
            broken.append(
                f"mix: question {number} is an hr question with subtype {question.subtype}; "
                "hr questions have subtype general or scenario."
            )
    return broken


def same_competency(first: GeneratedQuestion, second: GeneratedQuestion) -> bool:
    """Two questions that assess one competency (however they word it) ask the same thing."""
    return normalise_text(first.competency) == normalise_text(second.competency)


def _pair_problem(first: GeneratedQuestion, second: GeneratedQuestion) -> str | None:
    if are_near_duplicates(first.text, second.text):
        return "ask the same thing"
    if same_competency(first, second):
        return f"assess the same competency ({first.competency.strip()})"
    return None


def _check_duplicates(questions: Sequence[GeneratedQuestion]) -> list[str]:
    broken = []
    for i, first in enumerate(questions):
        for j in range(i + 1, len(questions)):
            problem = _pair_problem(first, questions[j])
            if problem is not None:
                broken.append(
                    f"duplicates: questions {i + 1} and {j + 1} {problem}; "
                    "make every question distinct."
                )
    return broken


def _grounded(question: GeneratedQuestion, request: GenerationRequest) -> bool:
    # Questions written in another language than English share few words with the description
    # by design; the prompt asks to keep the names of tools as written, nothing here can check.
    if request.output_language.split("-")[0] != "en":
        return True
    return bool(_question_terms(question) & _request_terms(request))


def _check_grounding(
    questions: Sequence[GeneratedQuestion], request: GenerationRequest
) -> list[str]:
    return [
        f"grounding: question {number} does not refer to anything in the job description; "
        "tie it to the skills, tools or duties the description names."
        for number, question in enumerate(questions, start=1)
        if not _grounded(question, request)
    ]


def _check_level(questions: Sequence[GeneratedQuestion], request: GenerationRequest) -> list[str]:
    """A lead role's set assesses leading people: a second hr question."""
    if request.seniority not in ("lead", "principal"):
        return []
    if sum(q.type == "hr" for q in questions) >= 2:
        return []
    return [
        f"level: the role is {request.seniority}, so the extra question should assess "
        "leadership (type hr)."
    ]


def check_questions(
    questions: Sequence[GeneratedQuestion], request: GenerationRequest
) -> list[str]:
    """Every rule the set breaks, as a sentence that says how to fix it."""
    broken: list[str] = []
    if len(questions) != QUESTION_COUNT:
        broken.append(
            f"count: there must be exactly {QUESTION_COUNT} questions; "
            f"the answer had {len(questions)}."
        )
    for number, question in enumerate(questions, start=1):
        broken += _check_fields(number, question)
    broken += _check_mix(questions)
    broken += _check_duplicates(questions)
    broken += _check_grounding(questions, request)
    broken += _check_level(questions, request)
    return broken


def check_replacement(
    question: GeneratedQuestion,
    others: Sequence[GeneratedQuestion],
    request: GenerationRequest,
    *,
    duplicates_only: bool = False,
) -> list[str]:
    """The rules one new question breaks, next to the questions its set keeps."""
    broken = [] if duplicates_only else _check_fields(1, question)
    if not duplicates_only and not _grounded(question, request):
        broken.append(
            "grounding: the question does not refer to anything in the job description; tie it "
            "to the skills, tools or duties the description names."
        )
    for other in others:
        problem = _pair_problem(question, other)
        if problem is not None:
            broken.append(
                f"duplicates: the question and '{one_line(other.text)}' {problem}; choose "
                "another topic."
            )
    return broken


def one_line(text: str) -> str:
    """A question as one line: newlines and runs of spaces become one space."""
    return " ".join(text.split())
