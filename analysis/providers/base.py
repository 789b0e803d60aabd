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
from pydantic import BaseModel

from analysis.canonical import Media, Transcript
from analysis.policy import PolicyName

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
    # what the providers may be asked (`analysis.policy`): the interview's, else ANALYSIS_POLICY
    analysis_policy: PolicyName = "standard"


@dataclass(frozen=True)
class MediaLimits:
    """What a provider accepts, checked before any call so a refusal costs nothing."""

    provider: str
    min_seconds: float
    max_seconds: float
    needs_audio: bool
    max_bytes: int | None = None  # above it the provider is sent a transcoded proxy


@dataclass(frozen=True)
class RemoteCopies:
    """What a provider keeps of a video after analysing it, and how erasure removes it.

    `id_keys` are the step-state keys naming the copies (e.g. `asset_id`); `deleted_by` says
    how they go (a delete call, or expiry at the provider), in words for the README and the API.
    """

    kept: bool
    id_keys: tuple[str, ...] = ()
    deleted_by: str = "nothing is kept"
    # the state key counting copies the provider may hold beyond those in `id_keys` (uploads
    # whose outcome was unknown and that could not be found again), when it can have any
    possible_copies_key: str | None = None


@dataclass(frozen=True)
class ProviderSpec:
    """What a provider contributes, declared once in its adapter module.

    The registry, the merge, the JSON Schema, the runner, erasure and the metrics read this
    instead of knowing providers by name: a new provider is one module and one registration.
    """

    name: str  # the key in `providers` of the merged document and in the step table
    title: str  # as users know it, e.g. "Twelve Labs"
    sections: Mapping[str, type[BaseModel]]  # document section -> its model
    remote_copies: RemoteCopies
    limits: MediaLimits | None = None
    # Runs before the others: its findings (the local probe) let them refuse a video early.
    runs_first: bool = False
    # Runs after the others, with the transcript (when there is one) in `VideoInput.transcript`.
    needs_transcript: bool = False

    def remote_ids(self, state: Mapping[str, Any]) -> dict[str, str]:
        """What a step's state says the provider holds: every `*_id` and the possible-copies
        count, as shown under `remote_ids` in the document."""
        keys = {key for key in state if key.endswith("_id")}
        if (count := self.remote_copies.possible_copies_key) and state.get(count):
            keys.add(count)
        return {key: str(state[key]) for key in sorted(keys) if state[key] is not None}

    def split_section(self, stored: Mapping[str, Any] | None) -> dict[str, Any]:
        """The stored step section, by document section: a provider with one section stores
        that section itself, one with several stores an object keyed by section."""
        if stored is None:
            return {}
        if len(self.sections) == 1:
            return {next(iter(self.sections)): stored}
        return {name: stored.get(name) for name in self.sections}


@dataclass
class ProviderResult:
    """A provider's normalised section(s) plus its untouched answer(s).

    `sections` maps each section the provider declares to its model, or None when the provider
    succeeded without it (no audio: no speech measurement).
    """

    sections: Mapping[str, BaseModel | None]
    raw: Any
    remote_ids: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def stored_section(self, spec: ProviderSpec) -> dict[str, Any] | None:
        """The JSON a step stores: the inverse of `ProviderSpec.split_section`."""
        dumped = {
            name: model.model_dump(mode="json") if model is not None else None
            for name, model in self.sections.items()
        }
        if len(spec.sections) == 1:
            return dumped.get(next(iter(spec.sections)))
        return {name: dumped.get(name) for name in spec.sections}


class StepSkipped(Exception):
    """This answer gives the provider nothing to work on (e.g. no transcript to evaluate): the
    step is `skipped` with `reason`, neither failed nor faked."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
    spec: ProviderSpec

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
