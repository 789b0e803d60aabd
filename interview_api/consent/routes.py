"""`GET /notices/{version}`: the notice a consent names, as the candidate read it."""

from fastapi import APIRouter

from interview_api.consent.service import find_notice
from interview_api.interviews.compliance import Notice
from shared.app import SettingsDep
from shared.auth import open_access
from shared.db import SessionDep

router = APIRouter(tags=["consent"])


@router.get(
    "/notices/{version}",
    summary="A notice version",
    responses={404: {"description": "`notice_not_found`"}},
    dependencies=[open_access()],
)
async def get_notice(version: str, session: SessionDep, settings: SettingsDep) -> Notice:
    """The current notice (NOTICE_VERSION) or any earlier version a consent named, word for
    word. Open to anyone: it holds no personal data."""
    found_version, text = await find_notice(session, settings, version)
    return Notice(version=found_version, text=text)
