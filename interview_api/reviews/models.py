"""Human review: each reviewer's rating of an answer, and the people's decisions on an interview.

Both belong to the interview: erasing it erases them (the foreign keys cascade).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from interview_api.models import Base
from shared.db import ID_LENGTH, UTCDateTime, new_id, utcnow

DECISIONS = ("advance", "hold", "reject")


class Rating(Base):
    """One reviewer's 1-5 rating of one answer; a second rating by the same reviewer updates it."""

    __tablename__ = "recording_ratings"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    recording_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("recordings.id", ondelete="CASCADE"), index=True
    )
    interview_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    reviewer: Mapped[str] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("recording_id", "reviewer"),)


class Decision(Base):
    """A person's decision on an interview. Kept as a history: the latest one stands."""

    __tablename__ = "interview_decisions"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
