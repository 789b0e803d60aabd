"""Every notice version a candidate was shown, and the receipts erasures leave behind."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from interview_api.models import Base
from shared.db import ID_LENGTH, UTCDateTime, new_id, utcnow


class NoticeVersion(Base):
    """A notice's text as it was when a consent first named its version: a consent keeps
    pointing at the words the candidate read, whatever NOTICE_TEXT says later."""

    __tablename__ = "notice_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErasureReceipt(Base):
    """That an interview's recordings were erased, when, why and on whose request; no
    personal data, so it outlives the interview."""

    __tablename__ = "erasure_receipts"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(32))  # a role, never a name
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
