"""Request and answer bodies. Validation errors carry their own codes through `invalid()`."""

import hashlib
import json
import re
from datetime import datetime
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from question_api.generation.base import (
    GenerationRequest,
    QuestionSubtype,
    QuestionType,
    Seniority,
)
from question_api.generation.rules import MAX_QUESTION_CHARS
from question_api.questions.models import Question, QuestionSet, ReviewEvent
from shared.errors import invalid
from shared.pagination import MAX_OFFSET, Page

QuestionStatus = Literal["pending", "approved", "rejected"]
SetStatus = Literal["draft", "approved"]

SENIORITIES: tuple[Seniority, ...] = ("junior", "mid", "senior", "lead", "principal")
QUESTION_STATUSES: tuple[QuestionStatus, ...] = ("pending", "approved", "rejected")
MIN_JOB_DESCRIPTION_CHARS = 20
MAX_JOB_DESCRIPTION_CHARS = 20_000
MAX_LANGUAGE_CHARS = 50
MAX_ROLE_TITLE_CHARS = 200
MAX_REVIEWER_CHARS = 200
MAX_PAGE_SIZE = 100
_LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")

AnalysisPolicyName = Literal["standard", "eu"]
ANALYSIS_POLICIES: tuple[AnalysisPolicyName, ...] = ("standard", "eu")
MAX_NOTICE_TEXT_CHARS = 20_000
MAX_RETENTION_DAYS = 3650  # as RETENTION_DAYS allows
# a version is a path segment of GET /notices/{version}: plain characters only
_NOTICE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # a text database refuses NUL


def _require_object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise invalid("request_body_not_object", f"Send a JSON object{what}.")
    return data


def _optional_text(value: Any, *, field: str, code: str, limit: int) -> str | None:
    """Trimmed text, None when absent or blank, a 422 with `code` when not text or too long."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(code, f"{field} must be text.")
    value = value.strip()
    if len(value) > limit:
        raise invalid(code, f"{field} must be at most {limit} characters long.")
    return value or None


class GenerateRequest(BaseModel):
    """A job to write interview questions for. Only `job_description` is required."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "job_description": "Python developer with Django and DSA skills.",
                    "language": "Python",
                    "role_title": "Backend engineer",
                    "seniority": "mid",
                    "output_language": "en",
                }
            ]
        }
    )

    job_description: str = Field(
        description=f"The job description, {MIN_JOB_DESCRIPTION_CHARS} to "
        f"{MAX_JOB_DESCRIPTION_CHARS} characters."
    )
    language: str | None = Field(default=None, description="The main language or stack.")
    role_title: str | None = None
    seniority: Seniority | None = None
    output_language: str = Field(default="en", description="Language code of the questions.")

    @model_validator(mode="before")
    @classmethod
    def _job_description_present(cls, data: Any) -> Any:
        data = _require_object(data, " with at least a job_description")
        if data.get("job_description") is None:
            raise invalid(
                "job_description_missing",
                "job_description is required: send the job description as text.",
            )
        return data

    @field_validator("job_description", mode="before")
    @classmethod
    def _job_description_usable(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise invalid("job_description_not_text", "job_description must be text.")
        if not value.strip():
            raise invalid(
                "job_description_blank",
                "job_description is blank: send the text of the job description.",
            )
        if len(value) > MAX_JOB_DESCRIPTION_CHARS:
            raise invalid(
                "job_description_too_long",
                f"job_description is {len(value)} characters long; the maximum is "
                f"{MAX_JOB_DESCRIPTION_CHARS}. Shorten it to the role's duties and skills.",
            )
        visible = len("".join(value.split()))
        if visible < MIN_JOB_DESCRIPTION_CHARS:
            raise invalid(
                "job_description_too_short",
                f"job_description is too short ({visible} characters besides spaces); send at "
                f"least {MIN_JOB_DESCRIPTION_CHARS} that describe the role's duties and skills.",
            )
        return value.strip()

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: Any) -> str | None:
        return _optional_text(
            value, field="language", code="language_invalid", limit=MAX_LANGUAGE_CHARS
        )

    @field_validator("role_title", mode="before")
    @classmethod
    def _role_title(cls, value: Any) -> str | None:
        return _optional_text(
            value, field="role_title", code="role_title_invalid", limit=MAX_ROLE_TITLE_CHARS
        )

    @field_validator("seniority", mode="before")
    @classmethod
    def _seniority(cls, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lower() in SENIORITIES:
            return value.strip().lower()
        raise invalid("seniority_invalid", f"seniority must be one of {', '.join(SENIORITIES)}.")

    @field_validator("output_language", mode="before")
    @classmethod
    def _output_language(cls, value: Any) -> str:
        if value is None:
            return "en"
        if isinstance(value, str) and _LANGUAGE_CODE.match(value.strip()):
            primary, _, region = value.strip().partition("-")
            return f"{primary.lower()}-{region}" if region else primary.lower()
        raise invalid(
            "output_language_invalid",
            "output_language must be a short language code such as en, de or pt-BR.",
        )

    def fingerprint(self) -> str:
        """A hash of the canonical request, to tell a repeated request from a different one."""
        canonical = json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def to_generation_request(self) -> GenerationRequest:
        return GenerationRequest(
            job_description=self.job_description,
            language=self.language,
            role_title=self.role_title,
            seniority=self.seniority,
            output_language=self.output_language,
        )


class QuestionRead(BaseModel):
    id: str
    position: int
    text: str
    type: QuestionType
    subtype: QuestionSubtype
    competency: str
    expected_points: list[str]
    provider: str = Field(description='Who wrote the question: "openai" or "offline".')
    status: QuestionStatus

    @classmethod
    def from_model(cls, question: Question) -> Self:
        return cls(
            id=question.id,
            position=question.position,
            text=question.text,
            type=question.type,
            subtype=question.subtype,
            competency=question.competency,
            expected_points=list(question.expected_points),
            provider=question.provider,
            status=question.status,
        )


class RegeneratedQuestion(QuestionRead):
    """The new question in the slot, and what a reviewer should know about it."""

    notice: str | None = Field(
        default=None, description="Why the offline generator wrote it, when it did."
    )
    warnings: list[str] = Field(
        default_factory=list, description="Rules the new question still breaks: review them."
    )


class NoticeSetting(BaseModel):
    """A notice version and its text, word for word as the candidate page shows it."""

    version: str = Field(
        description="1-64 letters, digits or . _ : - characters; one version, one text."
    )
    text: str = Field(description=f"The notice, at most {MAX_NOTICE_TEXT_CHARS} characters.")

    @model_validator(mode="before")
    @classmethod
    def _object(cls, data: Any) -> Any:
        if not isinstance(data, dict) or set(data) != {"version", "text"}:
            raise invalid(
                "notice_invalid",
                "notice must be null (the global notice) or an object with exactly a version "
                "and a text.",
            )
        return data

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: Any) -> str:
        if isinstance(value, str) and _NOTICE_VERSION.match(value):
            return value
        raise invalid(
            "notice_version_invalid",
            "notice.version must be 1-64 letters, digits or . _ : - characters, starting with "
            "a letter or digit, e.g. 2026-02-eu.",
        )

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise invalid("notice_text_invalid", "notice.text must be the notice's text.")
        if _CONTROL.search(value):
            raise invalid(
                "notice_text_invalid",
                "notice.text must be plain text: no control characters besides line breaks "
                "and tabs.",
            )
        if len(value) > MAX_NOTICE_TEXT_CHARS:
            raise invalid(
                "notice_text_invalid",
                f"notice.text must be at most {MAX_NOTICE_TEXT_CHARS} characters long.",
            )
        return value.strip()


