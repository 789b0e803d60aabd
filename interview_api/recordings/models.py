"""A stored recording: one answer's video, on disk under DATA_DIR, described by one row."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from interview_api.models import Base
from shared.db import ID_LENGTH, UTCDateTime, new_id, utcnow


class Recording(Base):
    __tablename__ = "recordings"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(
        String(ID_LENGTH), ForeignKey("interviews.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str | None] = mapped_column(String(128))
    question_text: Mapped[str | None] = mapped_column(Text)  # snapshot, like the interview's
    path: Mapped[str] = mapped_column(String(512))  # relative to DATA_DIR, POSIX separators
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    container: Mapped[str] = mapped_column(String(16))
    original_filename: Mapped[str | None] = mapped_column(String(255))  # metadata, never a path
    analysis_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # The same bytes for the same interview and question are one recording, even when two
        # retries of one upload race each other (NULL question ids compare equal here).
        Index(
            "uq_recordings_content",
            "interview_id",
            func.coalesce(question_id, ""),
            "sha256",
            unique=True,
        ),
    )
