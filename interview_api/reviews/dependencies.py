"""Who is reviewing: the name the staff key carries when it has one, else the `reviewer` the
body gives (open mode and bootstrap keys carry no person's name), else 422 `reviewer_required`."""

from fastapi import Request

from shared.errors import Unprocessable


def key_holder(request: Request) -> str | None:
    """The signed-in person's name, when the authentication in front of the route set one."""
    principal = getattr(request.state, "principal", None)
    name = getattr(principal, "name", None)
    return name if isinstance(name, str) and name else None


def reviewer_name(request: Request, given: str | None) -> str:
    name = key_holder(request) or (given.strip() if given else None)
    if not name:
        raise Unprocessable(
            "Say who is reviewing: send `reviewer` with your name (a named staff key does this "
            "for you).",
            code="reviewer_required",
        )
    return name
