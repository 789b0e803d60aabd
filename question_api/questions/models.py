"""Tables: question sets, their questions, the review audit trail, idempotency keys, and the
notice versions sets have named."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import ID_LENGTH, Base, UTCDateTime, new_id, utcnow

GENERATED_DIR = "generated_questions"


class QuestionSet(Base):
    __tablename__ = "question_sets"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(128))
    notice: Mapped[str | None] = mapped_column(Text, default=None)
    # What a reviewer should look at: the rules the provider's best answer still broke.
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    job_description: Mapped[str] = mapped_column(Text)
    role_title: Mapped[str | None] = mapped_column(String(200), default=None)
    language: Mapped[str | None] = mapped_column(String(50), default=None)
    seniority: Mapped[str | None] = mapped_column(String(16), default=None)
    output_language: Mapped[str] = mapped_column(String(16), default="en")
    # Compliance settings of interviews with this set; None: the global setting applies.
    compliance_notice_version: Mapped[str | None] = mapped_column(String(64), default=None)
    compliance_notice_text: Mapped[str | None] = mapped_column(Text, default=None)
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)
    analysis_policy: Mapped[str | None] = mapped_column(String(16), default=None)
    bias_audit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questions: Mapped[list["Question"]] = relationship(
        back_populates="question_set",
        order_by="Question.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def file(self) -> str:
        """Where the set's text file lives, relative to DATA_DIR."""
        return f"{GENERATED_DIR}/questions_{self.id}.txt"


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("question_set_id", "position"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True, default=new_id)
    question_set_id: Mapped[str] = mapped_column(
        ForeignKey("question_sets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))
    subtype: Mapped[str] = mapped_column(String(16))
    competency: Mapped[str] = mapped_column(String(200))
    expected_points: Mapped[list[str]] = mapped_column(JSON)
    provider: Mapped[str] = mapped_column(String(32))  # who wrote this question: openai, offline
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    question_set: Mapped[QuestionSet] = relationship(back_populates="questions")


class ReviewEvent(Base):
    """One change to a set or a question: who, when, what it was and what it became."""

    __tablename__ = "question_review_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_set_id: Mapped[str] = mapped_column(
        ForeignKey("question_sets.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[str | None] = mapped_column(String(ID_LENGTH), default=None)
    action: Mapped[str] = mapped_column(String(32))
    field: Mapped[str | None] = mapped_column(String(32), default=None)
    old_value: Mapped[str | None] = mapped_column(Text, default=None)
    new_value: Mapped[str | None] = mapped_column(Text, default=None)
    reviewer: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyRecord(Base):
    """The first answer to a `POST /generate` with an `Idempotency-Key`, kept to replay it."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    question_set_id: Mapped[str] = mapped_column(ForeignKey("question_sets.id", ondelete="CASCADE"))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SetNoticeVersion(Base):
    """A notice version a set has named, with its text: a version always means the same words,
    even after the set moves on to another version (a candidate may have consented to it)."""

    __tablename__ = "question_set_notice_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    question_set_id: Mapped[str] = mapped_column(String(ID_LENGTH))  # the first set to name it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
