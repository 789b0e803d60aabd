"""Validating dependencies: the interview named in the path, or 404 `interview_not_found`."""

from typing import Annotated

from fastapi import Depends

from interview_api.interviews.models import Interview
from interview_api.interviews.repository import InterviewRepository
from interview_api.interviews.service import interview_not_found
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
