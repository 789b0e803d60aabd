"""What the recording endpoints answer."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from interview_api.recordings.models import Recording


class RecordingOut(BaseModel):
    recording_id: str
    interview_id: str
    question_id: str | None
    question_text: str | None
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the stored bytes, hex.")
    container: str = Field(description="Sniffed from the bytes: mp4, mov, webm, mkv, avi, ts.")
    original_filename: str | None = Field(description="The client's file name, as a label only.")
    status: Literal["stored", "queued"] = Field(
        description="`queued` when an analysis was enqueued for it, else `stored`."
    )
    analysis_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, recording: Recording) -> "RecordingOut":
        return cls(
            recording_id=recording.id,
            interview_id=recording.interview_id,
            question_id=recording.question_id,
            question_text=recording.question_text,
            size_bytes=recording.size_bytes,
            sha256=recording.sha256,
            container=recording.container,
            original_filename=recording.original_filename,
            status="queued" if recording.analysis_id else "stored",
            analysis_id=recording.analysis_id,
            created_at=recording.created_at,
        )
