"""Who is acting: the calling key's name and role, or the candidate behind an invitation.

Until keys carry roles (the key store of `shared.auth`), every accepted staff key is an admin
key: the bootstrap keys of API_KEYS, or open mode on loopback. This is the one place that reads
the caller for the audit trail, so it is the one place to change when roles arrive.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader

_header = APIKeyHeader(name="X-API-Key", auto_error=False)


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


CANDIDATE = Actor("candidate", "candidate")
SYSTEM = Actor("retention", "system")


async def staff_actor(key: Annotated[str | None, Depends(_header)]) -> Actor:
    """The staff caller (the key itself was checked by the service's key rule)."""
    if key:
        return Actor("API_KEYS bootstrap key", "admin")
    return Actor("open mode (no keys configured, caller on this machine)", "admin")


StaffActor = Annotated[Actor, Depends(staff_actor)]
