"""All SQL about invitations and their resumable uploads."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.invitations.models import EXPIRED, OPEN_STATUSES, Invitation, ResumableUpload


class InvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, invitation_id: str) -> Invitation | None:
        return await self.session.get(Invitation, invitation_id)

    async def by_token_hash(self, token_hash: str) -> Invitation | None:
        return await self.session.scalar(
            select(Invitation).where(Invitation.token_hash == token_hash)
        )

    async def add(self, invitation: Invitation) -> Invitation:
        self.session.add(invitation)
        await self.session.flush()
        return invitation

    async def save(self) -> None:
        await self.session.flush()

    async def expire_overdue(self, now: datetime) -> int:
        """Mark every open invitation whose time is up `expired`; how many were."""
        result = await self.session.execute(
            update(Invitation)
            .where(Invitation.status.in_(OPEN_STATUSES), Invitation.expires_at <= now)
            .values(status=EXPIRED)
            .execution_options(synchronize_session=False)
        )
        await self.session.flush()
        return int(getattr(result, "rowcount", 0) or 0)

    async def page(
        self, *, question_set_id: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Invitation], int]:
        """Newest first, and how many match in all."""
        conditions = []
        if question_set_id is not None:
            conditions.append(Invitation.question_set_id == question_set_id)
        if status is not None:
            conditions.append(Invitation.status == status)
        total = await self.session.scalar(
            select(func.count()).select_from(Invitation).where(*conditions)
        )
        rows = await self.session.scalars(
            select(Invitation)
            .where(*conditions)
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return rows.all(), total or 0


class UploadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, upload_id: str) -> ResumableUpload | None:
        return await self.session.get(ResumableUpload, upload_id)

    async def add(self, upload: ResumableUpload) -> ResumableUpload:
        self.session.add(upload)
        await self.session.flush()
        return upload

    async def save(self) -> None:
        await self.session.flush()

    async def delete(self, upload_id: str) -> None:
        await self.session.execute(delete(ResumableUpload).where(ResumableUpload.id == upload_id))
        await self.session.flush()

    async def expired_unfinished(self, now: datetime) -> Sequence[ResumableUpload]:
        rows = await self.session.scalars(
            select(ResumableUpload).where(
                ResumableUpload.expires_at <= now, ResumableUpload.recording_id.is_(None)
            )
        )
        return rows.all()

    async def unfinished_ids(self, upload_ids: Sequence[str]) -> set[str]:
        """Which of these uploads still wait for bytes (the others are done or gone)."""
        if not upload_ids:
            return set()
        rows = await self.session.scalars(
            select(ResumableUpload.id).where(
                ResumableUpload.id.in_(upload_ids), ResumableUpload.recording_id.is_(None)
            )
        )
        return set(rows)
