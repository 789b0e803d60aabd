"""The candidate's resumable upload endpoints: tus 1.0 at `/candidate/uploads`."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from interview_api.dependencies import AnalysisHooksDep, StorageDep
from interview_api.invitations.dependencies import CandidateInvitationBrief
from interview_api.invitations.tus import (
    OFFSET_CONTENT_TYPE,
    TUS_EXTENSIONS,
    TUS_VERSION,
    TusRoute,
    http_date,
    int_header,
    require_version,
)
from interview_api.invitations.uploads import Progress, UploadLocks, UploadService
from shared.app import SettingsDep
from shared.auth import open_access
from shared.db import DatabaseDep
from shared.errors import AppError
from shared.resumable import PartialFiles

UPLOADS_PATH = "/candidate/uploads"
router = APIRouter(prefix=UPLOADS_PATH, tags=["candidate uploads (tus)"], route_class=TusRoute)


def get_upload_service(
    request: Request,
    db: DatabaseDep,
    storage: StorageDep,
    hooks: AnalysisHooksDep,
    settings: SettingsDep,
) -> UploadService:
    partials: PartialFiles = request.app.state.partial_files
    locks: UploadLocks = request.app.state.upload_locks
    return UploadService(
        db,
        storage,
        hooks,
        partials,
        locks,
        max_upload_bytes=settings.max_upload_bytes,
        expiry=timedelta(seconds=settings.upload_expiry_seconds),
    )


Uploads = Annotated[UploadService, Depends(get_upload_service)]
TusVersion = Depends(require_version)
# what every route behind TusVersion may answer besides its own
_TUS_ERRORS: dict[int | str, dict[str, Any]] = {
    412: {"description": "`tus_version_unsupported`: send `Tus-Resumable: 1.0.0`"}
}


@router.options("", summary="tus discovery", status_code=204, dependencies=[open_access()])
async def discover(settings: SettingsDep) -> Response:
    return Response(
        status_code=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(settings.max_upload_bytes),
        },
    )


@router.post(
    "",
    summary="Start uploading an answer (tus creation)",
    status_code=201,
    dependencies=[TusVersion],
    responses={
        **_TUS_ERRORS,
        201: {"description": "Created; `Location` names the upload."},
        403: {"description": "`consent_required`, `consent_refused`"},
        409: {"description": "`interview_not_started`, `answer_already_submitted`"},
        413: {"description": "`upload_too_large`"},
        422: {"description": "`upload_length_invalid`, `upload_metadata_invalid`, ..."},
    },
)
async def create_upload(
    request: Request, invitation: CandidateInvitationBrief, uploads: Uploads
) -> Response:
    """`Upload-Length` and `Upload-Metadata` (`question_id`, `filename`, `filetype`)."""
    if request.headers.get("upload-defer-length") is not None:
        raise AppError(
            "Send Upload-Length: this server does not take uploads of unknown length.",
            code="upload_length_invalid",
            status=422,
        )
    length = int_header(request, "upload-length", "upload_length_invalid")
    upload = await uploads.create(invitation, length, request.headers.get("upload-metadata"))
    return Response(
        status_code=201,
        headers={
            "Location": f"{UPLOADS_PATH}/{upload.id}",
            "Upload-Expires": http_date(upload.expires_at),
        },
    )


@router.head(
    "/{upload_id}",
    summary="How much of the upload is in",
    dependencies=[TusVersion],
    responses=_TUS_ERRORS,
)
async def upload_offset(
    upload_id: str, invitation: CandidateInvitationBrief, uploads: Uploads
) -> Response:
    progress = await uploads.progress(invitation, upload_id)
    return Response(status_code=200, headers=_progress_headers(progress))


@router.patch(
    "/{upload_id}",
    summary="Send the next bytes",
    status_code=204,
    dependencies=[TusVersion],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses={
        **_TUS_ERRORS,
        204: {
            "description": "Stored; `Upload-Offset` is the new offset (`X-Recording-Id` "
            "once the last byte is in)."
        },
        409: {"description": "`upload_offset_mismatch`, `answer_already_submitted`"},
        413: {"description": "`upload_exceeds_length`, `upload_too_large`"},
        415: {"description": "`upload_content_type`, `unsupported_media`"},
        423: {"description": "`upload_locked`"},
    },
)
async def append_upload(
    upload_id: str, request: Request, invitation: CandidateInvitationBrief, uploads: Uploads
) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != OFFSET_CONTENT_TYPE:
        raise AppError(
            f"Send the bytes with Content-Type: {OFFSET_CONTENT_TYPE}.",
            code="upload_content_type",
            status=415,
        )
    offset = int_header(request, "upload-offset", "upload_offset_invalid")
    progress = await uploads.append(invitation, upload_id, offset, request)
    return Response(status_code=204, headers=_progress_headers(progress, with_length=False))


@router.delete(
    "/{upload_id}",
    summary="Drop an unfinished upload",
    status_code=204,
    dependencies=[TusVersion],
    responses=_TUS_ERRORS,
)
async def terminate_upload(
    upload_id: str, invitation: CandidateInvitationBrief, uploads: Uploads
) -> Response:
    await uploads.terminate(invitation, upload_id)
    return Response(status_code=204)


def _progress_headers(progress: Progress, *, with_length: bool = True) -> dict[str, str]:
    headers = {"Upload-Offset": str(progress.offset), "Cache-Control": "no-store"}
    if with_length:
        headers["Upload-Length"] = str(progress.upload.length)
    if progress.recording_id is not None:
        headers["X-Recording-Id"] = progress.recording_id
    else:
        headers["Upload-Expires"] = http_date(progress.upload.expires_at)
    return headers
