"""Provider fakes served over real HTTP, so that separate processes can reach them.

The fakes in `tests/analysis/fakes` are `httpx` handlers. `serve_standin(handler)` puts one behind
a small ASGI app served by uvicorn on a free 127.0.0.1 port, in a background thread of the test
process: the fake's counters then count what the other processes sent, and every upload's file
is fingerprinted (SHA-256) so a test can tell which recording reached the provider, even when
the adapter does not send the recording's name.
"""

import email.parser
import email.policy
import hashlib
import inspect
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.types import Receive, Scope, Send

Handler = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]

# Hop-by-hop framing: the body is passed on whole, so these no longer describe it.
_FRAMING = {"transfer-encoding", "connection"}


@dataclass(frozen=True)
class Upload:
    """A multipart request that carried a file, and what the fake answered."""

    path: str
    status: int
    file_name: str | None
    sha256: str


@dataclass
class StandIn:
    """A fake provider listening on `url`; `uploads` lists every file sent to it, in order."""

    url: str
    uploads: list[Upload] = field(default_factory=list)

    def accepted(self) -> list[Upload]:
        """The uploads the fake accepted (2xx)."""
        return [upload for upload in self.uploads if 200 <= upload.status < 300]


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _uploaded_file(request: httpx.Request) -> tuple[str | None, bytes] | None:
    """The file part of a multipart/form-data request: its name and bytes."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return None
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.content
    )
    for part in message.iter_parts():
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        if filename is not None and isinstance(payload, bytes):
            return filename, payload
    return None


def _asgi(handler: Handler, standin: StandIn) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """An ASGI app that hands each request, read whole, to `handler` and sends back its answer."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        target = scope.get("raw_path") or scope["path"].encode()
        if scope["query_string"]:
            target += b"?" + scope["query_string"]
        request = httpx.Request(
            scope["method"],
            standin.url + target.decode("latin-1"),
            headers=[
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in scope["headers"]
                if name.decode("latin-1").lower() not in _FRAMING
            ],
            content=bytes(body),
        )
        answer = handler(request)
        response = await answer if inspect.isawaitable(answer) else answer
        content = await response.aread()
        if (upload := _uploaded_file(request)) is not None:
            name, data = upload
            standin.uploads.append(
                Upload(
                    request.url.path, response.status_code, name, hashlib.sha256(data).hexdigest()
                )
            )
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [
                    (name, value)
                    for name, value in response.headers.raw
                    if name.decode("latin-1").lower() not in _FRAMING
                ],
            }
        )
        await send({"type": "http.response.body", "body": content})

    return app


@contextmanager
def serve_standin(handler: Handler, *, start_timeout: float = 10.0) -> Iterator[StandIn]:
    """Serve `handler` on a free loopback port until the block ends. The fakes look only at the
    path of their own base URL, so a fake made with the default one serves as it is."""
    sock = _free_socket()
    host, port = sock.getsockname()
    standin = StandIn(url=f"http://{host}:{port}")
    config = uvicorn.Config(
        _asgi(handler, standin),
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"standin-{port}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the stand-in on port {port} did not start")
            time.sleep(0.01)
        yield standin
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
