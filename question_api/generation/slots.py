"""The five slots of a question set, as the JSON schema OpenAI must follow.

The schema fixes the mix itself: one technical tech_stack, one technical coding, one technical
scenario, one hr question, and one more of whichever kind the description calls for. Under
strict structured output (every field required, no other fields) any answer that follows the
schema is a balanced set, so the mix never has to be asked for twice.
"""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from question_api.generation.base import GeneratedQuestion, QuestionSubtype, QuestionType

MIN_POINTS = 2
MAX_POINTS = 5
HrSubtype = Literal["general", "scenario"]
NOT_BLANK = r"\S"  # strict structured output supports `pattern`: no blank text, ever
Point = Annotated[str, Field(pattern=NOT_BLANK)]


class SlotQuestion(BaseModel):
    """One question whose type and subtype its slot decides."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        pattern=NOT_BLANK,
        description="The question exactly as the interviewer asks it, one sentence or two, "
        "naming the skill, tool or duty from the job description it is about.",
    )
    competency: str = Field(
        pattern=NOT_BLANK, description="The skill or competency the question assesses."
    )
    expected_points: list[Point] = Field(
        min_length=MIN_POINTS,
        max_length=MAX_POINTS,
        description="Two to five short points a strong answer covers.",
    )

    def as_question(self, kind: QuestionType, subtype: QuestionSubtype) -> GeneratedQuestion:
        return GeneratedQuestion(
            text=self.text,
            type=kind,
            subtype=subtype,
            competency=self.competency,
            expected_points=list(self.expected_points),
        )


class HrSlotQuestion(SlotQuestion):
    subtype: HrSubtype = Field(
        description="general: motivation, behaviour, collaboration; scenario: a situation "
        "with people to handle."
    )


class ExtraTechnicalQuestion(SlotQuestion):
    type: Literal["technical"]
    subtype: QuestionSubtype = Field(
        description="tech_stack, coding (a hands-on task), scenario, or general (depth)."
    )


class ExtraHrQuestion(SlotQuestion):
    type: Literal["hr"]
    subtype: HrSubtype


class SlottedQuestionSet(BaseModel):
    """The five questions for one job description, one per slot."""

    model_config = ConfigDict(extra="forbid")

    tech_stack: SlotQuestion = Field(
        description="Technical: a named technology, tool or body of knowledge the job needs."
    )
    coding: SlotQuestion = Field(
        description="Technical: a hands-on task. For software, code to write; for other "
        "jobs, a practical task or procedure to carry out, named as a hands-on task."
    )
    scenario: SlotQuestion = Field(
        description="Technical: a realistic situation from the job to handle."
    )
    hr: HrSlotQuestion = Field(description="HR: behaviour, motivation or collaboration.")
    extra: ExtraTechnicalQuestion | ExtraHrQuestion = Field(
        description="One more question of whichever kind the description calls for: "
        "leadership (hr) for lead roles, otherwise depth in the skill it stresses most."
    )

    def questions(self) -> list[GeneratedQuestion]:
        """The five in interview order: the technical ones first, the hr ones last."""
        extra = self.extra.as_question(self.extra.type, self.extra.subtype)
        technical = [
            self.tech_stack.as_question("technical", "tech_stack"),
            self.coding.as_question("technical", "coding"),
            self.scenario.as_question("technical", "scenario"),
        ]
        hr = self.hr.as_question("hr", self.hr.subtype)
        if extra.type == "technical":
            return [*technical, extra, hr]
        return [*technical, hr, extra]


class ReplacementQuestion(SlotQuestion):
    """One new question for a slot that is kept (regenerating a single question)."""
