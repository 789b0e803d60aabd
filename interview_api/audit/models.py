"""One row per recorded action; rows are only ever added (no update, no delete)."""

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from interview_api.models import Base
from shared.db import ID_LENGTH, Json, UTCDateTime, new_id, utcnow


class AuditEntry(Base):
    """No foreign key and no candidate data: an entry outlives the interview it names."""

    __tablename__ = "audit_log"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_role: Mapped[str] = mapped_column(String(32))
    interview_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    subject_id: Mapped[str | None] = mapped_column(String(64))  # a recording, an invitation...
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
