"""The interface every analysis provider adapter implements.

An adapter is resumable: it receives the state it saved last time (remote ids such as a Twelve
Labs asset id) and calls `checkpoint` with its new state before every wait, so the pipeline can
commit progress; after a crash, `run` is called again with the saved state and carries on instead
of uploading the same video twice.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from analysis.canonical import Assessment, Behavior, Media, ProviderName, Speech

State = dict[str, Any]
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


@dataclass
class ProviderResult:
    """A provider's normalised section plus its untouched answer(s)."""

    section: Assessment | Behavior | tuple[Media, Speech | None]
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
