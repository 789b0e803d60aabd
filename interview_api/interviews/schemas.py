"""What the interview endpoints take and answer."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from interview_api.interviews.compliance import Compliance, of_interview
from interview_api.interviews.models import Interview
from interview_api.recordings.models import Recording
from interview_api.recordings.schemas import RecordingOut
from shared.errors import invalid
from shared.ids import is_id
from shared.settings import Settings

METADATA_MAX_BYTES = 16 * 1024

InterviewStatus = Literal["active", "ended"]


def check_question_set_id(value: str | None) -> str | None:
    """A question set id safe to put in the question API's URL path, or 422."""
    if value is not None and not is_id(value):
        raise invalid(
            "invalid_question_set_id",
            "question_set_id must be 1-128 letters, digits or . _ : - characters, starting "
            "with a letter or digit; use the question_set_id the question API returned.",
        )
    return value


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # strict: consent is an explicit true or false, never a 0, 1 or "yes" read as one
    given: StrictBool = Field(
        description="Whether the candidate agreed to be recorded and analysed."
    )
    notice_version: str = Field(
        min_length=1, max_length=64, description="The version of the notice they were shown."
    )


class ConsentOut(ConsentIn):
    recorded_at: datetime = Field(description="When this service received the consent.")


class StartInterviewRequest(BaseModel):
    # Unknown fields are refused: a misspelt `question_set_id` must not start an empty interview.
    model_config = ConfigDict(extra="forbid")

    candidate_id: str | None = Field(default=None, min_length=1, max_length=128)
    question_set_id: str | None = Field(
        default=None, description="An approved question set from the question API."
    )
    consent: ConsentIn | None = None
    metadata: dict[str, Any] = Field(
        default_factory=dict, description=f"Free JSON object, at most {METADATA_MAX_BYTES} bytes."
    )

    _question_set_id = field_validator("question_set_id")(check_question_set_id)

    @field_validator("metadata")
    @classmethod
    def _small_metadata(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value, ensure_ascii=False).encode()) > METADATA_MAX_BYTES:
            raise invalid(
                "metadata_too_large",
                f"metadata must be at most {METADATA_MAX_BYTES} bytes of JSON; "
                "keep large data elsewhere and store a reference.",
            )
        return value


class EndInterviewRequest(BaseModel):
    interview_id: str = Field(min_length=1, max_length=64)


class QuestionOut(BaseModel):
    """A question as the candidate sees it (no expected points: those are for the reviewer)."""

    id: str
    position: int
    text: str
    type: str
    subtype: str


class InterviewOut(BaseModel):
    interview_id: str
    status: InterviewStatus
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: float | None
    candidate_id: str | None
    question_set_id: str | None
    consent: ConsentOut | None
    metadata: dict[str, Any]
    questions: list[QuestionOut]
    recordings: list[RecordingOut]
    compliance: Compliance = Field(
        description="The notice, retention, analysis policy and bias audit it runs under, "
        "fixed when it started."
    )

    @classmethod
    def of(
        cls,
        interview: Interview,
        recordings: Sequence[Recording],
        statuses: dict[str, str],
        settings: Settings,
    ) -> "InterviewOut":
        """`statuses`: each recording's analysis status, by recording id."""
        consent = None
        if interview.consent_given is not None and interview.consent_recorded_at is not None:
            consent = ConsentOut(
                given=interview.consent_given,
                notice_version=interview.consent_notice_version or "",
                recorded_at=interview.consent_recorded_at,
            )
        duration = None
        if interview.ended_at is not None:
            duration = round((interview.ended_at - interview.started_at).total_seconds(), 3)
        return cls(
            interview_id=interview.id,
            status="ended" if interview.status == "ended" else "active",
            started_at=interview.started_at,
            ended_at=interview.ended_at,
            duration_seconds=duration,
            candidate_id=interview.candidate_id,
            question_set_id=interview.question_set_id,
            consent=consent,
            metadata=interview.meta,
            questions=[QuestionOut.model_validate(q) for q in interview.questions],
            recordings=[RecordingOut.of(r, statuses.get(r.id)) for r in recordings],
            compliance=of_interview(interview.compliance, settings),
        )


class InterviewPage(BaseModel):
    items: list[InterviewOut]
    total: int
    limit: int
    offset: int
