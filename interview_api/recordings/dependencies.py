"""Validating dependency: the recording named in the path, or 404 `recording_not_found`."""

from typing import Annotated

from fastapi import Depends

from interview_api.recordings.models import Recording
from interview_api.recordings.repository import RecordingRepository
from shared.db import SessionDep
from shared.errors import NotFound


async def valid_recording(recording_id: str, session: SessionDep) -> Recording:
    recording = await RecordingRepository(session).get(recording_id)
    if recording is None:
        raise NotFound(
            f"There is no recording {recording_id!r}. GET /interviews/{{id}} lists an "
            "interview's recordings.",
            code="recording_not_found",
        )
    return recording


ValidRecording = Annotated[Recording, Depends(valid_recording)]
