"""Read a multipart upload straight from the request stream into a storage sink.

No `UploadFile` and no `request.form()`: Starlette would spool the whole file to a temporary file
first, a second full copy. Here the `file` part's bytes go from the socket to the storage (a
folder or an S3 multipart upload) in bounded chunks, counted (the size cap aborts the upload as
soon as it is passed) and sniffed from the first bytes (a non-video is refused before the rest
arrives). Other parts are small form fields, kept in memory up to a small limit.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio
from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from interview_api.recordings.sniff import HEAD_BYTES, sniff_container
from shared.errors import AppError, Unprocessable
from shared.storage import Batch, UploadSink

if TYPE_CHECKING:  # a typing-only name in python-multipart
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
MAX_PARTS = 16
MAX_FIELD_BYTES = 4096
# Parsed file bytes handed to the sink at once. Larger batches cost more than they save: each is
# a fresh allocation the event loop fills (4 MiB ones cost the loop 2.5 times the CPU time).
BATCH_BYTES = 1024 * 1024
# One batch may wait in the hand-over while the sink writes another and the reader fills a
# third, which smooths out stalls; memory stays at a few batches whatever the upload's size.
BATCHES_AHEAD = 1


class UploadTooLarge(AppError):
    status = 413
    code = "upload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The recording is larger than the limit of {limit} bytes (MAX_UPLOAD_BYTES). "
            "Send a shorter or more compressed video, or raise the limit."
        )


def unsupported_media(code: str, message: str) -> AppError:
    return AppError(message, code=code, status=415)


def not_a_video() -> AppError:
    return unsupported_media(
        "unsupported_media",
        "The file is not a video this service accepts (MP4, MOV, WebM, Matroska, AVI "
        "or MPEG-TS, recognised from its content). Send the recording itself.",
    )


def too_large_by_header(content_length: str | None, limit: int) -> bool:
    """True when the declared body size already rules out a file within `limit`."""
    # Allow for the multipart framing around the file and a few small fields.
    allowance = MAX_PARTS * (MAX_FIELD_BYTES + 1024)
    try:
        return content_length is not None and int(content_length) > limit + allowance
    except ValueError:
        return False


@dataclass
class ReceivedForm:
    """What arrived besides the file's bytes (those are in the sink)."""

    container: str
    filename: str | None
    fields: dict[str, str]


class UploadIdle(AppError):
    status = 408
    code = "upload_idle_timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The upload sent nothing for {seconds:g} s (UPLOAD_IDLE_TIMEOUT_SECONDS), so it was "
            "closed and what had arrived was removed. Send the recording again.",
            headers={"Connection": "close"},
        )


async def _chunks(request: Request, idle_timeout: float) -> AsyncIterator[bytes]:
    """The body's chunks; 408 `upload_idle_timeout` when none arrives for `idle_timeout`."""
    stream = request.stream().__aiter__()
    while True:
        try:
            async with asyncio.timeout(idle_timeout):
                chunk = await anext(stream)
        except StopAsyncIteration:
            return
        except TimeoutError:
            raise UploadIdle(idle_timeout) from None
        yield chunk


async def receive_upload(
    request: Request,
    open_sink: Callable[[str], UploadSink],
    *,
    max_bytes: int,
    idle_timeout: float = 30.0,
) -> tuple[ReceivedForm, UploadSink]:
    """Stream the request's `file` part into a sink that `open_sink(container)` opens once the
    container is sniffed from the first bytes (so its key can carry the right extension).

    Receiving and parsing (here, on the event loop) overlap with hashing and writing (the
    sink's threads): parsed bytes are handed over in `BATCH_BYTES` batches, one being written
    while the next ones fill, so memory stays flat whatever the size.

    Returns the form and the sink, written but not committed: the caller commits or aborts it.
    Raises 408 `upload_idle_timeout` (nothing arrived for `idle_timeout` seconds), 413
    `upload_too_large`, 415 `unsupported_media` / `multipart_required`, 422
    `file_missing` / `empty_file` / `invalid_multipart` and the like, having aborted the sink.
    """
    reader = _FormReader(_boundary(request), max_bytes)
    sink: UploadSink | None = None
    send, receive = anyio.create_memory_object_stream[bytearray](max_buffer_size=BATCHES_AHEAD)

    async def write_out() -> None:
        nonlocal sink
        async with receive:
            async for batch in receive:
                if sink is None:
                    assert reader.container is not None  # batches start once it is sniffed
                    sink = open_sink(reader.container)
                await sink.write(batch)

    writer = asyncio.create_task(write_out())

    async def hand_over(batch: bytearray) -> None:
        try:
            await send.send(batch)
        except anyio.BrokenResourceError:
            await writer  # the writer stopped: raise its error
            raise

    try:
        async with send:
            async for chunk in _chunks(request, idle_timeout):
                reader.feed(chunk)
                if reader.container is not None:
                    for batch in reader.take_full():
                        await hand_over(batch)
            if not reader.ended:
                raise Unprocessable(
                    "The multipart body ended before its closing boundary; send the whole form "
                    "again.",
                    code="invalid_multipart",
                )
            if not reader.file_seen or reader.container is None:
                raise Unprocessable(
                    f"The form has no `{FILE_FIELD}` part; send the video as the `{FILE_FIELD}` "
                    "field.",
                    code="file_missing",
                )
            for batch in reader.take_full():
                await hand_over(batch)
            await hand_over(reader.take_rest())  # the rest, or an empty batch: opens the sink
        await writer
    except BaseException:
        writer.cancel()
        with contextlib.suppress(BaseException):
            await writer
        if sink is not None:
            await sink.abort()
        raise
    assert sink is not None
    return ReceivedForm(reader.container, reader.filename, reader.fields), sink


