"""`GET /audit`: the audit trail both services write, filtered and paginated (admin)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from shared.audit import trail
from shared.auth import require_roles
from shared.db import Database
from shared.pagination import Page200

router = APIRouter(tags=["audit"])


def get_trail(request: Request) -> Database:
    db: Database = request.app.state.audit_db
    return db


TrailDep = Annotated[Database, Depends(get_trail)]


class AuditEntryOut(BaseModel):
    id: str
    at: datetime
    service: str
    action: str
    actor: dict[str, str]
    interview_id: str | None
    question_set_id: str | None
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
    db: TrailDep,
    page: Annotated[Page200, Query()],
    action: Annotated[trail.Action | None, Query()] = None,
    interview_id: str | None = None,
    question_set_id: str | None = None,
    actor_role: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditPage:
    """Who generated, edited, approved or rejected questions (question API), and who invited,
    viewed, played, rated, decided, exported, withdrew or erased what (interview API), when,
    and with which role. Entries are never changed or removed, erasure included; they hold
    ids, never the candidate's name, email, notes or answers."""
    rows, total = await trail.page(
        db,
        action=action,
        interview_id=interview_id,
        question_set_id=question_set_id,
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
                service=r.service,
                action=r.action,
                actor={"name": r.actor_name, "role": r.actor_role},
                interview_id=r.interview_id,
                question_set_id=r.question_set_id,
                subject_id=r.subject_id,
                details=r.details,
            )
            for r in rows
        ],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
