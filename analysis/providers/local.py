"""The local provider: measures the recording itself (container, duration, speech) with PyAV.

Always configured, keeps nothing anywhere, and runs the blocking measurement in a worker thread
so the event loop stays free.
"""

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread

from analysis.canonical import Media, Speech
from analysis.media import (
    SPEECH_METHOD,
    CancelCheck,
    MediaError,
    MediaProbe,
    SpeechAnalysis,
    analyse_speech,
    probe,
)
from analysis.providers.base import (
    Checkpoint,
    ProviderFailure,
    ProviderResult,
    ProviderSpec,
    RemoteCopies,
    State,
    VideoInput,
)
from shared.settings import Settings

_T = TypeVar("_T")

# Below this much decodable media there is nothing to analyse.
MIN_MEDIA_SECONDS = 0.5
# Audio that decodes to less than this share of the stated duration: the rest is not media.
MIN_DECODED_SHARE = 0.5
# What the local measurement refuses: no provider is called and nothing is scored.
UNUSABLE_MEDIA_CODES = frozenset({"media_empty", "media_truncated"})

SPEC = ProviderSpec(
    name="local",
    title="local media analysis",
    sections={"media": Media, "speech": Speech},
    remote_copies=RemoteCopies(kept=False),
    runs_first=True,  # its probe lets the cloud providers refuse a video before any call
)


class MeasurementCancelled(Exception):
    """Raised inside the worker thread once the awaiting task has been cancelled."""


class LocalMediaProvider:
    """Probe and speech measurements of the recording, made on this machine."""

    spec = SPEC

    def __init__(self, *, max_concurrent: int = 2) -> None:
        # Decoding is CPU work: a few at a time, whatever the number of analyses in flight.
        self._limiter = anyio.CapacityLimiter(max_concurrent)

    @classmethod
    def from_settings(cls, settings: Settings) -> "LocalMediaProvider":
        """Nothing to configure: the same measurement whatever the settings."""
        return cls()

    def skip_reason(self) -> str | None:
        return None

    async def run(self, video: VideoInput, state: State, checkpoint: Checkpoint) -> ProviderResult:
        """Measure `video`; nothing to resume, so `state` and `checkpoint` go unused."""
        try:
            media_probe, speech = await in_thread(partial(_measure, video.path), self._limiter)
        except MediaError as error:
            raise ProviderFailure(error.code, error.message) from error
        if (refusal := unusable_media(media_probe, speech)) is not None:
            raise ProviderFailure(refusal.code, refusal.message)
        media = media_probe.to_media(size_bytes=video.size_bytes, sha256=video.sha256)
        return ProviderResult(
            sections={"media": media, "speech": speech.speech if speech else None},
            raw={
                "probe": media_probe.as_dict(),
                "speech": speech.as_dict() if speech else None,
                "method": SPEECH_METHOD,
            },
            notes=_notes(media_probe, speech),
        )

    async def delete_remote(self, state: State) -> None:
        return None

    async def aclose(self) -> None:
        return None


async def probe_async(path: Path) -> MediaProbe:
    """`probe` without blocking the event loop (a MediaError when the file cannot be read)."""
    return await in_thread(lambda cancel_check: probe(path, cancel_check=cancel_check))


def unusable_media(media_probe: MediaProbe, speech: SpeechAnalysis | None) -> MediaError | None:
    """Why the recording is not worth analysing, or None: no decodable media at all
    (`media_empty`), or audio that decodes to far less than the container states
    (`media_truncated`, e.g. a few valid kilobytes followed by garbage)."""
    stated = media_probe.duration_seconds
    decoded = speech.audio_seconds if speech is not None else stated
    if decoded is None or decoded < MIN_MEDIA_SECONDS:
        return MediaError(
            "media_empty",
            f"The recording holds {decoded or 0:.2f} s of decodable media (at least "
            f"{MIN_MEDIA_SECONDS} s is needed): nothing was sent to any provider. Record the "
            "answer again.",
        )
    if stated and speech is not None and speech.audio_seconds < MIN_DECODED_SHARE * stated:
        return MediaError(
            "media_truncated",
            f"The recording's audio decodes to {speech.audio_seconds:.1f} s of the {stated:.1f} s "
            "its container states: the file is damaged or cut short, so nothing was sent to any "
            "provider. Upload the complete recording again.",
        )
    return None


def _measure(path: Path, cancel_check: CancelCheck) -> tuple[MediaProbe, SpeechAnalysis | None]:
    media_probe = probe(path, cancel_check=cancel_check)
    if not media_probe.has_audio:
        return media_probe, None
    return media_probe, analyse_speech(path, cancel_check=cancel_check)


async def in_thread(
    work: Callable[[CancelCheck], _T], limiter: anyio.CapacityLimiter | None = None
) -> _T:
    """Run `work` in a worker thread; if the awaiting task is cancelled (a step deadline),
    `work` stops at its next cancel check instead of reading the rest of the file unseen."""
    cancelled = threading.Event()

    def cancel_check() -> None:
        if cancelled.is_set():
            raise MeasurementCancelled

    try:
        return await anyio.to_thread.run_sync(work, cancel_check, limiter=limiter)
    finally:
        cancelled.set()


def _notes(media_probe: MediaProbe, speech: SpeechAnalysis | None) -> list[str]:
    notes = []
    if not media_probe.has_audio:
        notes.append("The recording has no audio track: speech was not measured.")
    if not media_probe.has_video:
        notes.append("The recording has no video track.")
    if media_probe.duration_source == "packets":
        notes.append("The header states no duration: it was read from the packet timestamps.")
    if speech is not None and media_probe.duration_seconds is not None:
        missing = media_probe.duration_seconds - speech.audio_seconds
        if missing > max(1.0, 0.05 * media_probe.duration_seconds):
            notes.append(
                f"The audio decodes to {speech.audio_seconds:.1f} s of the "
                f"{media_probe.duration_seconds:.1f} s the header states: the recording may be "
                "cut short, and the speech figures cover only the audio there is."
            )
    if speech is not None and speech.skipped_packets:
        notes.append(f"{speech.skipped_packets} damaged audio packet(s) were skipped.")
    return notes
