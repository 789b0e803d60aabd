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
from interview_api.interviews.compliance import Notice
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
    """The consent a `/start-interview` carries: given (its notice is checked by
    `check_notice_version` once the interview's notice is known)."""
    if consent is None:
        if settings.consent_required:
            raise consent_required()
        return
    if not consent.given:
        raise consent_refused()


def check_notice_version(shown: str, notice: Notice) -> None:
    """409 `notice_outdated` unless the candidate was shown the interview's notice."""
    if shown != notice.version:
        raise notice_outdated(notice.version)


def notice_version_taken(version: str) -> Conflict:
    return Conflict(
        f"The question set's notice version {version!r} already stands for another text that "
        "candidates were shown. Give the set's notice a new version in the question API "
        "(PUT /question-sets/{id}/compliance).",
        code="notice_version_taken",
    )


async def bind_notice(session: AsyncSession, notice: Notice) -> None:
    """Store a question set's notice version as an interview takes it (so GET /notices serves
    it); 409 `notice_version_taken` when the version already means another text."""
    stored = await remember_notice(session, notice)
    if stored.text != notice.text:
        raise notice_version_taken(notice.version)


async def remember_notice(session: AsyncSession, notice: Notice) -> NoticeVersion:
    """The notice as stored; stored now if this is the first time a version is named."""
    stored = await session.get(NoticeVersion, notice.version)
    if stored is None:
        # Several processes may record the first consent to a notice at once: the first insert
        # wins and the others keep it (never a unique-key error for the candidate).
        insert = (
            postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        await session.execute(
            insert(NoticeVersion)
            .values(version=notice.version, text=notice.text, first_used_at=utcnow())
            .on_conflict_do_nothing(index_elements=[NoticeVersion.version])
        )
        stored = await session.get(NoticeVersion, notice.version)
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