class Compliance(BaseModel):
    """A set's compliance settings; null means the global setting applies to its interviews."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "notice": {"version": "2026-02-eu", "text": "This interview is recorded..."},
                    "retention_days": 30,
                    "analysis_policy": "eu",
                    "bias_audit": True,
                }
            ]
        }
    )

    notice: NoticeSetting | None = Field(
        default=None, description="The notice its candidates read; null: NOTICE_VERSION/TEXT."
    )
    retention_days: int | None = Field(
        default=None,
        description=f"Days (1-{MAX_RETENTION_DAYS}) after an interview ends until it is "
        "erased; null: RETENTION_DAYS.",
    )
    analysis_policy: AnalysisPolicyName | None = Field(
        default=None, description='"standard" or "eu"; null: ANALYSIS_POLICY.'
    )
    bias_audit: bool = Field(
        default=False, description="Whether its candidates are asked the bias audit survey."
    )

    @model_validator(mode="before")
    @classmethod
    def _known_fields(cls, data: Any) -> Any:
        data = _require_object(data, " with notice, retention_days, analysis_policy, bias_audit")
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            raise invalid(
                "compliance_field_unknown",
                f"Unknown field(s) {', '.join(unknown)}: send notice, retention_days, "
                "analysis_policy and bias_audit.",
            )
        return data

    @field_validator("retention_days", mode="before")
    @classmethod
    def _retention_days(cls, value: Any) -> int | None:
        if value is None:
            return None
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and 1 <= value <= MAX_RETENTION_DAYS
        ):
            return value
        raise invalid(
            "retention_days_invalid",
            f"retention_days must be null (RETENTION_DAYS applies) or a whole number of days "
            f"from 1 to {MAX_RETENTION_DAYS}.",
        )

    @field_validator("analysis_policy", mode="before")
    @classmethod
    def _analysis_policy(cls, value: Any) -> str | None:
        if value is None or value in ANALYSIS_POLICIES:
            return value  # type: ignore[no-any-return]
        raise invalid(
            "analysis_policy_invalid",
            'analysis_policy must be null (ANALYSIS_POLICY applies), "standard" or "eu".',
        )

    @field_validator("bias_audit", mode="before")
    @classmethod
    def _bias_audit(cls, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        raise invalid("bias_audit_invalid", "bias_audit must be true or false.")

    @classmethod
    def from_model(cls, question_set: QuestionSet) -> "Compliance":
        notice = None
        if question_set.compliance_notice_version and question_set.compliance_notice_text:
            notice = NoticeSetting.model_construct(
                version=question_set.compliance_notice_version,
                text=question_set.compliance_notice_text,
            )
        return cls.model_construct(
            notice=notice,
            retention_days=question_set.retention_days,
            analysis_policy=question_set.analysis_policy,  # type: ignore[arg-type]
            bias_audit=bool(question_set.bias_audit),
        )


class QuestionSetRead(BaseModel):
    """A question set as every endpoint returns it; the interview API reads this shape."""

    question_set_id: str
    status: SetStatus
    provider: str = Field(description='"openai" or "offline".')
    model: str
    notice: str | None = Field(
        default=None, description="Why the offline generator wrote the set, when it did."
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What to review before approving: rules the provider's best answer still "
        "broke after it was asked to correct them (empty when none).",
    )
    file: str = Field(description="The set's text file, relative to DATA_DIR.")
    job_description: str
    role_title: str | None
    language: str | None
    seniority: str | None
    output_language: str
    created_at: datetime
    updated_at: datetime
    questions: list[QuestionRead]
    compliance: Compliance = Field(
        default_factory=Compliance,
        description="Notice, retention, analysis policy and bias audit of its interviews.",
    )

    @classmethod
    def from_model(cls, question_set: QuestionSet) -> Self:
        return cls(
            question_set_id=question_set.id,
            status=question_set.status,
            provider=question_set.provider,
            model=question_set.model,
            notice=question_set.notice,
            warnings=list(question_set.warnings or []),
            file=question_set.file,
            job_description=question_set.job_description,
            role_title=question_set.role_title,
            language=question_set.language,
            seniority=question_set.seniority,
            output_language=question_set.output_language,
            created_at=question_set.created_at,
            updated_at=question_set.updated_at,
            questions=[QuestionRead.from_model(q) for q in question_set.questions],
            compliance=Compliance.from_model(question_set),
        )


class QuestionSetPage(BaseModel):
    items: list[QuestionSetRead]
    total: int
    limit: int
    offset: int


class PageParams(Page):
    """`limit` (1-100, default 20) and `offset` of a listing of sets, newest first."""

    max_limit: ClassVar[int] = MAX_PAGE_SIZE
    limit: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE, description="Sets per page.")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Sets to skip, newest first.")


class _ByReviewer(BaseModel):
    """A review action, with who took it (kept in the history)."""

    reviewer: str | None = Field(default=None, description="Who made the change.")

    @field_validator("reviewer", mode="before")
    @classmethod
    def _reviewer(cls, value: Any) -> str | None:
        return _optional_text(
            value, field="reviewer", code="reviewer_invalid", limit=MAX_REVIEWER_CHARS
        )


class QuestionPatch(_ByReviewer):
    """A reviewer's change to one question: new text, a new status, or both."""

    text: str | None = None
    status: QuestionStatus | None = None

    @model_validator(mode="before")
    @classmethod
    def _object(cls, data: Any) -> Any:
        return _require_object(data, " with text, status or both")

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise invalid("question_text_invalid", "text must be the question as text.")
        if not value.strip():
            raise invalid("question_text_blank", "text is blank: send the question's new wording.")
        if len(value.strip()) > MAX_QUESTION_CHARS:
            raise invalid(
                "question_text_too_long",
                f"text must be at most {MAX_QUESTION_CHARS} characters long.",
            )
        return value.strip()

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> str | None:
        if value is None or value in QUESTION_STATUSES:
            return value  # type: ignore[no-any-return]
        raise invalid(
            "question_status_invalid",
            f"status must be one of {', '.join(QUESTION_STATUSES)}.",
        )

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if self.text is None and self.status is None:
            raise invalid("question_patch_empty", "Send text, status or both to change.")
        return self


