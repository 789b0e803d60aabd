"""`limit` and `offset` of every list, bounded, with codes that say what is wrong.

A list route takes `page: Annotated[Page, Query()]` (or a subclass with its own default and
maximum `limit`): an offset past `MAX_OFFSET` or a limit out of range is a 422 that names the
range, never a database overflow.
"""

import re
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.errors import invalid

MAX_OFFSET = 1_000_000_000
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


class Page(BaseModel):
    """`limit` (1 to `max_limit`) items from `offset` (0 to `MAX_OFFSET`)."""

    model_config = ConfigDict(extra="ignore")
    max_limit: ClassVar[int] = 100

    limit: int = Field(default=20, ge=1, le=100, description="Items per page.")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description="Items to skip.")

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, value: Any) -> int:
        number = _whole_number(value, "limit", "limit_invalid", "limit_out_of_range")
        if not 1 <= number <= cls.max_limit:
            raise invalid("limit_out_of_range", f"limit must be between 1 and {cls.max_limit}.")
        return number

    @field_validator("offset", mode="before")
    @classmethod
    def _offset(cls, value: Any) -> int:
        number = _whole_number(value, "offset", "offset_invalid", "offset_out_of_range")
        if not 0 <= number <= MAX_OFFSET:
            raise invalid("offset_out_of_range", f"offset must be between 0 and {MAX_OFFSET}.")
        return number


class Page200(Page):
    """`limit` 1-200 (default 50) and `offset`: the lists of interviews, invitations, outboxes."""

    max_limit: ClassVar[int] = 200
    limit: int = Field(default=50, ge=1, le=200, description="Items per page.")


def _whole_number(value: Any, name: str, invalid_code: str, range_code: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        if len(value.strip()) > 30:  # no need to read a thousand digits to know it is too large
            raise invalid(range_code, f"{name} is far too large; see the range in the docs.")
        return int(value)
    raise invalid(invalid_code, f"{name} must be a whole number, e.g. {name}=20.")
