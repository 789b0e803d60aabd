"""Interhuman: behavioural signals, engagement and conversation quality for a recording.

A hand-written async client for the Interhuman REST API (`httpx.AsyncClient`), normalised into the
canonical `Behavior` section. It authenticates either with one API key (`ih_live_...`, sent as the
bearer token) or with a key pair exchanged at `POST /v1/auth` for a short-lived token, which is
cached and renewed 30 s before it expires, and renewed once more when an upload is refused with
401. Interhuman accepts at most 32 MB of video between 3 s and 30 min long, with picture and
sound; this adapter checks all of that before any call and sends a smaller transcoded proxy when the
recording is too big, saying so in the result. Retries follow `shared.http` (429 concurrency and
5xx with backoff), except that a used-up quota (429 `ih3003`) fails at once.

Why v2 (the asynchronous job API) and not v1: the pipeline must survive a restart without sending
the same video twice. v1 (`POST /v1/upload/analyze`) holds one HTTP request open for the whole
analysis (1-3 minutes for a large file); if the worker restarts or a proxy drops the connection in
that time, the only way to get the answer is to upload again. v2 (`POST /v2/upload/analyze`)
answers at once with a job id, which this adapter checkpoints before it starts polling
`GET /v2/upload/jobs/{job_id}`; a restarted worker resumes polling that job instead of re-uploading.
v2 is also the vendor's recommended path and the only one that returns the merged signals together
with per-window engagement. The costs: jobs are readable for one hour only (a job found expired on
resume is uploaded again, and the result notes it), and v2 caps recordings at 30 minutes (longer
ones fail with `too_long` before any upload).
"""

import asyncio
import functools
import logging
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.to_thread
import httpx
from pydantic import SecretStr

from analysis.canonical import (
    Behavior,
    ConversationQuality,
    EngagementWindow,
    QualityValues,
    QualityWindow,
    Signal,
)
from analysis.policy import INTERHUMAN_OFF
from analysis.providers.base import (
    Checkpoint,
    MediaLimits,
    ProviderFailure,
    ProviderResult,
    ProviderSpec,
    RemoteCopies,
    State,
    StepSkipped,
    VideoInput,
    check_limits,
    video_content_type,
)
from analysis.providers.http import (
    PROVIDER_INVALID_RESPONSE,
    ErrorInfo,
    PollSchedule,
    PollTimeout,
    ProviderClient,
    poll_until,
)
from analysis.transcode import PROXY_NOTE, proxy_for_provider
from shared.http import FilePart, MultipartBody, RetryPolicy, Sleep
from shared.metrics import count_unconfirmed_upload
from shared.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.interhuman.ai"
UPLOAD_SCOPE = "interhumanai.upload"
MODEL = "inter-2"
INCLUDE = ("signals", "conversation_quality_overall", "conversation_quality_timeline")
MAX_UPLOAD_BYTES = 32_000_000  # "32 MB"; the decimal reading is the safe one
LIMITS = MediaLimits(
    "Interhuman",
    min_seconds=3.0,
    max_seconds=30 * 60.0,
    needs_audio=True,
    max_bytes=MAX_UPLOAD_BYTES,
)
SPEC = ProviderSpec(
    name="interhuman",
    title="Interhuman",
    sections={"behavior": Behavior},
    remote_copies=RemoteCopies(
        kept=False,
        id_keys=("job_id",),
        deleted_by="nothing to delete: jobs and their uploads expire at Interhuman after one hour",
        possible_copies_key="unconfirmed_uploads",
    ),
    limits=LIMITS,
)
TOKEN_REFRESH_MARGIN = 30.0
DEFAULT_TOKEN_TTL = 900.0  # documented lifetime, used when an answer omits `expires_in`
QUOTA_EXCEEDED = "ih3003"
MAX_HOLD_SECONDS = 120.0  # the most `wait_seconds` Interhuman accepts
UPLOAD_STARTED = "upload_started"  # state: an upload was sent and its job id is not known yet
UNCONFIRMED_UPLOADS = "unconfirmed_uploads"  # state: uploads whose outcome stayed unknown
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
MISSING_SCOPE = "ih2003"

