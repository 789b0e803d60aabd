"""The bias audit of one question set: its candidates' survey answers joined with the people's
decisions and ratings and the AI scores of their answers, through `rates`; JSON or CSV.

A candidate is an interview of the set with a stored answer or a decision (an invitation never
taken is nobody's candidacy). Each score is per candidate: the mean over their answers.
"""

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from statistics import fmean
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from analysis import service as analysis_service
from analysis.canonical import AnalysisDocument
from interview_api.bias_audit.categories import RACE_ETHNICITY, SEX
from interview_api.bias_audit.rates import SMALL_CATEGORY_SHARE, Candidate, audit
from interview_api.bias_audit.repository import SurveyRepository
from interview_api.reviews.comparison import safe_cell
from interview_api.reviews.models import Rating
from interview_api.reviews.repository import ReviewRepository
from interview_api.reviews.service import mean_rating
from shared.db import utcnow

_TWELVELABS_SCORES = (
    "relevance_to_question",
    "clarity",
    "speech_rate",
    "confidence",
    "eye_contact",
    "body_language",
    "voice_tone",
)
# (name, who scores, scale) of every score the audit can use; one that no candidate has (its
# provider off, or withheld by the EU policy) is left out of the answer.
MEASURES: dict[str, tuple[str, str]] = {
    "reviewer_mean_rating": ("reviewers", "1-5, the mean of each answer's mean rating"),
    **{f"twelvelabs_{s}": ("Twelve Labs (advisory)", "1-10") for s in _TWELVELABS_SCORES},
    "interhuman_quality_index": ("Interhuman (advisory)", "0-100"),
    "evaluation_coverage": (
        "evaluation against expected points (advisory)",
        "0-1, covered points plus half the partly covered ones, over all points",
    ),
}
LIMITS = (
    "Self-declared answers of the candidates who chose to answer; candidates who did not, or "
    "preferred not to say, are counted but fall outside the impact ratios. Categories under 2 % "
    "of the candidates are reported but not compared. Small samples give unstable rates: this "
    "is the arithmetic of an audit, not an independent auditor's judgement or a test of "
    "statistical significance."
)


def _coverage(document: AnalysisDocument) -> float | None:
    evaluation = document.evaluation
    if evaluation is None:
        return None
    points = evaluation.covered + evaluation.partly + evaluation.missing
    return (evaluation.covered + evaluation.partly / 2) / points if points else None


def answer_scores(document: AnalysisDocument) -> dict[str, float | None]:
    """The AI scores of one answer; None where its provider did not give one."""
    assessment = document.assessment
    behavior = document.behavior
    quality = behavior.conversation_quality if behavior else None
    overall = quality.overall if quality else None
    scores: dict[str, float | None] = {
        f"twelvelabs_{s}": getattr(assessment, s) if assessment else None
        for s in _TWELVELABS_SCORES
    }
    scores["interhuman_quality_index"] = overall.quality_index if overall else None
    scores["evaluation_coverage"] = _coverage(document)
    return scores


def _means(per_answer: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    names = {name for scores in per_answer for name in scores}
    means: dict[str, float | None] = {}
    for name in names:
        values = [v for scores in per_answer if (v := scores.get(name)) is not None]
        means[name] = fmean(values) if values else None
    return means


async def candidates_of_set(session: AsyncSession, question_set_id: str) -> list[Candidate]:
    """Every candidate of the set with their answers, latest decision and scores."""
    reviews = ReviewRepository(session)
    interviews = await reviews.interviews_of_set(question_set_id)
    ids = [i.id for i in interviews]
    decisions = await reviews.latest_decisions(ids)
    surveys = await SurveyRepository(session).for_interviews(ids)
    ratings: dict[str, list[Rating]] = defaultdict(list)
    for rating in await reviews.ratings_for_interviews(ids):
        ratings[rating.recording_id].append(rating)
    found = []
    for interview in interviews:
        documents = await analysis_service.for_interview(session, interview.id)
        decision = decisions.get(interview.id)
        if not documents and decision is None:
            continue
        per_answer = [answer_scores(d) for d in documents]
        answer_means = [
            m for d in documents if (m := mean_rating(ratings[d.recording_id])) is not None
        ]
        scores = _means(per_answer)
        scores["reviewer_mean_rating"] = fmean(answer_means) if answer_means else None
        survey = surveys.get(interview.id)
        found.append(
            Candidate(
                sex=survey.sex if survey else None,
                race_ethnicity=survey.race_ethnicity if survey else None,
                decision=decision.decision if decision else None,
                scores=scores,
            )
        )
    return found


async def bias_audit(session: AsyncSession, question_set_id: str) -> dict[str, Any]:
    """The audit's JSON answer for the set."""
    candidates = await candidates_of_set(session, question_set_id)
    measures = [
        name
        for name in MEASURES
        if name == "reviewer_mean_rating" or any(c.scores.get(name) is not None for c in candidates)
    ]
    computed = audit(candidates, measures, SEX, RACE_ETHNICITY)
    medians = computed.pop("medians")
    return {
        "question_set_id": question_set_id,
        "generated_at": utcnow(),
        "small_category_share": SMALL_CATEGORY_SHARE,
        **computed,
        "measures": [
            {
                "name": name,
                "scored_by": MEASURES[name][0],
                "scale": MEASURES[name][1],
                "median": medians[name],
                "scored": sum(1 for c in candidates if c.scores.get(name) is not None),
            }
            for name in measures
        ],
        "limits": LIMITS,
    }


_DIMENSIONS = ("sex", "race_ethnicity", "intersection")


def bias_audit_csv(report: dict[str, Any]) -> str:
    """One line for the whole sample, then one per category of each dimension: counts, the
    selection rate and each scoring rate, each with its impact ratio."""
    measures = [m["name"] for m in report["measures"]]
    header = ["dimension", "category", "label", "candidates", "share", "under_2_percent"]
    header += ["in_impact_ratios", "decided", "advanced", "selection_rate"]
    header += ["selection_impact_ratio"]
    for name in measures:
        header += [f"{name}_scored", f"{name}_above_median", f"{name}_scoring_rate"]
        header += [f"{name}_impact_ratio", f"{name}_median"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    overall = report["selection"]
    line: list[Any] = ["all", "all", "All candidates", report["candidates"], 1.0, False, False]
    line += [overall["decided"], overall["advanced"], overall["rate"], None]
    for measure in report["measures"]:
        line += [measure["scored"], None, None, None, measure["median"]]
    writer.writerow(_cells(line))
    for dimension in _DIMENSIONS:
        for row in report[f"by_{dimension}"]:
            selection = row["selection"]
            line = [dimension, row["category"], row["label"], row["candidates"], row["share"]]
            line += [row["under_2_percent"], row["in_impact_ratios"]]
            line += [selection["decided"], selection["advanced"], selection["rate"]]
            line += [selection["impact_ratio"]]
            for name in measures:
                figure = row["scoring"][name]
                line += [figure["scored"], figure["above_median"], figure["rate"]]
                line += [figure["impact_ratio"], None]
            writer.writerow(_cells(line))
    return out.getvalue()


def _cells(line: list[Any]) -> list[Any]:
    return ["" if value is None else safe_cell(value) for value in line]
