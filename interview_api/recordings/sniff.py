"""Which video container an upload is, read from its first bytes (never its name or type).

Recognised: MP4 and QuickTime MOV (ISO base media boxes), WebM and Matroska (EBML, told apart
by the DocType), AVI (RIFF), MPEG transport stream (sync bytes every 188 bytes).
"""

# Enough for every signature below, including a Matroska DocType a few elements in.
HEAD_BYTES = 4096

EXTENSIONS = {"mp4": "mp4", "mov": "mov", "webm": "webm", "mkv": "mkv", "avi": "avi", "ts": "ts"}

# `ftyp` brands of ISO files that are pictures or audio, not video.
_NON_VIDEO_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis", b"crx ", b"jp2 "}
    | {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
)
_MOV_FIRST_BOXES = frozenset({b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"})
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = b"\x42\x82"  # element id
_TS_PACKET = 188


def sniff_container(head: bytes) -> str | None:
    """The container name (`mp4`, `mov`, `webm`, `mkv`, `avi`, `ts`) or None when the bytes
    are not a video this service accepts."""
    return _iso_bmff(head) or _ebml(head) or _avi(head) or _mpeg_ts(head)


def _iso_bmff(head: bytes) -> str | None:
    if len(head) < 12:
        return None
    size = int.from_bytes(head[0:4], "big")
    box = head[4:8]
    if box == b"ftyp":
        # The whole ftyp box must be there: a few bytes of an MP4 are not a video.
        if size < 16 or size > len(head):
            return None
        brand = head[8:12]
        if brand in _NON_VIDEO_BRANDS:
            return None
        return "mov" if brand == b"qt  " else "mp4"
    if box in _MOV_FIRST_BOXES:
        return "mov" if size in (0, 1) or size >= 8 else None
    return None


def _ebml(head: bytes) -> str | None:
    """WebM or Matroska when the EBML header is complete; the DocType tells them apart
    (absent, it defaults to matroska)."""
    if not head.startswith(_EBML_MAGIC):
        return None
    size = _vint(head, len(_EBML_MAGIC))
    if size is None:
        return None
    length, body_size = size
    start = len(_EBML_MAGIC) + length
    end = start + body_size
    if end > len(head):
        return None  # a truncated header
    doctype = _ebml_child(head, start, end, _EBML_DOCTYPE)
    if doctype is None or doctype == b"matroska":
        return "mkv"
    return "webm" if doctype == b"webm" else None


def _ebml_child(head: bytes, start: int, end: int, wanted: bytes) -> bytes | None:
    """The value of the child element `wanted` between `start` and `end`, if present."""
    at = start
    while at < end:
        id_length = _vint_length(head[at])
        if id_length is None or id_length > 4:
            return None
        element_id = head[at : at + id_length]
        size = _vint(head, at + id_length)
        if size is None:
            return None
        length, value_size = size
        value_at = at + id_length + length
        if value_at + value_size > end:
            return None
        if element_id == wanted:
            return head[value_at : value_at + value_size].rstrip(b"\0")
        at = value_at + value_size
    return None


def _vint_length(first: int) -> int | None:
    for length in range(1, 9):
        if first & (0x80 >> (length - 1)):
            return length
    return None


def _vint(data: bytes, at: int) -> tuple[int, int] | None:
    """(bytes used, value) of the EBML variable-size integer at `at`; None when it is cut
    off or is the "unknown size" marker."""
    if at >= len(data):
        return None
    length = _vint_length(data[at])
    if length is None or at + length > len(data):
        return None
    value = data[at] & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    if value == (1 << (7 * length)) - 1:
        return None
    return length, value


def _avi(head: bytes) -> str | None:
    return "avi" if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"AVI " else None


def _mpeg_ts(head: bytes) -> str | None:
    # Two packets at least; a third one when the head holds it.
    if len(head) <= _TS_PACKET or head[0] != 0x47 or head[_TS_PACKET] != 0x47:
        return None
    if len(head) > 2 * _TS_PACKET and head[2 * _TS_PACKET] != 0x47:
        return None
    return "ts"
