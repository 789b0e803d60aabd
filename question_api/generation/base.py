"""What every question generator takes and gives, whoever writes the questions."""

from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, Field

QuestionType = Literal["technical", "hr"]
QuestionSubtype = Literal["scenario", "tech_stack", "coding", "general"]
Seniority = Literal["junior", "mid", "senior", "lead", "principal"]

QUESTION_COUNT = 5


class GeneratedQuestion(BaseModel):
    """One question as a generator writes it (also the JSON schema OpenAI must follow)."""

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


class GeneratedQuestionSet(BaseModel):
    """The five questions for one job description."""

    questions: list[GeneratedQuestion]


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
    questions: list[GeneratedQuestion]
    provider: str
    model: str
    notice: str | None = None


class QuestionGenerator(Protocol):
    """Writes five questions for a job description, or raises a `shared.errors.AppError`."""

    async def generate(self, request: GenerationRequest) -> GenerationResult: ...
