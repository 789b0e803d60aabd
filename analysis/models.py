"""Tables of the analysis pipeline, kept in the interview API's database.

An analysis is one job; each provider is one step whose progress (remote ids, attempts, last
error) is committed before every wait, so a restarted worker resumes instead of starting over.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import ID_LENGTH, Base, new_id, utcnow


class Analysis(Base):
    __tablename__ = "analyses"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    interview_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    recording_id: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    question_id: Mapped[str | None] = mapped_column(String(64))
    question_text: Mapped[str | None] = mapped_column(Text)
    # from the interview's snapshot: position, competency, expected_points (for the evaluation
    # and the transcript files; never shown to the candidate)
    question_details: Mapped[dict[str, Any] | None]
    # the ANALYSIS_POLICY its providers are asked under (its interview's); None: the global one
    analysis_policy: Mapped[str | None] = mapped_column(String(16))
    recording_key: Mapped[str] = mapped_column(Text)  # where the video is, relative to DATA_DIR
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    container: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    claims: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[dict[str, Any] | None]

    steps: Mapped[list["ProviderStep"]] = relationship(
        back_populates="analysis", cascade="all, delete-orphan", order_by="ProviderStep.provider"
    )

    __table_args__ = (Index("ix_analyses_status_created", "status", "created_at"),)


class ProviderStep(Base):
    __tablename__ = "analysis_provider_steps"

    analysis_id: Mapped[str] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)  # remote ids, resumable progress
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    section: Mapped[dict[str, Any] | None]  # the canonical section, as JSON
    raw: Mapped[dict[str, Any] | None]  # the provider's untouched answer
    notes: Mapped[list[Any]] = mapped_column(default=list)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    analysis: Mapped[Analysis] = relationship(back_populates="steps")


class OutboxKind(StrEnum):
    REMOTE_DELETION = "remote_deletion"  # a provider-side copy (a Twelve Labs asset)
    FILE_DELETION = "file_deletion"  # stored objects: recordings, result files
    WEBHOOK = "webhook"  # a finished analysis for ANALYSIS_WEBHOOK_URL


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # every attempt failed: needs an operator


class OutboxItem(Base):
    """Work that must happen after a commit and survive a crash: a provider-side copy to delete,
    stored files to delete, a webhook to deliver. The outbox loop makes each attempt, backs off
    and gives up after a bounded number of attempts (`failed`); an attempt is claimed by moving
    `due_at` ahead, so an attempt a crashed worker never finished is made again later."""

    __tablename__ = "analysis_outbox"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))  # an OutboxKind
    interview_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    analysis_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    provider: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_analysis_outbox_status_due", "status", "due_at"),)
