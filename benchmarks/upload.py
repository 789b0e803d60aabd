"""Upload throughput and memory: `python -m benchmarks.upload [--mib 256] [--runs 5]`.

Starts the interview API in its own uvicorn process (real sockets, analysis worker off), streams
a large recording to it several times, and compares the time with two baselines measured in the
same run on the same file, just before each upload: reading it, hashing it (SHA-256) and writing
a copy, which is the least work any server must do to store an upload durably; and sending it to
a bare uvicorn app that drops the body, the most any endpoint served this way could reach.
Prints throughput, the ratios and the server's peak resident memory. Nothing is asserted.
"""

import argparse
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from starlette.types import Receive, Scope, Send

from tests.consent import CONSENT
from tests.videos import make_video

CHUNK = 1024 * 1024


def make_recording(folder: Path, mib: int) -> Path:
    """A real WebM head (so the container is recognised) followed by incompressible bytes."""
    head = make_video(folder / "head.webm", seconds=1.0, width=160, height=120).read_bytes()
    path = folder / "large.webm"
    with path.open("wb") as out:
        out.write(head)
        remaining = mib * CHUNK - len(head)
        block = os.urandom(CHUNK)
        while remaining > 0:
            out.write(block[: min(CHUNK, remaining)])
            remaining -= CHUNK
    return path


def baseline(path: Path, folder: Path) -> float:
    """Seconds to read, hash and durably write a copy of `path`."""
    began = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("rb") as source, (folder / "copy.bin").open("wb") as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
        target.flush()
        os.fsync(target.fileno())
    elapsed = time.perf_counter() - began
    (folder / "copy.bin").unlink()
    return elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stream(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def upload(client: httpx.Client, base: str, path: Path) -> float:
    interview = client.post(f"{base}/start-interview", json=CONSENT).json()["interview_id"]
    boundary = "benchmarkboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.webm"\r\n'
        "Content-Type: video/webm\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from stream(path)
        yield tail

    headers = {
        "content-type": f"multipart/form-data; boundary={boundary}",
        "content-length": str(len(head) + path.stat().st_size + len(tail)),
    }
    began = time.perf_counter()
    response = client.post(
        f"{base}/interviews/{interview}/recordings", content=body(), headers=headers
    )
    elapsed = time.perf_counter() - began
    response.raise_for_status()
    return elapsed


async def drain(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI app that reads a request's body and drops it: what uvicorn alone can take in on
    this machine, the most any upload endpoint could reach."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def bare_receive(client: httpx.Client, url: str, path: Path) -> float:
    """Seconds to send `path` to the `drain` app."""
    began = time.perf_counter()
    length = {"content-length": str(path.stat().st_size)}
    client.post(url, content=stream(path), headers=length).raise_for_status()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=256, help="size of the recording")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = make_recording(folder, args.mib)
        port = free_port()
        env = {
            **os.environ,
            "DATA_DIR": str(folder / "data"),
            "DATABASE_URL": "",  # never a developer's own database or bucket: empty is unset
            "STORAGE_URL": "",
            "RUN_WORKER_IN_API": "false",
            "MAX_UPLOAD_BYTES": str(4 * args.mib * CHUNK),
            "LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "uvicorn", "interview_api.main:app", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        drain_port = free_port()
        drain_app = ["benchmarks.upload:drain", "--lifespan", "off", "--log-level", "warning"]
        drainer = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "uvicorn", *drain_app, "--port", str(drain_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(timeout=600) as client:
                for ready in (f"{base}/readyz", f"http://127.0.0.1:{drain_port}/"):
                    for _ in range(100):
                        try:
                            if client.get(ready).status_code == 200:
                                break
                        except httpx.TransportError:
                            time.sleep(0.2)
                idle_rss = peak_rss_mib(server.pid)
                # each upload right after its baselines, so all meet the same machine load
                runs = [
                    (
                        baseline(path, folder),
                        bare_receive(client, f"http://127.0.0.1:{drain_port}/", path),
                        upload(client, base, path),
                    )
                    for _ in range(args.runs)
                ]
                peak = peak_rss_mib(server.pid)
        finally:
            for process in (server, drainer):
                process.terminate()
                process.wait(timeout=30)
            shutil.rmtree(folder / "data", ignore_errors=True)

    size = args.mib
    floor = min(copy for copy, _, _ in runs)
    bare = min(received for _, received, _ in runs)
    took = min(sent for _, _, sent in runs)
    print(f"recording: {size} MiB, {args.runs} runs, each upload right after its baselines")
    print(f"baseline (read + SHA-256 + fsynced copy):   {size / floor:7.1f} MiB/s (best)")
    print(f"bare HTTP receive (uvicorn, body dropped):  {size / bare:7.1f} MiB/s (best)")
    print(f"upload through the interview API:           {size / took:7.1f} MiB/s (best)")
    print(f"upload / baseline throughput:               {floor / took:7.2f} (best / best)")
    ratios = [copy / sent for copy, _, sent in runs]
    print(f"  the same, run by run:                     {statistics.median(ratios):7.2f} (median)")
    print(f"upload / bare HTTP receive:                 {bare / took:7.2f} (best / best)")
    grew = peak - idle_rss
    print(f"server peak RSS: {peak:.0f} MiB (idle {idle_rss:.0f} MiB): grew {grew:.0f} MiB")


if __name__ == "__main__":
    main()
