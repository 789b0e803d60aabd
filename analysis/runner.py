"""Running the providers on one video: the part the worker and the command line share.

The local measurement runs first (seconds) because its probe lets the cloud providers refuse a
video they cannot take before any call; then every cloud provider runs concurrently. Each step's
progress goes through a `StepStore`, which the worker backs with the database (committed before
every wait) and the command line with memory.
"""

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from analysis.canonical import Media, ProviderName, ProviderStatus, Transcript
from analysis.providers.base import AnalysisProvider, ProviderFailure, ProviderResult, VideoInput
from shared.http import RetryPolicy
from shared.metrics import observe_provider_call

logger = logging.getLogger(__name__)


@dataclass
class StepSnapshot:
    status: ProviderStatus
    state: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    section: dict[str, Any] | None = None


@dataclass
class StepOutcome:
    status: ProviderStatus
    section: dict[str, Any] | None = None
    raw: Any = None
    remote_ids: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None


class StepStore(Protocol):
    async def load(self, provider: str) -> StepSnapshot: ...

    async def begin_attempt(self, provider: str, attempts: int) -> None: ...

    async def checkpoint(self, provider: str, state: dict[str, Any]) -> None: ...

    async def finish(self, provider: str, outcome: StepOutcome) -> None: ...


@dataclass(frozen=True)
class StepPolicy:
    """How a step that failed for a passing reason (rate limit, outage) is tried again.

    Each request is already retried by the adapter (shared/http.py), so a step is run again only
    once, later. The deadline is the outer safety net: longer than any adapter's own deadlines
    (transcode, upload, readiness, analysis: about 70 min at most), which fire first with their
    own codes.
    """

    attempts: int = 2
    deadline_seconds: float = 2 * 3600
    backoff: RetryPolicy = field(default_factory=lambda: RetryPolicy(base_delay=5, max_delay=120))


FINAL = (ProviderStatus.SUCCEEDED, ProviderStatus.FAILED, ProviderStatus.SKIPPED)


def section_json(result: ProviderResult) -> dict[str, Any]:
    section = result.section
    if isinstance(section, tuple):
        media, speech = section
        return {
            "media": media.model_dump(mode="json"),
            "speech": speech.model_dump(mode="json") if speech else None,
        }
    return section.model_dump(mode="json")


async def run_providers(
    video: VideoInput,
    providers: Sequence[AnalysisProvider],
    store: StepStore,
    policy: StepPolicy | None = None,
) -> None:
    """Bring every provider's step to a final status, resuming what was started."""
    policy = policy or StepPolicy()
    local = [p for p in providers if p.name is ProviderName.LOCAL]
    later = [p for p in providers if getattr(p, "after", None) is not None]
    cloud = [p for p in providers if p.name is not ProviderName.LOCAL and p not in later]
    for provider in local:
        await run_step(provider, video, store, policy)
    media = await _probed_media(store)
    if media is not None:
        video = replace(video, media=media)
    await asyncio.gather(*(run_step(p, video, store, policy) for p in cloud))
    for provider in later:  # steps that read another step's section (the evaluation)
        await _run_after(provider, video, store, policy)


async def _run_after(
    provider: AnalysisProvider, video: VideoInput, store: StepStore, policy: StepPolicy
) -> None:
    """Run a step on the transcript of the transcription step; skipped (never failed, never
    faked) when there is no usable transcript or nothing to judge it against."""
    snapshot = await store.load(ProviderName.TRANSCRIPTION.value)
    transcript = None
    if snapshot.status is ProviderStatus.SUCCEEDED and snapshot.section:
        transcript = Transcript.model_validate(snapshot.section)
    name = provider.name.value
    not_ready = getattr(provider, "not_ready", None)
    reason = not_ready(transcript, video.question_details) if not_ready else None
    if reason and not provider.skip_reason() and (await store.load(name)).status not in FINAL:
        await store.finish(
            name,
            StepOutcome(ProviderStatus.SKIPPED, error_code="not_evaluable", error_message=reason),
        )
        return
    await run_step(provider, replace(video, transcript=transcript), store, policy)