class ApproveRequest(_ByReviewer):
    """Approve every pending question, or only the listed ones."""

    question_ids: list[str] | None = Field(
        default=None, description="The questions to approve; all pending ones when absent."
    )

    @model_validator(mode="before")
    @classmethod
    def _object(cls, data: Any) -> Any:
        return _require_object(data, "")

    @field_validator("question_ids", mode="before")
    @classmethod
    def _question_ids(cls, value: Any) -> list[str] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise invalid("question_ids_invalid", "question_ids must be a list of question ids.")
        if not value:
            raise invalid(
                "question_ids_invalid",
                "question_ids is empty: list the questions to approve, or leave it out to "
                "approve every pending question.",
            )
        return value


class RegenerateRequest(_ByReviewer):
    """Who asked for a new question (kept in the history)."""

    @model_validator(mode="before")
    @classmethod
    def _object(cls, data: Any) -> Any:
        return _require_object(data, "")


class ReviewEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    question_id: str | None
    action: str = Field(
        description="created, text_changed, status_changed, regenerated, set_approved or "
        "compliance_changed."
    )
    field: str | None
    old_value: str | None
    new_value: str | None
    reviewer: str | None
    created_at: datetime

    @classmethod
    def from_model(cls, event: ReviewEvent) -> Self:
        return cls.model_validate(event)


class ReviewHistory(BaseModel):
    question_set_id: str
    items: list[ReviewEventRead]
