"""Who is calling: the candidate behind an invitation token, or the invitation in a path.

The token travels in `Authorization: Bearer <token>` and opens only its own interview; staff
routes refuse it, and a staff key opens nothing under `/candidate/`.
"""

from typing import Annotated, Any

from fastapi import Depends, Request

from interview_api.invitations.models import Invitation
from interview_api.invitations.repository import InvitationRepository
from interview_api.invitations.service import (
    check_usable,
    invitation_not_found,
    token_invalid,
)
from interview_api.invitations.tokens import bearer_token, hash_token
from shared.auth import candidate_access
from shared.db import DatabaseDep, SessionDep, utcnow
from shared.errors import Forbidden


async def _by_token(request: Request, repository: InvitationRepository) -> Invitation:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise token_invalid()
    invitation = await repository.by_token_hash(hash_token(token))
    if invitation is None:
        raise token_invalid()
    check_usable(invitation, utcnow())
    return invitation


@candidate_access
async def candidate_invitation(request: Request, session: SessionDep) -> Invitation:
    """The caller's invitation, loaded in the request's unit of work; 401 or 410 otherwise."""
    return await _by_token(request, InvitationRepository(session))


@candidate_access
async def candidate_invitation_brief(request: Request, db: DatabaseDep) -> Invitation:
    """The same, read in its own short unit of work, so that no database connection is held
    while an upload streams in."""
    async with db.session() as session:
        return await _by_token(request, InvitationRepository(session))


async def refuse_candidate_token(request: Request, db: DatabaseDep) -> None:
    """Staff routes: an invitation token opens nothing here (403), whatever else is allowed."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return
    async with db.session() as session:
        found = await InvitationRepository(session).by_token_hash(hash_token(token))
    if found is not None:
        raise Forbidden(
            "An interview link's token only opens that interview's candidate page and the "
            "/candidate/ API; staff routes need a staff API key.",
            code="candidate_token_forbidden",
        )


async def valid_invitation(invitation_id: str, session: SessionDep) -> Invitation:
    invitation = await InvitationRepository(session).get(invitation_id)
    if invitation is None:
        raise invitation_not_found(invitation_id)
    return invitation


# What a route behind the candidate's token may answer besides its own errors (for OpenAPI).
CANDIDATE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "`invitation_token_invalid`"},
    410: {"description": "`invitation_expired`, `invitation_revoked`"},
}

CandidateInvitation = Annotated[Invitation, Depends(candidate_invitation)]
CandidateInvitationBrief = Annotated[Invitation, Depends(candidate_invitation_brief)]
ValidInvitation = Annotated[Invitation, Depends(valid_invitation)]
