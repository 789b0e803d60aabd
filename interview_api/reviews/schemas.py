"""What the review endpoints take and answer."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from interview_api.reviews.models import Decision, Rating

DecisionValue = Literal["advance", "hold", "reject"]

# Until every staff key carries a name, a reviewer may name themselves in the body; a key's
# name, when the key has one, always wins (see dependencies.py).
_REVIEWER = Field(
    default=None,
    min_length=1,
    max_length=200,
    description="Who is reviewing, when the API key does not say (open mode, bootstrap keys).",
)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, description="1 (poor) to 5 (excellent).")
    notes: str | None = Field(default=None, max_length=10_000)
    reviewer: str | None = _REVIEWER


class RatingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rating_id: str = Field(validation_alias="id")
    recording_id: str
    interview_id: str
    reviewer: str
    rating: int
    notes: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Rating) -> "RatingOut":
        return cls.model_validate(row)


class RatingList(BaseModel):
    recording_id: str
    mean_rating: float | None = Field(description="Mean of the reviewers' ratings; null if none.")
    ratings: list[RatingOut]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: DecisionValue
    reason: str | None = Field(default=None, max_length=10_000)
    reviewer: str | None = _REVIEWER


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    decision_id: str = Field(validation_alias="id")
    interview_id: str
    decision: DecisionValue
    reason: str | None
    decided_by: str = Field(description="The person who decided. AI output never decides.")
    decided_at: datetime

    @classmethod
    def of(cls, row: Decision) -> "DecisionOut":
        return cls.model_validate(row)


class DecisionState(BaseModel):
    interview_id: str
    current: DecisionOut | None = Field(description="The latest decision; null until one is made.")
    history: list[DecisionOut] = Field(description="Every decision recorded, newest first.")


class ReviewSection(BaseModel):
    """The people's review of an interview, as the report and the review webhook carry it."""

    decision: DecisionOut | None
    decision_history: list[DecisionOut]
    ratings: list[RatingOut]
