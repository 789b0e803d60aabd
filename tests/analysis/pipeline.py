"""The pipeline's test kit: scripted providers, a real SQLite database, a worker that never
waits, and the steps an upload and an erasure take.

A scripted provider behaves like a cloud adapter: it "uploads" once (recording an asset id
through the checkpoint before it waits) and then answers as scripted.
"""

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import update

from analysis import service
from analysis.canonical import (
    Assessment,
    Behavior,
    Media,
    Signal,
    Speech,
)
from analysis.models import OutboxItem
from analysis.outbox import OutboxPolicy
from analysis.providers.base import ProviderFailure, ProviderResult, VideoInput
from analysis.registry import SPECS
from analysis.runner import StepPolicy
from analysis.worker import AnalysisWorker
from interview_api.recordings.models import Recording
from shared.db import Database, utcnow
from shared.http import RetryPolicy
from shared.settings import Settings
from shared.storage import LocalStorage

MEDIA = Media(
    duration_seconds=12.0,
    width=640,
    height=480,
    has_audio=True,
    has_video=True,
    container="webm",
    size_bytes=1000,
    sha256="ab" * 32,
)
SPEECH = Speech(
    speaking_seconds=9.0,
    speaking_ratio=0.75,
    pause_count=2,
    longest_pause_seconds=1.1,
    mean_loudness_dbfs=-21.5,
)


class Scripted:
    """A provider whose answers are scripted: results or failures, in order."""

    def __init__(
        self,
        name: str,
        script: list[Any],
        *,
        skip: str | None = None,
        state: dict[str, Any] | None = None,
    ):
        self.name = name
        self.spec = SPECS[name]
        self.script = script
        self.skip = skip
        self.extra_state = state or {}  # what the adapter also saves with its asset id
        self.started = asyncio.Event()
        self.before_upload: asyncio.Event | None = None  # the upload waits for it when set
        self.created: list[str] = []  # asset ids, as the provider would hold them
        self.uploads = 0
        self.runs = 0
        self.deleted: list[dict[str, Any]] = []
        self.delete_failures = 0
        self.waiting = asyncio.Event()
        self.release: asyncio.Event | None = None
        self.seen: list[VideoInput] = []

    def skip_reason(self) -> str | None:
        return self.skip

    async def run(
        self, video: VideoInput, state: dict[str, Any], checkpoint: Any
    ) -> ProviderResult:
        self.runs += 1
        self.seen.append(video)
        self.started.set()
        if self.name != "local" and "asset_id" not in state:
            if self.before_upload is not None:
                await self.before_upload.wait()
            self.uploads += 1
            asset_id = f"asset-{video.recording_id}"
            self.created.append(asset_id)
            await checkpoint({**state, **self.extra_state, "asset_id": asset_id})
        self.waiting.set()
        if self.release is not None:
            await self.release.wait()
        outcome = self.script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, ProviderResult)
        return outcome

    async def delete_remote(self, state: dict[str, Any]) -> None:
        if self.delete_failures:
            self.delete_failures -= 1
            raise ProviderFailure("provider_unavailable", "try later", retryable=True)
        self.deleted.append(state)

    async def aclose(self) -> None:
        pass


LOCAL_SECTION = {"media": MEDIA.model_dump(mode="json"), "speech": SPEECH.model_dump(mode="json")}


def local_ok() -> ProviderResult:
    return ProviderResult(sections={"media": MEDIA, "speech": SPEECH}, raw={"probe": {}})


def tl_ok() -> ProviderResult:
    return ProviderResult(
        sections={
            "assessment": Assessment(
                confidence=8, clarity=7, key_points=["caching"], model="pegasus1.5"
            )
        },
        raw={"analyze": {"data": "{}"}},
        remote_ids={"analyze_id": "an-1"},
    )


def ih_ok() -> ProviderResult:
    signal = Signal(type="made_up_new_type", start_seconds=1.0, end_seconds=3.0, probability="high")
    return ProviderResult(sections={"behavior": Behavior(signals=[signal])}, raw={"signals": []})


def make_worker(
    db: Database, settings: Settings, providers: list[Scripted], **kwargs: Any
) -> AnalysisWorker:
    no_wait = RetryPolicy(sleep=_no_sleep)
    kwargs.setdefault("step_policy", StepPolicy(attempts=3, backoff=no_wait))
    kwargs.setdefault("outbox_policy", OutboxPolicy(max_attempts=3))
    named = {p.spec.name for p in providers}  # the steps a test does not script are not configured
    providers = providers + [
        Scripted(name, [], skip="not configured") for name in SPECS if name not in named
    ]
    return AnalysisWorker(db, settings, providers, LocalStorage(settings.data_dir), **kwargs)


async def _no_sleep(_: float) -> None:
    return None


async def enqueue(
    db: Database, data_dir: Path, recording_id: str = "rec-1", interview_id: str = "int-1"
) -> str:
    """Queue the analysis of a stored recording, as an upload does."""
    key = f"recordings/interview_{interview_id}/{recording_id}.webm"
    (data_dir / key).parent.mkdir(parents=True, exist_ok=True)
    (data_dir / key).write_bytes(b"\x1aE\xdf\xa3 a stored recording")
    async with db.session() as session:
        return await service.enqueue(
            session,
            interview_id=interview_id,
            recording_id=recording_id,
            recording_key=key,
            size_bytes=1000,
            sha256="ab" * 32,
            container="webm",
            question_id="q1",
            question_text="How would you cache a slow endpoint?",
        )


async def document(db: Database, analysis_id: str) -> dict[str, Any]:
    async with db.session() as session:
        analysis = await service.load(session, analysis_id)
        return service.document_of(analysis).model_dump(mode="json")


async def make_due(db: Database) -> None:
    """Time passes: every outbox item waiting for its next attempt is due."""
    async with db.session() as session:
        await session.execute(update(OutboxItem).values(due_at=utcnow() - timedelta(seconds=1)))


async def provider_deletions(db: Database) -> list[dict[str, Any]]:
    async with db.session() as session:
        page = await service.remote_deletions(session, interview_id="int-1")
    return [item for item in page["items"] if item["provider"] != "storage"]


async def erase(db: Database, data_dir: Path, interview_id: str = "int-1") -> int:
    """Erase as `DELETE /interviews/{id}` does: the rows (and the outbox items) in one
    transaction, then the files; returns how many provider-side deletions were queued."""
    async with db.session() as session:
        queued = await service.erase_interview(session, interview_id)
    await service.delete_erased_files(db, LocalStorage(data_dir), interview_id)
    return queued


def stored_recording(data_dir: Path, recording_id: str, interview_id: str = "int-1") -> Recording:
    """A recording as the upload service hands it to the pipeline's hooks."""
    key = f"recordings/interview_{interview_id}/{recording_id}.webm"
    (data_dir / key).parent.mkdir(parents=True, exist_ok=True)
    (data_dir / key).write_bytes(b"\x1aE\xdf\xa3 a stored recording")
    return Recording(
        id=recording_id,
        interview_id=interview_id,
        path=key,
        size_bytes=1000,
        sha256="ab" * 32,
        container="webm",
        question_id="q1",
        question_text="How would you cache a slow endpoint?",
    )