def _boundary(request: Request) -> bytes:
    content_type, options = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data":
        raise unsupported_media(
            "multipart_required",
            f"Send the recording as multipart/form-data with a `{FILE_FIELD}` part.",
        )
    boundary = options.get(b"boundary")
    if not boundary:
        raise Unprocessable(
            "The multipart/form-data Content-Type has no boundary.", code="invalid_multipart"
        )
    return boundary


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_name: bytearray = field(default_factory=bytearray)
    header_value: bytearray = field(default_factory=bytearray)
    name: str = ""
    is_file: bool = False
    value: bytearray = field(default_factory=bytearray)


class _FormReader:
    """Callbacks for python-multipart's streaming parser. They run synchronously inside
    `feed`; file bytes are copied once, into fixed-size batches that wait until the caller
    takes them (`take_full`, then `take_rest`)."""

    def __init__(self, boundary: bytes, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._batch = Batch(BATCH_BYTES)
        self._full: list[bytearray] = []
        self.head = bytearray()
        self.container: str | None = None
        self.file_seen = False
        self.file_size = 0
        self.filename: str | None = None
        self.fields: dict[str, str] = {}
        self.ended = False
        self._parts = 0
        self._part = _Part()
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        try:
            self._parser = MultipartParser(boundary, callbacks)
        except ValueError as exc:
            raise Unprocessable(
                "The multipart boundary is not valid.", code="invalid_multipart"
            ) from exc

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise Unprocessable(
                "The multipart/form-data body is malformed; let the HTTP client build it.",
                code="invalid_multipart",
            ) from exc

    def take_full(self) -> list[bytearray]:
        """The batches filled so far, each `BATCH_BYTES` long."""
        full, self._full = self._full, []
        return full

    def take_rest(self) -> bytearray:
        """What the last, partly filled batch holds."""
        return self._batch.take()

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise Unprocessable(f"The form has more than {MAX_PARTS} parts.", code="too_many_parts")
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._part.header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._part.header_value += data[start:end]

    def _on_header_end(self) -> None:
        part = self._part
        part.headers[bytes(part.header_name).lower()] = bytes(part.header_value)
        part.header_name.clear()
        part.header_value.clear()

    def _on_headers_finished(self) -> None:
        part = self._part
        _, options = parse_options_header(part.headers.get(b"content-disposition"))
        part.name = _decode(options.get(b"name", b""))
        filename = options.get(b"filename")
        if part.name == FILE_FIELD:
            if self.file_seen:
                raise Unprocessable(
                    f"Send one `{FILE_FIELD}` part per request.", code="too_many_files"
                )
            part.is_file = self.file_seen = True
            self.filename = _decode(filename) if filename is not None else None
        elif filename is not None:
            raise Unprocessable(
                f"The form sends a file as `{part.name}`; send the video as the "
                f"`{FILE_FIELD}` field.",
                code="unexpected_file_field",
            )

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if not part.is_file:
            part.value += data[start:end]
            if len(part.value) > MAX_FIELD_BYTES:
                raise Unprocessable(
                    f"The form field `{part.name}` is longer than {MAX_FIELD_BYTES} bytes.",
                    code="field_too_large",
                )
            return
        self.file_size += end - start
        if self.file_size > self.max_bytes:
            raise UploadTooLarge(self.max_bytes)
        view = memoryview(data)[start:end]
        while view:  # one copy per byte, into a batch of fixed size (no growing buffer)
            view = self._batch.fill(view)
            if self._batch.full:
                self._full.append(self._batch.take())
        if self.container is None and len(self.head) < HEAD_BYTES:
            self.head += data[start : min(end, start + HEAD_BYTES - len(self.head))]
            if len(self.head) >= HEAD_BYTES:
                self._sniff()

    def _on_part_end(self) -> None:
        part = self._part
        if part.is_file:
            if self.file_size == 0:
                raise Unprocessable(
                    "The uploaded file is empty; send the recorded video.", code="empty_file"
                )
            if self.container is None:
                self._sniff()
        elif part.name:
            self.fields[part.name] = _decode(bytes(part.value))

    def _on_end(self) -> None:
        self.ended = True

    def _sniff(self) -> None:
        self.container = sniff_container(bytes(self.head))
        if self.container is None:
            raise not_a_video()


def _decode(raw: bytes) -> str:
    # Browsers send UTF-8 names; anything that is not UTF-8 is kept readable, not rejected.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
