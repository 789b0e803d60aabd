"""`interview-analysis`: analyse a local video file, or run the analysis worker on its own.

interview-analysis analyze answer.webm --question "Tell me about a hard bug you fixed."
    (the copies uploaded to providers are deleted afterwards; --keep-remote leaves them)
interview-analysis worker
"""

import argparse
import asyncio
import hashlib
import json
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from analysis.merge import StoredAnalysis, StoredStep, merge
from analysis.providers.base import AnalysisProvider, ProviderFailure, VideoInput
from analysis.registry import build_providers, keeps_copies, remote_ids_of
from analysis.runner import MemoryStepStore, run_providers
from analysis.service import sweep_orphan_results
from analysis.worker import AnalysisWorker
from shared.db import Database, new_id
from shared.logging import configure_logging
from shared.metrics import ProcessMetricsServer
from shared.migrations import upgrade
from shared.settings import Settings, get_settings
from shared.storage import storage_from_settings


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


async def analyze_file(
    path: Path,
    question: str | None,
    settings: Settings,
    *,
    keep_remote: bool = False,
    providers: Sequence[AnalysisProvider] | None = None,
    report: TextIO = sys.stderr,
) -> dict[str, object]:
    """Run every configured provider on `path` and return the merged document (as JSON data).
    What a provider keeps (a Twelve Labs asset) is deleted afterwards unless `keep_remote`;
    `report` says what was deleted and what was left at the providers."""
    created_at = datetime.now(UTC)
    analysis_id = new_id()
    stat = await asyncio.to_thread(path.stat)
    video = VideoInput(
        path=path,
        size_bytes=stat.st_size,
        sha256=await asyncio.to_thread(_sha256, path),
        container=path.suffix.lstrip(".").lower() or "unknown",
        analysis_id=analysis_id,
        recording_id=path.name,
        question_text=question,
        analysis_policy=settings.analysis_policy,
    )
    providers = list(providers if providers is not None else build_providers(settings))
    store = MemoryStepStore()
    try:
        await run_providers(video, providers, store)
    finally:
        try:
            await clean_up_remote(providers, store, keep=keep_remote, report=report)
        finally:
            for provider in providers:
                await provider.aclose()
    steps = [
        StoredStep(
            provider=name,
            status=outcome.status,
            section=outcome.section,
            error_code=outcome.error_code,
            error_message=outcome.error_message,
            remote_ids=outcome.remote_ids,
            attempts=store.snapshots[name].attempts,
            notes=outcome.notes,
        )
        for name, outcome in store.outcomes.items()
    ]
    stored = StoredAnalysis(
        analysis_id=analysis_id,
        interview_id="local",
        recording_id=path.name,
        question_id=None,
        question_text=question,
        created_at=created_at,
        completed_at=datetime.now(UTC),
        started=True,
        policy=settings.analysis_policy,
    )
    return merge(stored, steps).model_dump(mode="json")


async def clean_up_remote(
    providers: Sequence[AnalysisProvider], store: MemoryStepStore, *, keep: bool, report: TextIO
) -> None:
    """Delete what each provider kept of the file, or say what was left and where."""
    for provider in providers:
        name = provider.spec.name
        snapshot = store.snapshots.get(name)
        if snapshot is None or not snapshot.state or not keeps_copies(name):
            continue
        held = remote_ids_of(name, snapshot.state) or dict(snapshot.state)
        described = ", ".join(f"{key} {value}" for key, value in held.items())
        if keep:
            report.write(f"left at {name} (--keep-remote): {described}\n")
            continue
        try:
            await provider.delete_remote(snapshot.state)
        except ProviderFailure as exc:
            report.write(f"left at {name}, deletion failed ({exc.code}): {described}\n")
        else:
            report.write(f"deleted at {name}: {described}\n")


async def run_worker(settings: Settings) -> None:
    db = Database(settings.database_url_for("interview_api"))
    if settings.auto_migrate:
        await upgrade(db, "interview_api")  # the worker shares the interview API's database
    storage = storage_from_settings(settings)
    await sweep_orphan_results(db, storage, settings.orphan_grace_seconds)
    worker = AnalysisWorker.from_settings(db, settings, build_providers(settings), storage)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    metrics = None
    if settings.worker_metrics_port is not None:
        # a worker has no HTTP app: its provider metrics get a port of their own
        metrics = ProcessMetricsServer(settings.worker_metrics_port, "0.0.0.0")  # noqa: S104
    worker.start()
    try:
        await stop.wait()
    finally:
        await worker.stop()
        await storage.aclose()
        await db.dispose()
        if metrics is not None:
            metrics.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="interview-analysis",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    analyze = sub.add_parser("analyze", help="analyse a local video file and print the JSON")
    analyze.add_argument("file", type=Path)
    analyze.add_argument("--question", help="the interview question the video answers")
    analyze.add_argument(
        "--keep-remote",
        action="store_true",
        help="leave the uploaded copies at the providers (they are deleted by default)",
    )
    sub.add_parser("worker", help="run the analysis worker (SIGTERM stops it gracefully)")
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    if args.command == "analyze":
        if not args.file.is_file():
            parser.error(f"no such file: {args.file}")
        document = asyncio.run(
            analyze_file(args.file, args.question, settings, keep_remote=args.keep_remote)
        )
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
        sys.exit(0 if document["status"] in ("succeeded", "partial") else 1)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
