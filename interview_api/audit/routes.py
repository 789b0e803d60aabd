"""`GET /audit`: the audit trail, filtered and paginated (admin)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from interview_api.audit import service
from shared.auth import require_roles
from shared.db import SessionDep
from shared.pagination import Page200

router = APIRouter(tags=["audit"])


class AuditEntryOut(BaseModel):
    id: str
    at: datetime
    action: str
    actor: dict[str, str]
    interview_id: str | None
    subject_id: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


@router.get(
    "/audit", summary="The audit trail, newest first", dependencies=[require_roles()]
)  # admins only
async def audit_log(
    session: SessionDep,
    page: Annotated[Page200, Query()],
    action: Annotated[service.Action | None, Query()] = None,
    interview_id: str | None = None,
    actor_role: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditPage:
    """Who invited, viewed, played, rated, decided, exported, withdrew or erased what, when,
    and with which role. Entries are never changed or removed, erasure included; they hold
    ids, never the candidate's name or answers."""
    rows, total = await service.page(
        session,
        action=action,
        interview_id=interview_id,
        actor_role=actor_role,
        since=since,
        until=until,
        limit=page.limit,
        offset=page.offset,
    )
    return AuditPage(
        items=[
            AuditEntryOut(
                id=r.id,
                at=r.at,
                action=r.action,
                actor={"name": r.actor_name, "role": r.actor_role},
                interview_id=r.interview_id,
                subject_id=r.subject_id,
                details=r.details,
            )
            for r in rows
        ],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
