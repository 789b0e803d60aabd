"""The interview report: every answer's analysis with its question, and the interview as a whole.

Aggregates are computed only from what succeeded: a score no provider gave is left out of the
mean, never counted as zero.
"""

from collections import Counter
from collections.abc import Sequence
from statistics import fmean
from typing import Any

from analysis.canonical import SCHEMA_VERSION, SCORE_FIELDS, AnalysisDocument


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(fmean(present), 2) if present else None


def summarize(documents: Sequence[AnalysisDocument]) -> dict[str, Any]:
    assessments = [d.assessment for d in documents if d.assessment is not None]
    behaviors = [d.behavior for d in documents if d.behavior is not None]
    speeches = [d.speech for d in documents if d.speech is not None]
    quality = [
        b.conversation_quality.overall.quality_index
        for b in behaviors
        if b.conversation_quality and b.conversation_quality.overall
    ]
    signal_counts = Counter(signal.type for b in behaviors for signal in b.signals)
    return {
        "answers": len(documents),
        "answers_by_status": dict(Counter(d.status.value for d in documents)),
        "mean_scores": {
            name: _mean([getattr(a, name) for a in assessments]) for name in SCORE_FIELDS
        },
        "scored_answers": len(assessments),
        "mean_quality_index": _mean(quality),
        "signal_counts": dict(sorted(signal_counts.items())),
        "speech": {
            "speaking_seconds": round(sum(s.speaking_seconds for s in speeches), 2)
            if speeches
            else None,
            "mean_speaking_ratio": _mean([s.speaking_ratio for s in speeches]),
            "pause_count": sum(s.pause_count for s in speeches) if speeches else None,
            "mean_loudness_dbfs": _mean([s.mean_loudness_dbfs for s in speeches]),
        },
    }


def interview_report(
    interview: dict[str, Any], documents: Sequence[AnalysisDocument]
) -> dict[str, Any]:
    """`interview` is the interview's own JSON (id, status, questions...)."""
    by_question: dict[str | None, list[AnalysisDocument]] = {}
    for document in documents:
        key = document.question.id if document.question else None
        by_question.setdefault(key, []).append(document)
    return {
        "schema_version": SCHEMA_VERSION,
        "interview": interview,
        "summary": summarize(documents),
        "answers": [
            {
                "question": document.question.model_dump() if document.question else None,
                "transcript": document.transcript.text if document.transcript else None,
                "coverage": _coverage(document),
                "analysis": document.model_dump(mode="json"),
            }
            for document in documents
        ],
        "unanswered_questions": [
            q for q in interview.get("questions", []) if q.get("id") not in by_question
        ],
    }


def _coverage(document: AnalysisDocument) -> dict[str, Any] | None:
    """The evaluation in short (advisory): how many expected points were covered, and each."""
    evaluation = document.evaluation
    if evaluation is None:
        return None
    return {
        "advisory": True,
        "covered": evaluation.covered,
        "partly": evaluation.partly,
        "missing": evaluation.missing,
        "points": [{"point": p.point, "status": p.status} for p in evaluation.points],
    }
