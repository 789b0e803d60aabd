"""Who is reviewing: the name a stored staff key carries; for keys without a person's name (open
mode on this machine, the `API_KEYS` bootstrap keys) the `reviewer` the body gives, else 422
`reviewer_required`."""

from shared.audit.actor import Actor
from shared.auth import Principal
from shared.errors import Unprocessable


def key_holder(caller: Principal) -> str | None:
    """The person's name when the key is one of the stored, named keys."""
    return caller.name if caller.key_id is not None else None


def reviewer_name(caller: Principal, given: str | None) -> str:
    name = key_holder(caller) or (given.strip() if given else None)
    if not name:
        raise Unprocessable(
            "Say who is reviewing: send `reviewer` with your name (a named staff key, from "
            "`interview-backend keys create --name`, does this for you).",
            code="reviewer_required",
        )
    return name


def reviewing_actor(caller: Principal, given: str | None) -> Actor:
    """The reviewer as the audit trail names them: their name and their key's role."""
    return Actor(reviewer_name(caller, given), caller.role.value)
