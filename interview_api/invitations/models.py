"""An invitation: the candidate's link to one interview, its settings and its progress."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from interview_api.models import Base
from shared.db import Json, UTCDateTime, utcnow

INVITED = "invited"
OPENED = "opened"
CONSENTED = "consented"
DECLINED = "declined"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
EXPIRED = "expired"
REVOKED = "revoked"
STATUSES = (INVITED, OPENED, CONSENTED, DECLINED, IN_PROGRESS, COMPLETED, EXPIRED, REVOKED)
# The statuses an invitation leaves for `expired` once its time is up.
OPEN_STATUSES = (INVITED, OPENED, CONSENTED, IN_PROGRESS)


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    interview_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("interviews.id", ondelete="CASCADE"), unique=True
    )
    # SHA-256 (hex) of the token in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=INVITED, index=True)
    question_set_id: Mapped[str] = mapped_column(String(128), index=True)
    role_title: Mapped[str | None] = mapped_column(String(300))
    candidate_name: Mapped[str] = mapped_column(String(200))
    candidate_email: Mapped[str | None] = mapped_column(String(320))
    candidate_id: Mapped[str | None] = mapped_column(String(128))
    answer_seconds: Mapped[int] = mapped_column(Integer)
    think_seconds: Mapped[int] = mapped_column(Integer)
    retakes: Mapped[int] = mapped_column(Integer)
    practice: Mapped[bool] = mapped_column(Boolean)
    question_count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The consent as given: the notice's version and its very text, and when.
    consent_given: Mapped[bool | None] = mapped_column(Boolean)
    notice_version: Mapped[str | None] = mapped_column(String(64))
    notice_text: Mapped[str | None] = mapped_column(Text)
    consent_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ResumableUpload(Base):
    """A tus upload of one answer: its bytes wait in a partial file under DATA_DIR/uploads
    until the last one arrives, then become exactly one recording."""

    __tablename__ = "resumable_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    invitation_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    interview_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str | None] = mapped_column(String(255))  # a label, never a path
    filetype: Mapped[str | None] = mapped_column(String(128))  # as the client says; not trusted
    length: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)  # durable bytes (the offset)
    recording_id: Mapped[str | None] = mapped_column(String(32))  # once complete
    # On S3 storage: the multipart upload the bytes are sent to as they arrive
    # (shared.resumable.MultipartState as JSON); None before the first part, and on a folder.
    multipart: Mapped[dict[str, Any] | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
