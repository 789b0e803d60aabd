"""The recording upload endpoint."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from analysis import service as analysis_service
from interview_api.dependencies import AnalysisHooksDep, StorageDep
from interview_api.interviews.dependencies import UploadInterview
from interview_api.recordings.dependencies import ValidRecording
from interview_api.recordings.media import PRESIGN_SECONDS, media_response
from interview_api.recordings.models import Recording
from interview_api.recordings.schemas import MediaLink, RecordingOut
from interview_api.recordings.service import RecordingService
from interview_api.reviews.service import review_action
from shared.app import SettingsDep
from shared.audit.actor import Actor, StaffActor
from shared.auth import Principal, Role, require_roles
from shared.db import SessionDep

router = APIRouter(tags=["recordings"])

WATCHES = require_roles(Role.hr, Role.reviewer)  # the video itself: people who judge it

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
        403: {"description": "`consent_required`, `consent_refused`"},
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
        consent_required=settings.consent_required,
        idle_timeout=settings.upload_idle_timeout_seconds,
    )
    stored = await service.upload(interview, request)
    if stored.created:
        return RecordingOut.of(stored.recording, None)  # its analysis was just queued
    response.status_code = 200
    statuses = await analysis_service.statuses(session, [stored.recording.id])
    return RecordingOut.of(stored.recording, statuses.get(stored.recording.id))


@router.get(
    "/recordings/{recording_id}/media-link",
    summary="Where a browser can play a recording without a key",
    responses={404: {"description": "`recording_not_found`"}},
)
async def get_media_link(
    _: Annotated[Principal, WATCHES],
    actor: StaffActor,
    recording: ValidRecording,
    storage: StorageDep,
    session: SessionDep,
) -> MediaLink:
    """On S3 storage, a presigned URL of the video (valid 15 minutes) for a `<video>` element,
    which cannot send `X-API-Key`; on the data folder `url` is null: fetch `/media` with the
    key instead."""
    url = await storage.presigned_url(recording.path, PRESIGN_SECONDS)
    if url is not None:
        # the player fetches the video from storage directly: issuing the link is the play
        await _played(session, actor, recording, via="media-link")
    return MediaLink(recording_id=recording.id, url=url, expires_in_seconds=PRESIGN_SECONDS)


@router.get(
    "/recordings/{recording_id}/media",
    summary="A recording's video, with HTTP Range support",
    response_class=Response,
    responses={
        200: {"description": "The whole video", "content": {"video/webm": {}, "video/mp4": {}}},
        206: {"description": "The byte range asked for in `Range` (`Content-Range` says which)"},
        307: {"description": "On S3 storage: a presigned URL of the object, valid 15 minutes"},
        400: {"description": "`invalid_range`"},
        404: {"description": "`recording_not_found`, `media_not_found`"},
        416: {"description": "`range_not_satisfiable` (`Content-Range: bytes */<size>`)"},
    },
)
async def get_media(
    _: Annotated[Principal, WATCHES],
    actor: StaffActor,
    recording: ValidRecording,
    storage: StorageDep,
    session: SessionDep,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    """Streams the stored file (`Accept-Ranges: bytes`; a `Range` request gets 206), so a
    `<video>` element can seek. On S3 storage it redirects to a short-lived presigned URL."""
    response = await media_response(storage, recording, range_header)
    if _starts_playback(range_header):
        await _played(session, actor, recording, via="media")
    return response


async def _played(session: AsyncSession, actor: Actor, recording: Recording, via: str) -> None:
    await review_action(
        session,
        actor,
        "played",
        interview_id=recording.interview_id,
        subject_id=recording.id,
        details={"via": via},
    )


def _starts_playback(range_header: str | None) -> bool:
    """Whether a request is a player starting the video (one play in the audit trail), not a
    seek (a range from further in) or Safari's probe of the first two bytes (`bytes=0-1`)."""
    if not range_header:
        return True
    start, _, end = range_header.strip().removeprefix("bytes=").partition("-")
    return start.strip() == "0" and end.strip() != "1"
