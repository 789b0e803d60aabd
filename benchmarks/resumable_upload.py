"""Resumable (tus) upload throughput and memory: `python -m benchmarks.resumable_upload
[--mib 256] [--chunk-mib 5] [--runs 3]`.

Starts both services in their own uvicorn processes (real sockets, analysis worker off), invites
a candidate to an approved question set, and uploads a large recording as the candidate page
does: tus PATCHes of `--chunk-mib` each. Compares it, in the same run, with the one-shot
multipart upload of the same file, with reading, hashing and durably copying it, and with the
same copy fsynced after every PATCH-sized piece (the least a resumable upload must do to answer
each PATCH with an offset that survives a crash). Prints
throughput, the ratios and the server's peak resident memory. Nothing is asserted.
"""

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.upload import CHUNK, baseline, free_port, make_recording, peak_rss_mib, upload

TUS = {"Tus-Resumable": "1.0.0"}


@contextmanager
def service(module: str, env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "uvicorn", f"{module}:app", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def fsync_per_chunk(path: Path, folder: Path, chunk: int) -> float:
    """Seconds to copy `path` with an fsync after every `chunk` (what a resumable upload must
    do to answer each PATCH with a durable offset), then read and hash it once."""
    began = time.perf_counter()
    copy = folder / "copy.bin"
    with path.open("rb") as source, copy.open("wb") as target:
        while data := source.read(chunk):
            target.write(data)
            target.flush()
            os.fsync(target.fileno())
    digest = hashlib.sha256()
    with copy.open("rb") as again:
        while data := again.read(CHUNK):
            digest.update(data)
    elapsed = time.perf_counter() - began
    copy.unlink()
    return elapsed


def approved_set(client: httpx.Client, questions: str) -> str:
    generated = client.post(
        f"{questions}/generate",
        json={"job_description": "Python developer with Django, PostgreSQL and AWS skills."},
    ).json()
    set_id = str(generated["question_set_id"])
    client.post(f"{questions}/question-sets/{set_id}/approve", json={"reviewer": "bench"})
    return set_id


def tus_upload(client: httpx.Client, base: str, set_id: str, path: Path, chunk: int) -> float:
    """Seconds for one answer through POST + PATCHes, as the candidate page sends it."""
    invitation = client.post(
        f"{base}/invitations", json={"question_set_id": set_id, "candidate": {"name": "Bench"}}
    ).json()
    token = invitation["url"].rsplit("/", 1)[-1]
    auth = {"Authorization": f"Bearer {token}"}
    notice = client.get(f"{base}/candidate/interview", headers=auth).json()["notice"]
    client.post(
        f"{base}/candidate/consent",
        json={"given": True, "notice_version": notice["version"]},
        headers=auth,
    )
    question = client.post(f"{base}/candidate/start", headers=auth).json()["questions"][0]["id"]
    size = path.stat().st_size
    encoded = base64.b64encode(question.encode()).decode()
    began = time.perf_counter()
    created = client.post(
        f"{base}/candidate/uploads",
        headers={
            **TUS,
            **auth,
            "Upload-Length": str(size),
            "Upload-Metadata": f"question_id {encoded}",
        },
    )
    created.raise_for_status()
    location = base + created.headers["location"]
    offset = 0
    with path.open("rb") as source:
        while offset < size:
            data = source.read(chunk)
            answer = client.patch(
                location,
                content=data,
                headers={
                    **TUS,
                    **auth,
                    "Content-Type": "application/offset+octet-stream",
                    "Upload-Offset": str(offset),
                },
            )
            answer.raise_for_status()
            offset = int(answer.headers["upload-offset"])
    assert answer.headers.get("x-recording-id")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=256, help="size of the recording")
    parser.add_argument("--chunk-mib", type=int, default=5, help="bytes per PATCH")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = make_recording(folder, args.mib)
        env = {
            **os.environ,
            "DATA_DIR": str(folder / "data"),
            "DATABASE_URL": "",  # never a developer's own database or bucket: empty is unset
            "STORAGE_URL": "",
            "API_KEYS": "",
            "RUN_WORKER_IN_API": "false",
            "MAX_UPLOAD_BYTES": str(4 * args.mib * CHUNK),
            "LOG_LEVEL": "WARNING",
        }
        with service("question_api.main", env) as (questions, _):
            interview_env = {**env, "QUESTION_API_URL": questions}
            with (
                service("interview_api.main", interview_env) as (base, server),
                httpx.Client(timeout=600) as client,
            ):
                set_id = approved_set(client, questions)
                idle_rss = peak_rss_mib(server.pid)
                floor = min(baseline(path, folder) for _ in range(args.runs))
                chunked = min(
                    fsync_per_chunk(path, folder, args.chunk_mib * CHUNK) for _ in range(args.runs)
                )
                one_shot = min(upload(client, base, path) for _ in range(args.runs))
                resumable = min(
                    tus_upload(client, base, set_id, path, args.chunk_mib * CHUNK)
                    for _ in range(args.runs)
                )
                peak = peak_rss_mib(server.pid)
        shutil.rmtree(folder / "data", ignore_errors=True)

    size = args.mib
    print(f"recording: {size} MiB, PATCHes of {args.chunk_mib} MiB, best of {args.runs} runs")
    print(f"baseline (read + SHA-256 + fsynced copy): {size / floor:7.1f} MiB/s")
    print(f"baseline with an fsync every PATCH size:  {size / chunked:7.1f} MiB/s")
    print(f"one-shot multipart upload:                {size / one_shot:7.1f} MiB/s")
    print(f"resumable upload (tus):                   {size / resumable:7.1f} MiB/s")
    print(f"tus / fsync-every-PATCH baseline:         {chunked / resumable:7.2f}")
    print(f"server peak RSS: {peak:.0f} MiB (idle {idle_rss:.0f} MiB) for {size} MiB uploads")


if __name__ == "__main__":
    main()
