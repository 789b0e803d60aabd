"""The interface every analysis provider adapter implements.

An adapter is resumable: it receives the state it saved last time (remote ids such as a Twelve
Labs asset id) and calls `checkpoint` with its new state before every wait, so the pipeline can
commit progress; after a crash, `run` is called again with the saved state and carries on instead
of uploading the same video twice.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
import httpx

from analysis.canonical import (
    Assessment,
    Behavior,
    Evaluation,
    Media,
    ProviderName,
    Speech,
    Transcript,
)

State = dict[str, Any]

# the containers an upload may have (named as the upload's sniffer names them), as MIME types
VIDEO_CONTENT_TYPES = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
    "mkv": "video/x-matroska",
    "avi": "video/x-msvideo",
    "ts": "video/mp2t",
}


def video_content_type(filename: str) -> str:
    extension = filename.rpartition(".")[2].lower()
    return VIDEO_CONTENT_TYPES.get(extension, "application/octet-stream")


Checkpoint = Callable[[State], Awaitable[None]]


@dataclass(frozen=True)
class VideoInput:
    """What a provider is asked to analyse."""

    path: Path
    size_bytes: int
    sha256: str
    container: str
    analysis_id: str
    recording_id: str
    question_text: str | None = None
    media: Media | None = None  # the local probe, when it has run
    url: str | None = None  # a presigned link to the recording, when the storage can make one
    # the question's position, competency and expected points (interview snapshot), if known
    question_details: Mapping[str, Any] | None = None
    transcript: Transcript | None = None  # for steps that run after the transcription


@dataclass
class ProviderResult:
    """A provider's normalised section plus its untouched answer(s)."""

    section: Assessment | Behavior | Transcript | Evaluation | tuple[Media, Speech | None]
    raw: Any
    remote_ids: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class ProviderFailure(Exception):
    """The provider cannot analyse this video: carries the provider's own code and message.

    `retryable` failures (rate limits, outages) may succeed later; others (a rejected video, bad
    credentials) will not.
    """

    def __init__(self, code: str, message: str, *, retryable: bool = False, raw: Any = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable
        self.raw = raw


class AnalysisProvider(Protocol):
    name: ProviderName

    def skip_reason(self) -> str | None:
        """Why this provider is not configured (e.g. no API key), or None when it is."""
        ...

    async def run(self, video: VideoInput, state: State, checkpoint: Checkpoint) -> ProviderResult:
        """Analyse `video`, resuming from `state`; raise `ProviderFailure` when it cannot."""
        ...

    async def delete_remote(self, state: State) -> None:
        """Delete what this provider keeps of the video (erasure). No-op when it keeps nothing."""
        ...

    async def aclose(self) -> None: ...


def json_object(response: httpx.Response, *, code: str, message: str) -> dict[str, Any]:
    """The answer's JSON object; anything else (truncated, an HTML error page from a proxy) is
    a retryable `ProviderFailure` with `code` and `message`, keeping the start of the text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProviderFailure(code, message, retryable=True, raw=response.text[:2000])
    return body


@dataclass(frozen=True)
class MediaLimits:
    """What a provider accepts, checked before any call so a refusal costs nothing."""

    provider: str
    min_seconds: float
    max_seconds: float
    needs_audio: bool


async def check_limits(video: VideoInput, limits: MediaLimits) -> float | None:
    """Refuse what `limits.provider` would refuse: no picture, no sound (when it needs sound),
    too short or too long. Uses the local probe's findings; probes the file only when the local
    step could not. Returns the duration when known."""
    from analysis.media import MediaError, probe  # PyAV: loaded only where a probe may run

    media: Any = video.media
    if media is None:
        try:
            media = await anyio.to_thread.run_sync(probe, video.path)
        except MediaError as exc:
            raise ProviderFailure(exc.code, exc.message) from exc
    name = limits.provider
    if not media.has_video:
        raise ProviderFailure("no_video", f"The recording has no picture; {name} needs one.")
    if limits.needs_audio and not media.has_audio:
        raise ProviderFailure("no_audio", f"The recording has no sound; {name} needs it.")
    duration: float | None = media.duration_seconds
    if duration is not None and duration < limits.min_seconds:
        raise ProviderFailure(
            "too_short",
            f"The recording is {duration:.1f}s long; {name} needs at least "
            f"{limits.min_seconds:.0f}s.",
        )
    if duration is not None and duration > limits.max_seconds:
        raise ProviderFailure(
            "too_long",
            f"The recording is {duration / 60:.0f} min long; {name} accepts at most "
            f"{limits.max_seconds / 60:.0f} min. Record answers separately.",
        )
    return duration
