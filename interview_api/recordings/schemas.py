"""What the recording endpoints answer."""

from datetime import datetime

from pydantic import BaseModel, Field

from analysis.canonical import AnalysisStatus
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
    status: AnalysisStatus = Field(
        description="Its analysis: queued, running, then succeeded, partial or failed "
        "(GET /analyses/{analysis_id} has the details)."
    )
    analysis_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, recording: Recording, status: str | None) -> "RecordingOut":
        """`status`: the recording's analysis status; a new recording's analysis is queued."""
        return cls(
            recording_id=recording.id,
            interview_id=recording.interview_id,
            question_id=recording.question_id,
            question_text=recording.question_text,
            size_bytes=recording.size_bytes,
            sha256=recording.sha256,
            container=recording.container,
            original_filename=recording.original_filename,
            status=AnalysisStatus(status or AnalysisStatus.QUEUED),
            analysis_id=recording.analysis_id,
            created_at=recording.created_at,
        )


class MediaLink(BaseModel):
    recording_id: str
    url: str | None = Field(description="A presigned URL of the video; null on the data folder.")
    expires_in_seconds: int
