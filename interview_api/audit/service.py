"""Recording actions in the audit trail and reading it back."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.audit.actor import Actor
from interview_api.audit.models import AuditEntry
from shared.db import new_id, utcnow

Action = Literal[
    "generated",
    "approved",
    "invited",
    "link_renewed",
    "viewed",
    "played",
    "rated",
    "decided",
    "exported",
    "consent_given",
    "consent_refused",
    "consent_withdrawn",
    "erased",
]


async def record(
    session: AsyncSession,
    actor: Actor,
    action: Action,
    *,
    interview_id: str | None = None,
    subject_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an entry in the caller's unit of work, so it commits with the action it records.
    `details` must hold no personal data (ids, counts, reasons)."""
    session.add(
        AuditEntry(
            id=new_id(),
            at=utcnow(),
            action=action,
            actor_name=actor.name,
            actor_role=actor.role,
            interview_id=interview_id,
            subject_id=subject_id,
            details=details or {},
        )
    )
    await session.flush()


async def page(
    session: AsyncSession,
    *,
    action: str | None,
    interview_id: str | None,
    actor_role: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[AuditEntry], int]:
    """Newest first, and how many match in all."""
    conditions = []
    if action is not None:
        conditions.append(AuditEntry.action == action)
    if interview_id is not None:
        conditions.append(AuditEntry.interview_id == interview_id)
    if actor_role is not None:
        conditions.append(AuditEntry.actor_role == actor_role)
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at < until)
    total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    rows = await session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return rows.all(), int(total or 0)
