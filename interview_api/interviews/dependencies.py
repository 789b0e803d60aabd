"""Validating dependencies: the interview named in the path, or 404 `interview_not_found`;
and what an erasing route needs to finish its erasure."""

from typing import Annotated

from fastapi import Depends, Response
from fastapi.responses import JSONResponse

from analysis import service as analysis_service
from interview_api.dependencies import AnalysisHooksDep, StorageDep
from interview_api.interviews.models import Interview
from interview_api.interviews.repository import InterviewRepository
from interview_api.interviews.service import interview_not_found
from shared.app import SettingsDep
from shared.db import DatabaseDep, SessionDep


async def valid_interview(interview_id: str, session: SessionDep) -> Interview:
    interview = await InterviewRepository(session).get(interview_id)
    if interview is None:
        raise interview_not_found(interview_id)
    return interview


async def interview_for_upload(interview_id: str, db: DatabaseDep) -> Interview:
    """The interview, read in its own short unit of work so that no database connection is
    held while a large upload streams in."""
    async with db.session() as session:
        interview = await InterviewRepository(session).get(interview_id)
    if interview is None:
        raise interview_not_found(interview_id)
    return interview


ValidInterview = Annotated[Interview, Depends(valid_interview)]
UploadInterview = Annotated[Interview, Depends(interview_for_upload)]


class Eraser:
    """The request's unit of work and analysis hooks for an erasure, and `finish` to commit it
    and delete its stored files."""

    def __init__(
        self,
        session: SessionDep,
        db: DatabaseDep,
        hooks: AnalysisHooksDep,
        storage: StorageDep,
        settings: SettingsDep,
    ) -> None:
        self.session = session
        self.hooks = hooks
        self._db = db
        self._storage = storage
        self._max_attempts = settings.outbox_max_attempts

    async def finish(self, interview_id: str) -> Response:
        """Commit the erasure, delete its stored files now, and say whether any is left."""
        await self.session.commit()  # the rows go first; no storage call runs inside it
        left = await analysis_service.delete_erased_files(
            self._db, self._storage, interview_id, max_attempts=self._max_attempts
        )
        if left:
            return JSONResponse(
                {
                    "interview_id": interview_id,
                    "status": "erasing",
                    "pending_objects": left,
                    "message": "The interview is erased; some of its stored files could not be "
                    "deleted yet and are retried. GET /interviews/{id}/erasure shows them.",
                },
                status_code=202,
            )
        return Response(status_code=204)


EraserDep = Annotated[Eraser, Depends()]