InputKind = Literal["original", "proxy"]
_Json = dict[str, Any]
_PROBABILITIES = frozenset({"low", "medium", "high"})


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float  # on the provider's clock


class _JobExpired(Exception):
    pass


class _JobFailed(ProviderFailure):
    """Interhuman ran the job and it ended `failed`."""


class InterhumanProvider:
    """The Interhuman adapter (see the module docstring). Reuse one instance: it caches tokens."""

    spec = SPEC

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        key_id: str | None = None,
        key_secret: str | None = None,
        timeout: float = 30.0,
        upload_timeout: float = 300.0,
        http_client: httpx.AsyncClient | None = None,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        poll_sleep: Sleep = asyncio.sleep,
        poll_interval: float = 1.0,
        poll_max_interval: float = 30.0,
        poll_deadline: float = 1800.0,
        hold_seconds: float = 60.0,
        concurrency: int = 2,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        transcode_timeout: float = 900.0,
        work_dir: Path | None = None,
    ) -> None:
        """`api_key` wins over `key_id` + `key_secret` when both are given. `clock`, `poll_sleep`
        and `policy.sleep` are injectable so tests never wait. `max_upload_bytes` is the size
        above which a proxy is sent; `work_dir` is where proxies are made (system temp if None).
        A video to be analysed under the `eu` policy is skipped (see `analysis.policy`)."""
        self._api_key = api_key or None
        self._key_id = key_id or None
        self._key_secret = key_secret or None
        self._request_timeout = timeout
        self._upload_timeout = httpx.Timeout(timeout, read=upload_timeout, write=upload_timeout)
        self._http = ProviderClient(
            "Interhuman",
            base_url,
            read_error=_read_error,
            http_client=http_client,
            policy=policy,
            timeout=httpx.Timeout(timeout),
            final_codes={QUOTA_EXCEEDED},
            advice=self._advice,
        )
        self._clock = clock
        self._poll_sleep = poll_sleep
        # Interhuman answers a held job request as soon as the job ends: the first request is
        # made `poll_interval` after the upload, each holds up to `hold_seconds`; a server that
        # does not hold is asked `poll_interval` apart, doubling up to `poll_max_interval`.
        self._schedule = PollSchedule(
            first=poll_interval,
            factor=2.0,
            ceiling=max(poll_interval, poll_max_interval),
            hold=min(max(0.0, hold_seconds), MAX_HOLD_SECONDS),
        )
        self._poll_deadline = poll_deadline
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._max_upload_bytes = max_upload_bytes
        self._transcode_timeout = transcode_timeout
        self._work_dir = work_dir
        self._token: _Token | None = None
        self._token_lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> "InterhumanProvider":
        """An adapter configured from `INTERHUMAN_*` settings; keyword arguments override them."""
        options: dict[str, Any] = {
            "base_url": settings.interhuman_base_url,
            "api_key": _reveal(settings.interhuman_api_key),
            "key_id": settings.interhuman_key_id,
            "key_secret": _reveal(settings.interhuman_key_secret),
            "concurrency": settings.interhuman_concurrency,
            "poll_interval": settings.interhuman_poll_seconds,
        }
        options.update(overrides)
        return cls(**options)

    def skip_reason(self) -> str | None:
        if self._api_key or (self._key_id and self._key_secret):
            return None
        if self._key_id or self._key_secret:
            missing = "INTERHUMAN_KEY_SECRET" if self._key_id else "INTERHUMAN_KEY_ID"
            return f"Interhuman is not configured: {missing} is missing from the key pair."
        return (
            "Interhuman is not configured: set INTERHUMAN_API_KEY, "
            "or INTERHUMAN_KEY_ID + INTERHUMAN_KEY_SECRET."
        )

    async def run(self, video: VideoInput, state: State, checkpoint: Checkpoint) -> ProviderResult:
        """Analyse `video`; with a `job_id` in `state`, resume polling that job instead."""
        if video.analysis_policy == "eu":
            raise StepSkipped(INTERHUMAN_OFF)
        if reason := self.skip_reason():
            raise ProviderFailure("not_configured", reason)
        step = _Step(dict(state), checkpoint)
        async with self._slots:
            notes: list[str] = []
            if step.state.get(UPLOAD_STARTED) and not step.state.get("job_id"):
                # an earlier run sent the video and stopped before it learnt the job id
                await self._count_unconfirmed(step, "the upload was interrupted")
            saved = step.state.get("job_id")
            if isinstance(saved, str) and saved:
                input_kind: InputKind = (
                    "proxy" if step.state.get("input") == "proxy" else "original"
                )
                try:
                    job = await self._finish(saved, None, step)
                except _JobExpired:
                    logger.warning("interhuman job %s expired; uploading again", saved)
                    await step.drop("job_id", "input")
                    notes.append(
                        f"The earlier Interhuman job {saved} had expired (jobs are kept for one "
                        "hour), so the video was uploaded again."
                    )
                else:
                    if input_kind == "proxy":
                        notes.append(PROXY_NOTE)
                    return _result(job, saved, input_kind, notes, step.state)
            job_id, input_kind, answer = await self._upload(video, step, notes)
            try:
                job = await self._finish(job_id, answer, step)
            except _JobExpired as exc:
                raise ProviderFailure(
                    "job_not_found",
                    f"Interhuman lost job {job_id} just after accepting it; a retry uploads again.",
                    retryable=True,
                ) from exc
            return _result(job, job_id, input_kind, notes, step.state)

    async def delete_remote(self, state: State) -> None:
        """Nothing to do: Interhuman documents no delete call; its jobs expire after one hour."""
        return None

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- upload -------------------------------------------------------------------------------

    async def _upload(
        self, video: VideoInput, step: "_Step", notes: list[str]
    ) -> tuple[str, InputKind, _Json]:
        """Check the limits, upload (a proxy when too big), checkpoint the job id."""
        duration = await check_limits(video, LIMITS)
        if video.size_bytes <= self._max_upload_bytes:
            filename = f"recording.{_extension(video)}"  # never the client's own file name
            job_id, answer = await self._submit(video.path, filename, "original", step)
            return job_id, "original", answer

        workdir = Path(
            await anyio.to_thread.run_sync(
                functools.partial(tempfile.mkdtemp, prefix="interhuman-", dir=self._work_dir)
            )
        )
        try:
            proxy = await self._make_proxy(video, duration, workdir / "proxy.mp4")
            proxy_size = (await anyio.Path(proxy).stat()).st_size
            job_id, answer = await self._submit(proxy, "proxy.mp4", "proxy", step)
        finally:
            await anyio.to_thread.run_sync(
                functools.partial(shutil.rmtree, workdir, ignore_errors=True)
            )
        notes.append(
            f"The recording ({_megabytes(video.size_bytes)}) is over Interhuman's "
            f"{_megabytes(self._max_upload_bytes)} limit: {PROXY_NOTE} ({_megabytes(proxy_size)})"
        )
        return job_id, "proxy", answer

    async def _make_proxy(self, video: VideoInput, duration: float | None, dest: Path) -> Path:
        return await proxy_for_provider(
            "Interhuman",
            video.path,
            dest,
            max_bytes=self._max_upload_bytes,
            duration_seconds=duration,
            timeout=self._transcode_timeout,
        )

    async def _submit(
        self, path: Path, filename: str, input_kind: InputKind, step: "_Step"
    ) -> tuple[str, _Json]:
        """POST the file to /v2/upload/analyze and checkpoint the job id.

        Interhuman offers no way to find an upload again (no idempotency key, no client
        reference, no job listing), so an upload whose answer was lost after the video was sent
        (a reset connection, a timeout, a cut answer, a worker stopped meanwhile) may have
        created a job nobody can see. It is sent again, and each such upload is counted in the
        step (`unconfirmed_uploads`, under `remote_ids`), noted and counted in the metrics.
        The submit is answered at once (no `wait_seconds`): the job id must be saved before any
        wait, so that a restart polls the job instead of sending the video again.
        """
        size = (await anyio.Path(path).stat()).st_size
        fields = [("model", MODEL), *(("include[]", flag) for flag in INCLUDE)]
        body = MultipartBody(fields, FilePart(path, filename, video_content_type(filename), size))
        logger.info("interhuman upload: %d bytes (%s)", size, input_kind)
        outcome_unknown = False

        async def post(auth: Mapping[str, str]) -> httpx.Response:
            nonlocal outcome_unknown
            if outcome_unknown:
                await self._count_unconfirmed(step, "an answer was lost")
            outcome_unknown = True  # until an answer (or a connection never made) says otherwise
            try:
                response = await self._http.request(
                    "POST",
                    "/v2/upload/analyze",
                    content=body.stream(),  # a new stream per attempt, reading the file afresh
                    headers={**auth, **body.headers},
                    timeout=self._upload_timeout,
                )
            except _NEVER_SENT:
                outcome_unknown = False  # the connection never opened: nothing reached Interhuman
                raise
            # accepted, but the answer naming the job is unreadable: a job may exist all the same
            outcome_unknown = response.is_success and _job_id(response) is None
            return response

        await step.save({UPLOAD_STARTED: True})
        try:
            response = await self._authorized("upload", post)
            self._http.check(response, "upload")
            answer = self._http.json_object(response, "upload")
            job_id = _job_id(response)
            if job_id is None:
                raise self._http.invalid_response("upload", "has no job_id", raw=answer)
        except BaseException:
            if not outcome_unknown:  # a definite refusal: no job was created
                await asyncio.shield(step.drop(UPLOAD_STARTED))
            raise
        await step.save({"job_id": job_id, "input": input_kind}, drop=(UPLOAD_STARTED,))
        return job_id, answer

    async def _count_unconfirmed(self, step: "_Step", why: str) -> None:
        count = int(step.state.get(UNCONFIRMED_UPLOADS) or 0) + 1
        logger.warning(
            "interhuman upload outcome unknown (%s); sending it again (%d unconfirmed)", why, count
        )
        count_unconfirmed_upload(SPEC.name)
        await step.save({UNCONFIRMED_UPLOADS: count}, drop=(UPLOAD_STARTED,))

    # --- polling ------------------------------------------------------------------------------

    async def _finish(self, job_id: str, answer: _Json | None, step: "_Step") -> _Json:
        """Wait for the job. A failed job is dropped from the state, so a retry uploads anew
        instead of polling a job that can only fail again."""
        try:
            return await self._wait_for_job(job_id, answer)
        except _JobFailed:
            await step.drop("job_id", "input")
            raise

    async def _wait_for_job(self, job_id: str, answer: _Json | None = None) -> _Json:
        """Long-poll the job (`wait_seconds`: Interhuman answers as soon as it is done) until it
        completes (returned) or fails (raised), within the deadline."""
        try:
            job = await poll_until(
                lambda hold: self._get_job(job_id, hold),
                lambda job: job.get("status") in ("completed", "failed"),
                self._schedule,
                deadline=self._poll_deadline,
                first=answer,
                sleep=self._poll_sleep,
                clock=self._clock,
            )
        except PollTimeout as timeout:
            raise ProviderFailure(
                "poll_timeout",
                f"Interhuman job {job_id} was still {timeout.last.get('status')!r} after "
                f"{timeout.waited:.0f}s. Jobs are kept for one hour; a retry resumes polling the "
                "same job.",
                retryable=True,
            ) from timeout
        if job.get("status") == "failed":
            raise _job_failure(job, job_id)
        return job

    async def _get_job(self, job_id: str, hold: int = 0) -> _Json:
        params = {"wait_seconds": hold} if hold else None
        # a held request answers up to `hold` seconds late by design
        timeout = httpx.Timeout(self._request_timeout, read=self._request_timeout + hold)

        async def get(auth: Mapping[str, str]) -> httpx.Response:
            return await self._http.request(
                "GET", f"/v2/upload/jobs/{job_id}", headers=auth, params=params, timeout=timeout
            )

        response = await self._authorized("job status", get)
        if response.status_code == 404:
            raise _JobExpired(job_id)
        self._http.check(response, "job status")
        return self._http.json_object(response, "job status")

    # --- auth ---------------------------------------------------------------------------------

    async def _authorized(
        self, what: str, call: Callable[[Mapping[str, str]], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        """`call` with the bearer header; on a 401 with a key pair, one fresh token and again."""
        auth = await self._auth_header()
        response = await self._http.send(what, lambda: call(auth))
        if response.status_code == 401 and not self._api_key:
            logger.info("interhuman refused the access token on %s; renewing it once", what)
            await response.aclose()
            fresh = await self._auth_header(renew=True)
            response = await self._http.send(what, lambda: call(fresh))
        return response

    async def _auth_header(self, *, renew: bool = False) -> dict[str, str]:
        if self._api_key:
            return {"Authorization": f"Bearer {self._api_key}"}
        async with self._token_lock:
            token = self._token
            if renew or token is None or self._clock() >= token.expires_at - TOKEN_REFRESH_MARGIN:
                token = self._token = await self._exchange()
        return {"Authorization": f"Bearer {token.value}"}

    async def _exchange(self) -> _Token:
        """Trade the key pair for an access token with the upload scope."""
        payload = {"key_id": self._key_id, "key_secret": self._key_secret, "scopes": [UPLOAD_SCOPE]}
        response = await self._http.call(
            "auth", lambda: self._http.request("POST", "/v1/auth", json=payload)
        )
        answer = self._http.json_object(response, "auth")
        value = answer.get("access_token")
        if not isinstance(value, str) or not value:
            raise self._http.invalid_response("auth", "has no access_token")
        expires_in = _number(answer.get("expires_in"))
        lifetime = expires_in if expires_in is not None else DEFAULT_TOKEN_TTL
        return _Token(value, self._clock() + lifetime)

    def _advice(self, status: int, info: ErrorInfo, step: str) -> str:
        return _advice(status, info.code or "", step, self._api_key is not None)


class _Step:
    """The step's state as last checkpointed, and the way to checkpoint it again."""

    def __init__(self, state: State, checkpoint: Checkpoint) -> None:
        self.state = state
        self._checkpoint = checkpoint

    async def save(self, changes: Mapping[str, Any], *, drop: tuple[str, ...] = ()) -> None:
        new = {k: v for k, v in self.state.items() if k not in drop}
        new.update(changes)
        self.state = new
        await self._checkpoint(dict(new))

    async def drop(self, *keys: str) -> None:
        if any(key in self.state for key in keys):
            await self.save({}, drop=keys)


def _job_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    job_id = body.get("job_id") if isinstance(body, dict) else None
    return job_id if isinstance(job_id, str) and job_id else None


def _with_copies_note(notes: list[str], state: Mapping[str, Any]) -> list[str]:
    count = int(state.get(UNCONFIRMED_UPLOADS) or 0)
    if count:
        notes.append(
            f"{count} earlier upload(s) of this video lost their answer after the video was sent; "
            "Interhuman offers no way to find an upload again, so it was sent again: Interhuman "
            f"may hold up to {count + 1} copies (they expire there after one hour)."
        )
    return notes


def _advice(status: int, code: str, what: str, single_key: bool) -> str:
    """What the user should do about an error answer, in one sentence."""
    credentials = (
        "INTERHUMAN_API_KEY" if single_key else "INTERHUMAN_KEY_ID and INTERHUMAN_KEY_SECRET"
    )
    if code == MISSING_SCOPE:
        return (
            f"The Interhuman key lacks the {UPLOAD_SCOPE} scope: create a key with the "
            f"{UPLOAD_SCOPE} scope and set it in {credentials}."
        )
    if status == 401:
        return f"Interhuman refused the credentials: check {credentials}."
    if code == QUOTA_EXCEEDED:
        return "The Interhuman quota is used up: wait for it to reset or raise the plan."
    if status == 429:
        return "Interhuman is busy (too many concurrent jobs for this account); try again later."
    if status == 413:
        return "Interhuman refused the file as too large (over 32 MB)."
    if status >= 500:
        return f"Interhuman failed on its side (HTTP {status}); try again later."
    return f"Interhuman refused the {what} (HTTP {status})."


# --- limits ----------------------------------------------------------------------------------


# --- the answer ------------------------------------------------------------------------------


def _result(
    job: _Json, job_id: str, input_kind: InputKind, notes: list[str], state: Mapping[str, Any]
) -> ProviderResult:
    result = job.get("result")
    if not isinstance(result, dict):
        raise ProviderFailure(
            PROVIDER_INVALID_RESPONSE,
            f"Interhuman job {job_id} completed without a result.",
            retryable=True,
            raw=job,
        )
    return ProviderResult(
        sections={"behavior": behavior_from_answer(result, input_kind=input_kind)},
        raw=job,
        remote_ids={**SPEC.remote_ids(state), "job_id": job_id},
        notes=_with_copies_note(notes, state),
    )


def behavior_from_answer(answer: Mapping[str, Any], *, input_kind: InputKind) -> Behavior:
    """Normalise an analysis answer (a v2 job's `result`, or a v1 answer) into `Behavior`.

    Absent fields give empty lists or None, never invented values. Signal types are kept as sent.
    A signal without start and end (and no window to take them from) cannot be placed in time;
    it is left out here, logged, and stays in the raw answer.
    """
    windows = _windows(answer)
    signals = _signals(answer, windows)
    engagement = _engagement(answer, windows)
    return Behavior(
        signals=signals,
        engagement=engagement,
        conversation_quality=_conversation_quality(answer.get("conversation_quality")),
        model="interhuman-v2",  # the API version that analysed (v2 upload/analyze jobs)
        input=input_kind,
    )


@dataclass(frozen=True)
class _Window:
    start: float | None
    end: float | None
    raw: Mapping[str, Any]


def _windows(answer: Mapping[str, Any]) -> list[_Window]:
    """v2 `windows[]`, each placed in time by its own start/end or else by `window_seconds`."""
    items = answer.get("windows")
    if not isinstance(items, list):
        return []
    step = _number(answer.get("window_seconds"))
    duration = _number(answer.get("duration_seconds"))
    windows = []
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        start = _first_number(item, "start", "start_seconds")
        end = _first_number(item, "end", "end_seconds")
        if (start is None or end is None) and step:
            index = item.get("index")
            slot = index if isinstance(index, int) and not isinstance(index, bool) else position
            start = slot * step if start is None else start
            end = start + step if end is None else end
            if duration is not None:
                end = min(end, duration)
        windows.append(_Window(start, end, item))
    return windows


def _signals(answer: Mapping[str, Any], windows: list[_Window]) -> list[Signal]:
    merged = answer.get("signals")
    candidates: list[tuple[Any, _Window | None]]
    if isinstance(merged, list):  # v1, or v2 with include[]=signals
        candidates = [(item, None) for item in merged]
    else:
        candidates = [
            (item, window)
            for window in windows
            if isinstance(window.raw.get("signals"), list)
            for item in window.raw["signals"]
        ]
    signals = [signal for item, window in candidates if (signal := _signal(item, window))]
    if dropped := len(candidates) - len(signals):
        logger.warning("interhuman: %d signal(s) without a type or times left out", dropped)
    return signals


def _signal(item: Any, window: _Window | None) -> Signal | None:
    if not isinstance(item, Mapping):
        return None
    kind = _text(item.get("type")) or _text(item.get("signal_type"))
    start = _number(item.get("start"))
    end = _number(item.get("end"))
    if window is not None:
        start = window.start if start is None else start
        end = window.end if end is None else end
    if kind is None or start is None or end is None:
        return None
    probability = item.get("probability")
    return Signal(
        type=kind,
        start_seconds=start,
        end_seconds=end,
        probability=probability if probability in _PROBABILITIES else None,
        rationale=_text(item.get("rationale")),
    )


def _engagement(answer: Mapping[str, Any], windows: list[_Window]) -> list[EngagementWindow]:
    states = answer.get("engagement_state")
    spans: list[tuple[float | None, float | None, Any]]
    if isinstance(states, list):  # v1
        spans = [
            (_number(item.get("start")), _number(item.get("end")), item.get("state"))
            for item in states
            if isinstance(item, Mapping)
        ]
    else:  # v2
        spans = [(w.start, w.end, w.raw.get("engagement_status")) for w in windows]
    return [
        EngagementWindow(start_seconds=start, end_seconds=end, state=state)
        for start, end, raw_state in spans
        if start is not None and end is not None and (state := _engagement_state(raw_state))
    ]


def _engagement_state(value: Any) -> str | None:
    if isinstance(value, Mapping):  # tolerate {"state": ...} / {"status": ...}
        return _text(value.get("state")) or _text(value.get("status"))
    return _text(value)


def _conversation_quality(value: Any) -> ConversationQuality | None:
    if not isinstance(value, Mapping):
        return None
    overall = value.get("overall")
    timeline = value.get("timeline")
    windows = [
        QualityWindow(start_seconds=start, end_seconds=end, values=_scores(item.get("values")))
        for item in (timeline if isinstance(timeline, list) else [])
        if isinstance(item, Mapping)
        and (start := _number(item.get("start"))) is not None
        and (end := _number(item.get("end"))) is not None
    ]
    if not isinstance(overall, Mapping) and not windows:
        return None
    return ConversationQuality(
        overall=QualityValues.model_validate(_scores(overall))
        if isinstance(overall, Mapping)
        else None,
        timeline=windows,
    )


def _scores(value: Any) -> dict[str, float | None]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key): _number(score) for key, score in value.items()}


