"""An interview session and the snapshot of the questions it asks."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from interview_api.models import Base
from shared.db import ID_LENGTH, Json, UTCDateTime, new_id, utcnow

ACTIVE = "active"
ENDED = "ended"


class Interview(Base):
    __tablename__ = "interviews"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE, index=True)
    candidate_id: Mapped[str | None] = mapped_column(String(128), index=True)
    question_set_id: Mapped[str | None] = mapped_column(String(128))
    consent_given: Mapped[bool | None] = mapped_column(Boolean)
    consent_notice_version: Mapped[str | None] = mapped_column(String(64))
    consent_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # `metadata` is taken by SQLAlchemy's declarative base; the column keeps the API's name.
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", Json, default=dict)
    # The approved questions as they were when the interview started: later edits to the
    # question set never change what this interview asked.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    # The effective compliance settings (notice, retention_days, analysis_policy, bias_audit)
    # as they were when it started: later edits to the set or the settings never change them.
    # None only for interviews from before these existed: the global settings apply to them.
    compliance: Mapped[dict[str, Any] | None] = mapped_column(Json, default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def question(self, question_id: str) -> dict[str, Any] | None:
        """The snapshot question with this id, if the interview asks it."""
        return next((q for q in self.questions if q.get("id") == question_id), None)
