"""What every question generator takes and gives, whoever writes the questions."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, Field

QuestionType = Literal["technical", "hr"]
QuestionSubtype = Literal["scenario", "tech_stack", "coding", "general"]
Seniority = Literal["junior", "mid", "senior", "lead", "principal"]

QUESTION_COUNT = 5


class GeneratedQuestion(BaseModel):
    """One question as a generator writes it."""

    text: str = Field(
        description="The question exactly as the interviewer asks it, one sentence or two."
    )
    type: QuestionType = Field(
        description="technical: a skill the role needs; hr: behaviour, motivation, collaboration."
    )
    subtype: QuestionSubtype = Field(
        description="tech_stack: a named technology or tool; coding: a hands-on task; "
        "scenario: a realistic situation to handle; general: anything else."
    )
    competency: str = Field(description="The skill or competency the question assesses.")
    expected_points: list[str] = Field(
        description="Two to five short points a strong answer covers."
    )


@dataclass(frozen=True)
class GenerationRequest:
    """What the caller asked for; only the job description is always present."""

    job_description: str
    language: str | None = None
    role_title: str | None = None
    seniority: Seniority | None = None
    output_language: str = "en"


@dataclass(frozen=True)
class GenerationResult:
    """Five questions and who wrote them; `warnings` name what a reviewer should look at."""

    questions: list[GeneratedQuestion]
    provider: str
    model: str
    notice: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Replacement:
    """One new question for a kept slot, and who wrote it."""

    question: GeneratedQuestion
    provider: str
    model: str
    notice: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Slot:
    """Where a question sits in its set: the type and subtype a replacement must keep."""

    type: QuestionType
    subtype: QuestionSubtype


class QuestionGenerator(Protocol):
    """Writes five questions for a job description, or raises a `shared.errors.AppError`."""

    async def generate(self, request: GenerationRequest) -> GenerationResult: ...

    async def regenerate(
        self,
        request: GenerationRequest,
        slot: Slot,
        others: Sequence[GeneratedQuestion],
        replaced: GeneratedQuestion,
    ) -> Replacement:
        """A new question for `slot` in place of `replaced`, on a topic none of `others` (the
        questions the set keeps) covers."""
        ...