async def _probed_media(store: StepStore) -> Media | None:
    snapshot = await store.load(ProviderName.LOCAL.value)
    if snapshot.status is ProviderStatus.SUCCEEDED and snapshot.section:
        return Media.model_validate(snapshot.section["media"])
    return None


async def run_step(
    provider: AnalysisProvider, video: VideoInput, store: StepStore, policy: StepPolicy
) -> None:
    name = provider.name.value
    snapshot = await store.load(name)
    if snapshot.status in FINAL:
        return
    if reason := provider.skip_reason():
        await store.finish(
            name,
            StepOutcome(ProviderStatus.SKIPPED, error_code="not_configured", error_message=reason),
        )
        return
    state = dict(snapshot.state)
    attempts = snapshot.attempts

    async def checkpoint(new_state: dict[str, Any]) -> None:
        state.clear()
        state.update(new_state)
        await store.checkpoint(name, dict(new_state))

    while True:
        attempts += 1
        await store.begin_attempt(name, attempts)
        started = time.monotonic()
        try:
            async with asyncio.timeout(policy.deadline_seconds):
                result = await provider.run(video, dict(state), checkpoint)
        except ProviderFailure as failure:
            observe_provider_call(name, time.monotonic() - started, failure.code)
            if failure.retryable and attempts < policy.attempts:
                delay = policy.backoff.backoff(attempts)
                logger.warning("%s failed (%s); step retry in %.0fs", name, failure.code, delay)
                await policy.backoff.sleep(delay)
                continue
            await store.finish(name, _failed(failure.code, failure.message, state, failure.raw))
        except TimeoutError:
            observe_provider_call(name, time.monotonic() - started, "step_deadline_exceeded")
            message = f"{name} did not finish within {policy.deadline_seconds:.0f} s."
            await store.finish(name, _failed("step_deadline_exceeded", message, state))
        except Exception as exc:  # a defect in an adapter must not take the others down
            observe_provider_call(name, time.monotonic() - started, "internal_error")
            logger.exception("%s step crashed", name)
            message = f"{name} failed unexpectedly ({type(exc).__name__}); see the server logs."
            await store.finish(name, _failed("internal_error", message, state))
        else:
            observe_provider_call(name, time.monotonic() - started)
            await store.finish(
                name,
                StepOutcome(
                    ProviderStatus.SUCCEEDED,
                    section=section_json(result),
                    raw=result.raw,
                    remote_ids={**_remote_ids(state), **result.remote_ids},
                    notes=list(result.notes),
                ),
            )
        return


def _remote_ids(state: dict[str, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in state.items() if key.endswith("_id")}


def _failed(code: str, message: str, state: dict[str, Any], raw: Any = None) -> StepOutcome:
    return StepOutcome(
        ProviderStatus.FAILED,
        error_code=code,
        error_message=message,
        remote_ids=_remote_ids(state),
        raw=raw,
    )


class MemoryStepStore:
    """Step progress held in memory: for the command line, which has no database."""

    def __init__(self) -> None:
        self.snapshots: dict[str, StepSnapshot] = {}
        self.outcomes: dict[str, StepOutcome] = {}

    async def load(self, provider: str) -> StepSnapshot:
        return self.snapshots.setdefault(provider, StepSnapshot(ProviderStatus.PENDING))

    async def begin_attempt(self, provider: str, attempts: int) -> None:
        snapshot = await self.load(provider)
        snapshot.status, snapshot.attempts = ProviderStatus.RUNNING, attempts

    async def checkpoint(self, provider: str, state: dict[str, Any]) -> None:
        (await self.load(provider)).state = state

    async def finish(self, provider: str, outcome: StepOutcome) -> None:
        snapshot = await self.load(provider)
        snapshot.status, snapshot.section = outcome.status, outcome.section
        self.outcomes[provider] = outcome
