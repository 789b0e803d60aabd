"""The survey answers, in a table of their own that no reviewer-facing answer reads.

Keyed by the interview id only for the audit's join: no foreign key, so that erasing the
interview leaves a tombstone (answers cleared, `erased_at` set) the erasure status can list.
"""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from interview_api.models import Base
from shared.db import ID_LENGTH, UTCDateTime, new_id, utcnow


class SurveyResponse(Base):
    __tablename__ = "bias_survey_responses"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    # a category code, `prefer_not_to_say`, or None when the question was left unanswered
    sex: Mapped[str | None] = mapped_column(String(48))
    race_ethnicity: Mapped[str | None] = mapped_column(String(48))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
