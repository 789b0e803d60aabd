"""Who may call what: staff keys with a role, checked on every route.

A staff route declares its roles with one dependency, `require_roles(Role.hr)` (admin may always
call it too), either in the decorator (`dependencies=[require_roles(Role.hr)]`) or as a parameter
(`caller: Annotated[Principal, require_roles(Role.hr)]`). A route reached without a declared rule
answers to admins only. Routes outside staff keys declare what they are: `open_access()` for
anyone, or a candidate-token dependency marked with `candidate_access`.

Keys come in `X-API-Key`: keys from the shared store (`shared.keys.store`), the bootstrap admin
keys of `API_KEYS`, and `SERVICE_API_KEY` (role `service`, the interview API's credential for the
question API). With no key configured anywhere the services are in open mode: a request without a
key is answered as admin, but only when it comes from this machine (loopback), and a service
started on any other address refuses to start (`refuse_open_bind`).
"""

import hmac
import ipaddress
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from sqlalchemy.exc import SQLAlchemyError
from starlette.routing import BaseRoute

from shared.errors import Forbidden, Unauthorized, UpstreamError
from shared.keys.store import KeyStore, key_hash
from shared.settings import Settings

logger = logging.getLogger(__name__)

_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="A staff key: `interview-backend keys create`."
)


class Role(StrEnum):
    admin = "admin"
    hr = "hr"
    reviewer = "reviewer"
    integration = "integration"
    service = "service"  # the interview API calling the question API


STAFF_ROLES = (Role.admin, Role.hr, Role.reviewer, Role.integration)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's role and name (`key_id` None for configured keys)."""

    role: Role
    name: str
    key_id: str | None = None


OPEN_MODE = Principal(Role.admin, "open mode (no keys configured, caller on this machine)")

AccessKind = Literal["staff", "candidate", "open"]


@dataclass(frozen=True)
class AccessRule:
    """What a route accepts: staff keys of `roles` (admin always), a candidate token, anyone."""

    kind: AccessKind
    roles: frozenset[Role] = field(default_factory=frozenset)

    def allows(self, role: Role) -> bool:
        return self.kind == "staff" and (role is Role.admin or role in self.roles)

    def describe(self) -> str:
        """As the README's role table writes it: `admin, hr`, `candidate token` or `open`."""
        if self.kind == "candidate":
            return "candidate token"
        if self.kind == "open":
            return "open"
        return ", ".join(r.value for r in Role if r is Role.admin or r in self.roles)


ADMIN_ONLY = AccessRule("staff")
OPEN = AccessRule("open")


def _open() -> None:
    return None


_open.access_rule = OPEN  # type: ignore[attr-defined]


def open_access() -> Any:
    """`Depends(...)` that marks a route as open to anyone (health checks, docs)."""
    return Depends(_open)


_F = TypeVar("_F", bound=Callable[..., Any])


def candidate_access(dependency: _F) -> _F:
    """Mark the dependency that checks a candidate's invitation token, so the routes using it
    count as candidate routes. A staff key is never a candidate token: the token comes in
    `Authorization: Bearer`, is looked up among invitation tokens only, and staff keys are not."""
    dependency.access_rule = AccessRule("candidate")  # type: ignore[attr-defined]
    return dependency


def access_rule(route: BaseRoute) -> AccessRule | None:
    """The rule a route declared through its dependencies, or None when it declared none."""
    if not isinstance(route, APIRoute):
        return None
    return _rule_of(route.dependant)


def _rule_of(dependant: Dependant) -> AccessRule | None:
    rule = getattr(dependant.call, "access_rule", None)
    if isinstance(rule, AccessRule):
        return rule
    for sub in dependant.dependencies:
        if (found := _rule_of(sub)) is not None:
            return found
    return None


def check_role(caller: Principal, rule: AccessRule) -> None:
    if not rule.allows(caller.role):
        raise Forbidden(
            f"This key ({caller.name}, role {caller.role.value}) may not call this route; it "
            f"needs the role {' or '.join(rule.describe().split(', '))}. Ask an admin for a key "
            "with that role.",
            code="role_forbidden",
        )


