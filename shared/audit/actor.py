"""Who is acting: the calling key's name and role (`shared.auth`), or the candidate behind an
invitation, or the system itself (retention)."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, authenticate


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


CANDIDATE = Actor("candidate", "candidate")
SYSTEM = Actor("retention", "system")


async def staff_actor(caller: Annotated[Principal, Depends(authenticate)]) -> Actor:
    """The staff caller, as the route's key rule authenticated it (one look-up a request)."""
    return Actor(caller.name, caller.role.value)


StaffActor = Annotated[Actor, Depends(staff_actor)]
