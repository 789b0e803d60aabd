"""The recording upload endpoint."""

from typing import Any

from fastapi import APIRouter, Request, Response

from analysis import service as analysis_service
from interview_api.dependencies import AnalysisHooksDep, StorageDep
from interview_api.interviews.dependencies import UploadInterview
from interview_api.recordings.schemas import RecordingOut
from interview_api.recordings.service import RecordingService
from shared.app import SettingsDep
from shared.auth import Role, require_roles
from shared.db import SessionDep

router = APIRouter(tags=["recordings"])

# The body is read as a stream (see streaming.py), so FastAPI cannot derive its schema: describe
# the form for the docs by hand.
_UPLOAD_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "question_id": {
                            "type": "string",
                            "description": "The interview question this video answers.",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/interviews/{interview_id}/recordings",
    status_code=202,
    summary="Upload a recording",
    openapi_extra=_UPLOAD_FORM,
    dependencies=[require_roles(Role.hr)],
    responses={
        200: {"model": RecordingOut, "description": "The same bytes were already stored."},
        404: {"description": "`interview_not_found`"},
        408: {"description": "`upload_idle_timeout`: the body stopped arriving"},
        413: {"description": "`upload_too_large`"},
        415: {"description": "`unsupported_media`, `multipart_required`"},
        422: {"description": "`file_missing`, `empty_file`, `unknown_question`, ..."},
    },
)
async def upload_recording(
    interview: UploadInterview,
    request: Request,
    response: Response,
    session: SessionDep,
    storage: StorageDep,
    hooks: AnalysisHooksDep,
    settings: SettingsDep,
) -> RecordingOut:
    """Store one answer's video (multipart `file`, optional `question_id`), streamed to storage.

    202 for a new recording; 200 with the existing one when the same bytes were already
    uploaded for the same question, so a retried upload is safe.
    """
    service = RecordingService(
        session,
        storage,
        hooks,
        max_upload_bytes=settings.max_upload_bytes,
        idle_timeout=settings.upload_idle_timeout_seconds,
    )
    stored = await service.upload(interview, request)
    if stored.created:
        return RecordingOut.of(stored.recording, None)  # its analysis was just queued
    response.status_code = 200
    statuses = await analysis_service.statuses(session, [stored.recording.id])
    return RecordingOut.of(stored.recording, statuses.get(stored.recording.id))