# --- small readers ---------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _first_number(item: Mapping[str, Any], *keys: str) -> float | None:
    for key in keys:
        if (number := _number(item.get(key))) is not None:
            return number
    return None


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _read_error(response: httpx.Response) -> ErrorInfo:
    """Read `{error_id, correlation_id, link, message}`, the older `{detail, status_code}`, or
    whatever a proxy sent instead."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    header_id = response.headers.get("x-correlation-id") or response.headers.get("x-request-id")
    if not isinstance(body, Mapping):
        text = response.text.strip()
        return ErrorInfo(None, text[:300], text[:1000] or None, header_id)
    detail = body.get("detail")
    fields: Mapping[str, Any] = detail if isinstance(detail, Mapping) else body
    code = _text(fields.get("error_id")) or _text(fields.get("code"))
    message = _text(fields.get("message")) or (detail if isinstance(detail, str) else None)
    if message is None and detail is not None:
        message = str(detail)[:300]
    correlation_id = _text(fields.get("correlation_id")) or header_id
    return ErrorInfo(code, message or "", body, correlation_id)


def _job_failure(job: Mapping[str, Any], job_id: str) -> _JobFailed:
    error = job.get("error")
    code = message = correlation_id = None
    if isinstance(error, Mapping):
        code = _text(error.get("error_id")) or _text(error.get("code"))
        message = _text(error.get("message"))
        correlation_id = _text(error.get("correlation_id"))
    elif isinstance(error, str):
        message = _text(error)
    code = code or "job_failed"
    text = f"Interhuman could not analyse the video (job {job_id}): {message or 'no reason given'}"
    if correlation_id:
        text += f" (correlation id {correlation_id})"
    logger.warning(
        "interhuman job %s failed: %s",
        job_id,
        code,
        extra={"error_id": code, "correlation_id": correlation_id},
    )
    # ih1xxx are Interhuman's internal errors: another upload may work; the rest concern the video.
    return _JobFailed(code, text, retryable=code.startswith("ih1"), raw=dict(job))


def _extension(video: VideoInput) -> str:
    """The recording's container as a file extension: from the stored path, else the probe."""
    raw = video.path.suffix.lstrip(".") or video.container
    return "".join(ch for ch in raw.lower() if ch.isalnum()) or "bin"


def _reveal(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
