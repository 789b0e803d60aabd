"""What the survey endpoints take and answer."""

from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interview_api.bias_audit.categories import RACE_ETHNICITY, SEX, answers
from shared.errors import invalid

SEX_ANSWERS = answers(SEX)
RACE_ETHNICITY_ANSWERS = answers(RACE_ETHNICITY)


def _allowed(value: Any, allowed: dict[str, str]) -> bool:
    return value is None or (isinstance(value, str) and value in allowed)


def _choose(field: str, allowed: dict[str, str]) -> str:
    return f"{field} must be one of {', '.join(allowed)}, or null to leave it unanswered."


class SurveyIn(BaseModel):
    """The candidate's answers; each may be left out (null): answering is voluntary."""

    model_config = ConfigDict(extra="forbid")

    sex: str | None = Field(default=None, description=f"One of {', '.join(SEX_ANSWERS)}.")
    race_ethnicity: str | None = Field(
        default=None, description=f"One of {', '.join(RACE_ETHNICITY_ANSWERS)}."
    )

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value: Any) -> str | None:
        if not _allowed(value, SEX_ANSWERS):
            raise invalid("survey_sex_invalid", _choose("sex", SEX_ANSWERS))
        return cast(str | None, value)

    @field_validator("race_ethnicity", mode="before")
    @classmethod
    def _race_ethnicity(cls, value: Any) -> str | None:
        if not _allowed(value, RACE_ETHNICITY_ANSWERS):
            raise invalid(
                "survey_race_ethnicity_invalid", _choose("race_ethnicity", RACE_ETHNICITY_ANSWERS)
            )
        return cast(str | None, value)


class SurveyOption(BaseModel):
    value: str
    label: str


class SurveyQuestion(BaseModel):
    label: str
    options: list[SurveyOption]


class SurveyOut(BaseModel):
    """Whether the survey is offered and already answered; what it asks. The answers themselves
    are never sent back."""

    offered: bool = Field(description="The interview's question set turned the bias audit on.")
    submitted: bool = Field(description="Answers (or a choice to answer nothing) are stored.")
    purpose: str
    questions: dict[str, SurveyQuestion]


def _question(label: str, options: dict[str, str]) -> SurveyQuestion:
    return SurveyQuestion(
        label=label, options=[SurveyOption(value=k, label=v) for k, v in options.items()]
    )


QUESTIONS = {
    "sex": _question("Sex", SEX_ANSWERS),
    "race_ethnicity": _question("Race/ethnicity", RACE_ETHNICITY_ANSWERS),
}
PURPOSE = (
    "Answering is voluntary and changes nothing about your application. Your answers are kept "
    "apart from your interview: the people who review your answers never see them, and they "
    "are used only to check, across all candidates together, that this interview treats people "
    "of every sex and race/ethnicity fairly (a bias audit). They are deleted with your interview."
)
