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

from analysis.canonical import STORED, Media, ProviderStatus
from analysis.providers.base import AnalysisProvider, ProviderFailure, VideoInput
from analysis.providers.local import UNUSABLE_MEDIA_CODES
from shared.http import RetryPolicy
from shared.metrics import observe_provider_call

logger = logging.getLogger(__name__)


@dataclass
class StepSnapshot:
    status: ProviderStatus
    state: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0
    section: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None


@dataclass
class StepOutcome:
    status: ProviderStatus
    section: dict[str, Any] | None = None
    raw: Any = None
    remote_ids: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None


class JobStopped(Exception):
    """The job must stop now (its row is gone, or another worker holds it): raised by a
    `StepStore`, never swallowed by a step, and it cancels the sibling steps."""


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


async def run_providers(
    video: VideoInput,
    providers: Sequence[AnalysisProvider],
    store: StepStore,
    policy: StepPolicy | None = None,
) -> None:
    """Bring every provider's step to a final status, resuming what was started.

    The steps after the first ones run in one task group: when one stops the job
    (`JobStopped`, e.g. the interview was erased), the others are cancelled at once instead of
    going on to create provider-side copies that nothing would delete. The first `JobStopped`
    is raised as is.
    """
    policy = policy or StepPolicy()
    first = [p for p in providers if p.spec.runs_first]
    rest = [p for p in providers if not p.spec.runs_first]
    for provider in first:
        await run_step(provider, video, store, policy)
        if refusal := await _refused_media(provider, store):
            for other in rest:  # never sent anywhere, never scored
                await store.finish(other.spec.name, _failed(*refusal, {}))
            return
        if (media := await _probed_media(provider, store)) is not None:
            video = replace(video, media=media)
    try:
        async with asyncio.TaskGroup() as group:
            for provider in rest:
                group.create_task(run_step(provider, video, store, policy))
    except* JobStopped as stopped:
        raise stopped.exceptions[0] from None


async def _refused_media(provider: AnalysisProvider, store: StepStore) -> tuple[str, str] | None:
    """A first provider's refusal (code, message) of a recording with no usable media."""
    snapshot = await store.load(provider.spec.name)
    if snapshot.status is not ProviderStatus.FAILED:
        return None
    if snapshot.error_code not in UNUSABLE_MEDIA_CODES:
        return None
    return snapshot.error_code, snapshot.error_message or snapshot.error_code


async def _probed_media(provider: AnalysisProvider, store: StepStore) -> Media | None:
    """The `media` section of a provider that runs first, for the others' limit checks."""
    if "media" not in provider.spec.sections:
        return None
    snapshot = await store.load(provider.spec.name)
    media = provider.spec.split_section(snapshot.section).get("media")
    if snapshot.status is ProviderStatus.SUCCEEDED and media:
        return Media.model_validate(media, context=STORED)
    return None


async def run_step(
    provider: AnalysisProvider, video: VideoInput, store: StepStore, policy: StepPolicy
) -> None:
    name = provider.spec.name
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
        except JobStopped:
            raise
        except ProviderFailure as failure:
            observe_provider_call(name, time.monotonic() - started, failure.code)
            if failure.retryable and attempts < policy.attempts:
                delay = policy.backoff.backoff(attempts)
                logger.warning("%s failed (%s); step retry in %.0fs", name, failure.code, delay)
                await policy.backoff.sleep(delay)
                continue
            ids = provider.spec.remote_ids(state)
            await store.finish(name, _failed(failure.code, failure.message, ids, failure.raw))
        except TimeoutError:
            observe_provider_call(name, time.monotonic() - started, "step_deadline_exceeded")
            message = f"{name} did not finish within {policy.deadline_seconds:.0f} s."
            await store.finish(
                name, _failed("step_deadline_exceeded", message, provider.spec.remote_ids(state))
            )
        except Exception as exc:  # a defect in an adapter must not take the others down
            observe_provider_call(name, time.monotonic() - started, "internal_error")
            logger.exception("%s step crashed", name)
            message = f"{name} failed unexpectedly ({type(exc).__name__}); see the server logs."
            await store.finish(
                name, _failed("internal_error", message, provider.spec.remote_ids(state))
            )
        else:
            observe_provider_call(name, time.monotonic() - started)
            await store.finish(
                name,
                StepOutcome(
                    ProviderStatus.SUCCEEDED,
                    section=result.stored_section(provider.spec),
                    raw=result.raw,
                    remote_ids={**provider.spec.remote_ids(state), **result.remote_ids},
                    notes=list(result.notes),
                ),
            )
        return


def _failed(code: str, message: str, remote_ids: dict[str, str], raw: Any = None) -> StepOutcome:
    return StepOutcome(
        ProviderStatus.FAILED,
        error_code=code,
        error_message=message,
        remote_ids=remote_ids,
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
        snapshot.error_code, snapshot.error_message = outcome.error_code, outcome.error_message
        self.outcomes[provider] = outcome
