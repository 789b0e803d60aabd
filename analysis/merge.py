"""The merge: a pure function from stored provider results to the versioned document.

Nothing here reads a clock, a file or the network, so the same stored results always give the
same document.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from analysis.canonical import (
    STORED,
    AnalysisDocument,
    AnalysisStatus,
    Assessment,
    Media,
    ProviderError,
    ProviderReport,
    ProviderStatus,
    QuestionRef,
    Speech,
    Transcript,
)
from analysis.policy import INTERHUMAN_OFF, PolicyName
from analysis.policy import report as policy_report
from analysis.registry import SPECS
from analysis.transcription.measures import filler_words, words_per_minute

FINAL = frozenset({ProviderStatus.SUCCEEDED, ProviderStatus.FAILED, ProviderStatus.SKIPPED})


@dataclass(frozen=True)
class StoredStep:
    """One provider's stored outcome, as the pipeline keeps it."""

    provider: str
    status: ProviderStatus
    section: Mapping[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None
    remote_ids: Mapping[str, str] = field(default_factory=dict)
    attempts: int = 0
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class StoredAnalysis:
    analysis_id: str
    interview_id: str
    recording_id: str
    question_id: str | None
    question_text: str | None
    created_at: datetime
    completed_at: datetime | None
    started: bool
    policy: PolicyName | None = None  # None: an analysis queued before it was recorded


def overall_status(statuses: Mapping[str, ProviderStatus], started: bool) -> AnalysisStatus:
    """`succeeded` when every configured provider succeeded, `partial` when some did, `failed`
    when none did; `queued`/`running` while any is unfinished."""
    if any(status not in FINAL for status in statuses.values()):
        return AnalysisStatus.RUNNING if started else AnalysisStatus.QUEUED
    configured = [s for s in statuses.values() if s is not ProviderStatus.SKIPPED]
    succeeded = [s for s in configured if s is ProviderStatus.SUCCEEDED]
    if configured and len(succeeded) == len(configured):
        return AnalysisStatus.SUCCEEDED
    return AnalysisStatus.PARTIAL if succeeded else AnalysisStatus.FAILED


def merge(analysis: StoredAnalysis, steps: Sequence[StoredStep]) -> AnalysisDocument:
    by_provider = {step.provider: step for step in steps}
    for name in SPECS:
        by_provider.setdefault(name, StoredStep(name, ProviderStatus.PENDING))
    status = overall_status({k: v.status for k, v in by_provider.items()}, analysis.started)
    if analysis.completed_at is None and status not in _UNFINISHED:
        # every step is done, but the job is still being finished (result file, webhook): a
        # final status is only shown once the analysis itself has completed
        status = AnalysisStatus.RUNNING
    has_question = analysis.question_id is not None or analysis.question_text is not None
    sections = _sections(by_provider)
    sections["speech"] = with_words(
        sections.get("speech"), sections.get("transcript"), sections.get("media")
    )
    return AnalysisDocument(
        analysis_id=analysis.analysis_id,
        interview_id=analysis.interview_id,
        recording_id=analysis.recording_id,
        question=QuestionRef(id=analysis.question_id, text=analysis.question_text)
        if has_question
        else None,
        status=status,
        created_at=analysis.created_at,
        completed_at=None if status in _UNFINISHED else analysis.completed_at,
        providers={name: _report(step) for name, step in sorted(by_provider.items())},
        policy=policy_report(analysis.policy or _policy_of(by_provider, sections)),
        **sections,
    )


def _policy_of(by_provider: Mapping[str, StoredStep], sections: Mapping[str, Any]) -> PolicyName:
    """The policy the providers were asked under, as their stored steps say it (analyses
    queued before the policy was kept with each)."""
    assessment = sections.get("assessment")
    if isinstance(assessment, Assessment) and assessment.policy is not None:
        return assessment.policy
    if any(step.error_message == INTERHUMAN_OFF for step in by_provider.values()):
        return "eu"
    return "standard"


def _sections(by_provider: Mapping[str, StoredStep]) -> dict[str, Any]:
    """Every declared section, from its provider's stored step: `None` (never zeros or
    defaults) unless that provider succeeded and stored it."""
    sections: dict[str, Any] = {}
    for name, spec in SPECS.items():
        step = by_provider[name]
        stored = spec.split_section(step.section) if step.status is ProviderStatus.SUCCEEDED else {}
        for section, model in spec.sections.items():
            value = stored.get(section)
            sections[section] = model.model_validate(value, context=STORED) if value else None
    return sections


_UNFINISHED = frozenset({AnalysisStatus.QUEUED, AnalysisStatus.RUNNING})


def with_words(
    speech: Speech | None, transcript: Transcript | None, media: Media | None
) -> Speech | None:
    """The local speech measurement with the speech rate and filler words of the transcript."""
    if speech is None or transcript is None:
        return speech
    return speech.model_copy(
        update={
            "words_per_minute": words_per_minute(
                transcript,
                speaking_seconds=speech.speaking_seconds or None,
                answer_seconds=media.duration_seconds if media else None,
            ),
            "filler_words": filler_words(transcript.text),
        }
    )


def _report(step: StoredStep) -> ProviderReport:
    error = None
    if step.error_code and step.status is not ProviderStatus.SUCCEEDED:
        error = ProviderError(code=step.error_code, message=step.error_message or "")
    return ProviderReport(
        status=step.status,
        error=error,
        remote_ids=dict(step.remote_ids),
        attempts=step.attempts,
        notes=list(step.notes),
    )
