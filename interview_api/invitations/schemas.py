"""What the invitation and candidate endpoints take and answer."""

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interview_api.interviews.compliance import Notice
from interview_api.interviews.schemas import check_question_set_id
from interview_api.invitations.models import Invitation
from shared.errors import invalid

InvitationStatus = Literal[
    "invited", "opened", "consented", "declined", "in_progress", "completed", "expired", "revoked"
]
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class CandidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, description="Shown on the candidate page.")
    email: str | None = Field(default=None, max_length=320)
    id: str | None = Field(
        default=None, min_length=1, max_length=128, description="Your system's candidate id."
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise invalid("candidate_email_invalid", "candidate.email is not an email address.")
        return value


class CreateInvitationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question_set_id: str = Field(description="A question set with approved questions.")
    candidate: CandidateIn
    answer_seconds: int = Field(default=120, ge=10, le=1800, description="Time per answer.")
    think_seconds: int = Field(default=30, ge=0, le=600, description="Time to think first.")
    retakes: int = Field(default=1, ge=0, le=5, description="Retakes allowed per question.")
    practice: bool = Field(default=True, description="Offer a practice question (not uploaded).")
    expires_at: datetime | None = Field(
        default=None,
        description="When the link stops working; default INVITATION_DAYS from now, at most "
        "90 days ahead.",
    )

    _question_set_id = field_validator("question_set_id")(check_question_set_id)


class CandidateOut(BaseModel):
    name: str
    email: str | None
    id: str | None


class InvitationConsentOut(BaseModel):
    given: bool
    notice_version: str
    recorded_at: datetime


class InvitationOut(BaseModel):
    invitation_id: str
    interview_id: str
    url: str | None = Field(
        description="The candidate's link; only in the answer to POST /invitations (the token "
        "is stored as a hash, so it cannot be shown again)."
    )
    status: InvitationStatus
    expires_at: datetime
    question_set_id: str
    role_title: str | None
    candidate: CandidateOut
    answer_seconds: int
    think_seconds: int
    retakes: int
    practice: bool
    question_count: int
    created_at: datetime
    opened_at: datetime | None
    consent: InvitationConsentOut | None
    started_at: datetime | None
    completed_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, invitation: Invitation, url: str | None = None) -> "InvitationOut":
        consent = None
        if invitation.consent_given is not None and invitation.consent_recorded_at is not None:
            consent = InvitationConsentOut(
                given=invitation.consent_given,
                notice_version=invitation.notice_version or "",
                recorded_at=invitation.consent_recorded_at,
            )
        return cls(
            invitation_id=invitation.id,
            interview_id=invitation.interview_id,
            url=url,
            status=invitation.status,
            expires_at=invitation.expires_at,
            question_set_id=invitation.question_set_id,
            role_title=invitation.role_title,
            candidate=CandidateOut(
                name=invitation.candidate_name,
                email=invitation.candidate_email,
                id=invitation.candidate_id,
            ),
            answer_seconds=invitation.answer_seconds,
            think_seconds=invitation.think_seconds,
            retakes=invitation.retakes,
            practice=invitation.practice,
            question_count=invitation.question_count,
            created_at=invitation.created_at,
            opened_at=invitation.opened_at,
            consent=consent,
            started_at=invitation.started_at,
            completed_at=invitation.completed_at,
            revoked_at=invitation.revoked_at,
        )


class InvitationPage(BaseModel):
    items: list[InvitationOut]
    total: int
    limit: int
    offset: int


# The candidate's side


class CandidateName(BaseModel):
    name: str


class CandidateQuestion(BaseModel):
    id: str
    position: int
    text: str


class CandidateInterview(BaseModel):
    """Everything the candidate page needs, and nothing the candidate should not see."""

    invitation_id: str
    interview_id: str
    status: InvitationStatus
    candidate: CandidateName
    role_title: str | None
    question_count: int
    answer_seconds: int
    think_seconds: int
    retakes: int
    practice: bool
    expires_at: datetime
    notice: Notice
    questions: list[CandidateQuestion] | None = Field(
        description="The questions in order, once the interview is started; null before."
    )
    answered: list[str] = Field(description="Ids of the questions whose answer is stored.")

    @classmethod
    def of(
        cls,
        invitation: Invitation,
        questions: Sequence[dict[str, Any]],
        answered: Sequence[str],
        notice: Notice,
    ) -> "CandidateInterview":
        started = invitation.status in ("in_progress", "completed")
        return cls(
            invitation_id=invitation.id,
            interview_id=invitation.interview_id,
            status=invitation.status,
            candidate=CandidateName(name=invitation.candidate_name),
            role_title=invitation.role_title,
            question_count=invitation.question_count,
            answer_seconds=invitation.answer_seconds,
            think_seconds=invitation.think_seconds,
            retakes=invitation.retakes,
            practice=invitation.practice,
            expires_at=invitation.expires_at,
            notice=notice,
            questions=[
                CandidateQuestion(id=str(q["id"]), position=int(q["position"]), text=str(q["text"]))
                for q in questions
            ]
            if started
            else None,
            answered=list(answered),
        )


class ConsentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given: bool = Field(description="true: I agree; false: I do not agree.")
    notice_version: str = Field(
        min_length=1, max_length=64, description="The version of the notice the page showed."
    )
