"""Where recordings are kept: `recordings/interview_<id>/<recording_id>.<ext>` in the storage
(the DATA_DIR folder, or an S3 bucket). Every name comes from server-side ids; the client's
filename is only ever metadata.
"""

import unicodedata

from shared.db import canonical_id

RECORDINGS_PREFIX = "recordings"
INTERVIEW_DIR_PREFIX = "interview_"


def interview_prefix(interview_id: str) -> str:
    return f"{RECORDINGS_PREFIX}/{INTERVIEW_DIR_PREFIX}{interview_id}"


def folder_of(key: str) -> str:
    """The folder a stored key is in: `recordings/interview_<id>` for a recording."""
    return key.rsplit("/", 1)[0]


def recording_key(interview_id: str, recording_id: str, extension: str) -> str:
    return f"{interview_prefix(interview_id)}/{recording_id}.{extension}"


def interview_of(key: str) -> str | None:
    """The interview id (canonical spelling) of a key under `recordings/`, or None for anything
    else."""
    parts = key.split("/")
    if len(parts) < 3 or parts[0] != RECORDINGS_PREFIX:
        return None
    folder = parts[1]
    if not folder.startswith(INTERVIEW_DIR_PREFIX):
        return None
    name = folder.removeprefix(INTERVIEW_DIR_PREFIX)
    return canonical_id(name) or name


def safe_original_filename(raw: str | None) -> str | None:
    """The client's filename reduced to a harmless label: its last path component, without
    control characters, at most 255 characters. Stored as metadata only, never used as a path."""
    if not raw:
        return None
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C")).strip()
    if name in ("", ".", ".."):
        return None
    return name[:255]
