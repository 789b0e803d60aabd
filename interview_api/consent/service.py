"""The notice, the consent gate in front of every recording, and withdrawal.

A consent is the candidate's `given` answer, the version of the notice they were shown, and the
time this service recorded it. With CONSENT_REQUIRED (the default) nothing is recorded or
analysed for an interview without a given consent; a refusal or a withdrawal is final.
"""

import logging

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.consent.models import NoticeVersion
from interview_api.interviews.models import Interview
from interview_api.interviews.schemas import ConsentIn
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.settings import Settings

logger = logging.getLogger(__name__)


def consent_refused() -> Forbidden:
    return Forbidden(
        "The candidate did not agree to the recording (or withdrew their consent), so nothing "
        "is recorded or analysed. A new interview with a given consent is needed.",
        code="consent_refused",
    )


def consent_required() -> Forbidden:
    return Forbidden(
        "A recorded consent is needed first: send `consent` with `given: true` and the "
        "`notice_version` the candidate was shown (GET /notices/{version} serves it).",
        code="consent_required",
    )


def notice_outdated(current: str) -> Conflict:
    return Conflict(
        f"The notice has changed (now version {current}). Show the candidate the current "
        "notice and ask again.",
        code="notice_outdated",
    )


def refuse_without_consent(interview: Interview, *, required: bool) -> None:
    """403 unless the interview may take a recording: `consent_refused` after a refusal or a
    withdrawal; `consent_required` when none was given and consent is required."""
    if interview.consent_given is False:
        raise consent_refused()
    if required and (interview.consent_given is not True or interview.consent_recorded_at is None):
        raise consent_required()


def check_start_consent(consent: ConsentIn | None, settings: Settings) -> None:
    """The consent a `/start-interview` carries: given, for the current notice."""
    if consent is None:
        if settings.consent_required:
            raise consent_required()
        return
    if not consent.given:
        raise consent_refused()
    if consent.notice_version != settings.notice_version:
        raise notice_outdated(settings.notice_version)


async def remember_notice(session: AsyncSession, settings: Settings) -> NoticeVersion:
    """The current notice as stored; stored now if this is the first consent naming it."""
    stored = await session.get(NoticeVersion, settings.notice_version)
    if stored is None:
        # Several processes may record the first consent to a notice at once: the first insert
        # wins and the others keep it (never a unique-key error for the candidate).
        insert = (
            postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        await session.execute(
            insert(NoticeVersion)
            .values(
                version=settings.notice_version, text=settings.notice_text, first_used_at=utcnow()
            )
            .on_conflict_do_nothing(index_elements=[NoticeVersion.version])
        )
        stored = await session.get(NoticeVersion, settings.notice_version)
        assert stored is not None  # inserted above, or by another process first
    return stored


async def find_notice(session: AsyncSession, settings: Settings, version: str) -> tuple[str, str]:
    """(version, text) of a notice: one a consent named, or the current one; else 404."""
    stored = await session.get(NoticeVersion, version)
    if stored is not None:
        return stored.version, stored.text
    if version == settings.notice_version:
        return settings.notice_version, settings.notice_text
    raise NotFound(
        f"There is no notice version {version!r}; the current one is {settings.notice_version!r}.",
        code="notice_not_found",
    )
