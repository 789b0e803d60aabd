"""What an id may look like, and how one goes into another service's URL.

Ids are what these services hand out (UUIDs) or what a client names its own things with: 1-128
letters, digits and `_ . : -`, starting with a letter or digit, so `.` and `..` are never ids.
In a URL an id is always one encoded path segment (`path_segment`), so no id can reach another
route of the service it is sent to.
"""

import re
from urllib.parse import quote

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
_ID = re.compile(ID_PATTERN)


def is_id(value: str) -> bool:
    return _ID.match(value) is not None


def path_segment(value: str) -> str:
    """`value` as one URL path segment: everything but letters, digits and `_-~` encoded, dots
    included (`%2E`), so that no HTTP client or proxy can read it as `.` or `..`."""
    return quote(value, safe="").replace(".", "%2E")
