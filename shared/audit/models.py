"""One row per recorded action; rows are only ever added (no update, no delete)."""

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import ID_LENGTH, Base, Json, UTCDateTime, new_id, utcnow


class AuditEntry(Base):
    """No foreign key and no candidate data: an entry outlives the interview or set it names."""

    __tablename__ = "audit_trail"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    service: Mapped[str] = mapped_column(String(32))  # which service recorded it
    action: Mapped[str] = mapped_column(String(32), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(32))
    interview_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    # a client may name a set with any id a path can carry: no length to overflow
    question_set_id: Mapped[str | None] = mapped_column(Text, index=True)
    subject_id: Mapped[str | None] = mapped_column(String(64))  # a recording, a question...
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
