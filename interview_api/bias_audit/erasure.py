"""The survey answers in an erasure: cleared with the interview's recordings (withdrawal of
consent) or with the whole interview, and listed among the copies the erasure status shows."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.bias_audit.repository import SurveyRepository
from shared.db import utcnow


async def erase(session: AsyncSession, interview_id: str) -> None:
    """Clear the interview's survey answers in the caller's unit of work (erasure)."""
    await SurveyRepository(session).erase(interview_id, utcnow())


async def erased_copies(session: AsyncSession, interview_id: str) -> list[dict[str, Any]]:
    """The erased survey answers as an erasure status lists its copies (none when the
    interview never had any)."""
    tombstone = await SurveyRepository(session).erased(interview_id)
    if tombstone is None or tombstone.erased_at is None:
        return []
    erased_at = tombstone.erased_at.isoformat()
    return [
        {
            "provider": "bias_survey",
            "remote_ids": {},
            "objects": ["bias_survey_responses"],
            "status": "done",
            "attempts": 1,
            "last_error": None,
            "next_attempt_at": None,
            "created_at": erased_at,
            "updated_at": erased_at,
            "completed_at": erased_at,
        }
    ]
