"""The comparison of a question set's candidates: one row per interview, one group of columns per
question. The reviewers' mean ratings come first; AI figures follow as advisory columns, named
with their provider. A decision is always a person's: the column shows the latest one recorded.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analysis import service as analysis_service
from analysis.canonical import AnalysisDocument
from interview_api.reviews.models import Rating
from interview_api.reviews.repository import ReviewRepository
from interview_api.reviews.service import mean, mean_rating

ADVISORY_NOTE = (
    "Columns under `ai` are advisory: machine estimates from the named provider and model, "
    "never a decision. Ratings and decisions are people's."
)


def _ai_figures(document: AnalysisDocument | None) -> dict[str, Any]:
    """The advisory figures of one answer; null where the provider did not succeed."""
    assessment = document.assessment if document else None
    behavior = document.behavior if document else None
    quality = behavior.conversation_quality if behavior else None
    overall = quality.overall if quality else None
    speech = document.speech if document else None
    return {
        "analysis_status": document.status.value if document else None,
        "twelvelabs_relevance": assessment.relevance_to_question if assessment else None,
        "twelvelabs_confidence": assessment.confidence if assessment else None,
        "twelvelabs_clarity": assessment.clarity if assessment else None,
        "twelvelabs_model": assessment.model if assessment else None,
        "interhuman_quality_index": overall.quality_index if overall else None,
        "local_speaking_ratio": speech.speaking_ratio if speech else None,
    }


async def comparison(session: AsyncSession, question_set_id: str) -> dict[str, Any]:
    """`{"question_set_id", "questions", "candidates", "advisory"}`; each candidate row has
    `mean_rating`, `decision` and per question `{"mean_rating", "ratings", "ai": {...}}`."""
    repo = ReviewRepository(session)
    interviews = await repo.interviews_of_set(question_set_id)
    ids = [i.id for i in interviews]
    names = await repo.candidate_names(ids)
    decisions = await repo.latest_decisions(ids)
    documents_of = await analysis_service.for_interviews(session, ids)
    ratings_by_recording: dict[str, list[Rating]] = defaultdict(list)
    for rating in await repo.ratings_for_interviews(ids):
        ratings_by_recording[rating.recording_id].append(rating)

    questions: dict[str, dict[str, Any]] = {}
    for interview in interviews:
        for q in interview.questions:
            questions.setdefault(
                str(q.get("id")),
                {"id": q.get("id"), "position": q.get("position"), "text": q.get("text")},
            )
    ordered = sorted(questions.values(), key=lambda q: (q["position"] or 0, str(q["id"])))

    rows = []
    for interview in interviews:
        by_question = {d.question.id if d.question else None: d for d in documents_of[interview.id]}
        answers: dict[str, Any] = {}
        all_ratings: list[Rating] = []
        for q in ordered:
            document = by_question.get(q["id"])
            recording_id = document.recording_id if document else None
            ratings = ratings_by_recording.get(recording_id, []) if recording_id else []
            all_ratings.extend(ratings)
            answers[str(q["id"])] = {
                "recording_id": recording_id,
                "mean_rating": mean_rating(ratings),
                "ratings": len(ratings),
                "ai": _ai_figures(document),
            }
        decision = decisions.get(interview.id)
        per_question = [a["mean_rating"] for a in answers.values() if a["mean_rating"] is not None]
        rows.append(
            {
                "interview_id": interview.id,
                "candidate": names.get(interview.id) or interview.candidate_id,
                "candidate_id": interview.candidate_id,
                "status": interview.status,
                "mean_rating": mean(per_question),
                "ratings": len(all_ratings),
                "decision": decision.decision if decision else None,
                "decided_by": decision.decided_by if decision else None,
                "answers": answers,
            }
        )
    return {
        "question_set_id": question_set_id,
        "questions": ordered,
        "candidates": rows,
        "advisory": ADVISORY_NOTE,
    }


def comparison_csv(table: dict[str, Any]) -> str:
    """The comparison as CSV: people's columns first, then `ai_*` advisory columns."""
    questions: Sequence[dict[str, Any]] = table["questions"]
    header = ["candidate", "candidate_id", "interview_id", "status", "mean_rating", "decision"]
    header += [f"q{q['position']}_mean_rating" for q in questions]
    header += [f"q{q['position']}_ratings" for q in questions]
    ai_names = list(_ai_figures(None))
    header += [f"q{q['position']}_ai_{name}" for q in questions for name in ai_names]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in table["candidates"]:
        answers = [row["answers"][str(q["id"])] for q in questions]
        line: list[Any] = [
            row["candidate"],
            row["candidate_id"],
            row["interview_id"],
            row["status"],
            row["mean_rating"],
            row["decision"],
        ]
        line += [a["mean_rating"] for a in answers]
        line += [a["ratings"] for a in answers]
        line += [a["ai"][name] for a in answers for name in ai_names]
        writer.writerow(["" if v is None else safe_cell(v) for v in line])
    return out.getvalue()


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula is prefixed with `'`."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