class KeyRing:
    """Every key a service accepts: configured ones (compared in constant time) and the store."""

    def __init__(self, settings: Settings, store: KeyStore) -> None:
        self.store = store
        self._configured: list[tuple[str, Principal]] = [
            (key_hash(key.encode()), Principal(Role.admin, "API_KEYS bootstrap key"))
            for key in settings.api_key_list
        ]
        if settings.service_key:
            principal = Principal(Role.service, "SERVICE_API_KEY (interview API)")
            self._configured.append((key_hash(settings.service_key.encode()), principal))
        self._locked = bool(self._configured)

    async def principal_for(self, key: bytes) -> Principal | None:
        digest = key_hash(key)
        found = None
        for known, principal in self._configured:  # no early exit: the same time for every key
            if hmac.compare_digest(known, digest):
                found = principal
        if found is not None:
            return found
        record = await self._from_store(lambda: self.store.authenticate(key))
        if record is None or record.role not in Role.__members__:
            return None
        return Principal(Role(record.role), record.name, record.id)

    async def open_mode(self) -> bool:
        """True while no key is configured or stored. Once keys exist it stays False until
        restart: revoking the last key never silently reopens a running service."""
        if not self._locked:
            self._locked = await self._from_store(self.store.has_active_keys)
        return not self._locked

    async def _from_store(self, read: Callable[[], Any]) -> Any:
        try:
            return await read()
        except (SQLAlchemyError, OSError) as exc:
            logger.error("the key store cannot be read: %s", type(exc).__name__)
            raise UpstreamError(
                "The key store cannot be reached, so no key can be checked; try again, and if "
                "it keeps failing check KEYS_DATABASE_URL (or DATABASE_URL).",
                code="key_store_unavailable",
                status=503,
            ) from exc


def keyring(request: Request) -> KeyRing:
    ring: KeyRing = request.app.state.keys
    return ring


async def authenticate(
    request: Request,
    ring: Annotated[KeyRing, Depends(keyring)],
    key: Annotated[str | None, Depends(_header)],
) -> Principal:
    """The caller, or 401. Cached for the request, so every rule on a route shares one look-up."""
    if key:
        # Compare bytes, never str: a header with non-ASCII bytes (decoded as Latin-1) is just
        # a key that matches nothing.
        principal = await ring.principal_for(key.encode("utf-8", "surrogatepass"))
        if principal is None:
            raise Unauthorized(
                "This API key is unknown or revoked. Send a valid staff key in X-API-Key.",
                code="invalid_api_key",
            )
        return principal
    if await ring.open_mode():
        if is_loopback(request.client.host if request.client else None):
            return OPEN_MODE
        raise Unauthorized(
            "No API keys are configured, so this service answers only callers on its own "
            "machine. Set API_KEYS or create keys with `interview-backend keys create`.",
            code="api_key_missing",
        )
    raise Unauthorized(
        "An API key is required: send a staff key in the X-API-Key header.",
        code="api_key_missing",
    )


class RoleRequirement:
    """The dependency behind `require_roles`: 403 unless the caller's role is allowed."""

    def __init__(self, roles: Sequence[Role]) -> None:
        self.access_rule = AccessRule("staff", frozenset(roles))

    async def __call__(self, caller: Annotated[Principal, Depends(authenticate)]) -> Principal:
        check_role(caller, self.access_rule)
        return caller


def require_roles(*roles: Role) -> Any:
    """`Depends(...)` that lets admins and these roles call the route."""
    return Depends(RoleRequirement(roles))


async def enforce_route_rule(
    request: Request, caller: Annotated[Principal, Depends(authenticate)]
) -> Principal:
    """Put on every staff router: a route that declared no rule answers to admins only."""
    route = request.scope.get("route")
    if route is None or access_rule(route) is None:
        check_role(caller, ADMIN_ONLY)
    return caller


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def uvicorn_bind_host(argv: Sequence[str] | None = None) -> str | None:
    """The address this process's uvicorn command line binds to; None when this process was not
    started by the uvicorn command (tests, another server). A socket or file descriptor given
    instead of a host counts as not loopback: it may be reached from anywhere."""
    argv = list(sys.argv if argv is None else argv)
    if not argv or "uvicorn" not in Path(argv[0]).parts[-2:]:
        return None
    for i, arg in enumerate(argv):
        if arg in ("--uds", "--fd") or arg.startswith(("--uds=", "--fd=")):
            return arg
        if arg == "--host" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--host="):
            return arg.split("=", 1)[1]
    return "127.0.0.1"  # uvicorn's default


async def refuse_open_bind(ring: KeyRing, host: str | None) -> None:
    """Refuse to serve without keys on anything but loopback (raises with what to set)."""
    if host is None or is_loopback(host) or not await ring.open_mode():
        return
    raise RuntimeError(open_bind_message(host))


def open_bind_message(host: str) -> str:
    return (
        f"Refusing to listen on {host} without API keys: anyone who can reach it could use "
        "every route. Set API_KEYS (comma-separated admin keys) or create keys with "
        "`interview-backend keys create --role admin --name ...`, or listen on 127.0.0.1."
    )
