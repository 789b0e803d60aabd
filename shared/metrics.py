"""Prometheus metrics: `GET /metrics` on both services, provider-call metrics in every process.

Per service (one registry per app, so two apps in one process never share a series):

- `http_request_duration_seconds{method, route, status}` (histogram): time to answer a request,
  labelled by the matched route template (`/interviews/{interview_id}`), never the raw path;
  requests no route matched count as `route="unmatched"`, unknown methods as `method="OTHER"`.
- `analysis_jobs{status}` (gauge): analysis jobs by status, read at scrape time from the queue
  probe the interview API registers with `register_queue_probe`.
- `analysis_queue_oldest_age_seconds` (gauge): age of the oldest queued job; 0 when none waits.
- `analysis_queue_probe_up` (gauge): 1 when this scrape could read the queue, 0 when it could
  not (the two queue gauges are then left out rather than shown stale).
- `service_info{service}` (gauge, always 1): which service answered.

Per process (module-level registry; a worker process has no app, so these cannot live in one):

- `provider_call_duration_seconds{provider, outcome}` (histogram): duration of each attempt of
  an analysis provider's step (upload, wait, answer); `outcome` is `success` or `failure`.
- `provider_call_failures_total{provider, error_code}` (counter): failed provider calls, by the
  provider's own error code.
- `analysis_outbox_attempts_total{kind, outcome}` (counter): attempts at outbox work
  (`remote_deletion`, `file_deletion`, `webhook`); `outcome` is `done`, `retry` or `failed`.
- `analysis_jobs_attempts_exhausted_total` (counter): jobs failed with `job_attempts_exhausted`.
- `process_*`, `python_*`: the standard process, platform and garbage-collector collectors.

`/metrics` renders both registries. It takes no staff key; with `METRICS_TOKEN` set it wants
`Authorization: Bearer <token>` (else restrict it at the network).

Use: `create_app` calls `install_metrics(app, service)`; the interview API calls
`register_queue_probe(app, probe)`; provider adapters call `observe_provider_call(...)` after each
call; a separate worker process can serve its provider metrics with `ProcessMetricsServer(port,
host)`.
"""

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import open_access
from shared.errors import Unauthorized

logger = logging.getLogger(__name__)

# The classic text format every Prometheus version reads; generate_latest writes it.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED_ROUTE = "unmatched"
PROBE_TIMEOUT_SECONDS = 5.0
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_MAX_ERROR_CODE_LENGTH = 64

# Uploads of long videos take far longer than the default buckets' 10 s.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
PROVIDER_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)

QueueSnapshot = tuple[Mapping[str, int], datetime | None]
"""Jobs by status, and when the oldest queued job was created (None when none is queued)."""
QueueProbe = Callable[[], Awaitable[QueueSnapshot]]

# `*_created` series double the output and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

PROCESS_REGISTRY = CollectorRegistry()
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    PROCESS_REGISTRY.register(_collector)

_provider_duration = Histogram(
    "provider_call_duration_seconds",
    "Duration of calls to an external provider.",
    ["provider", "outcome"],
    buckets=PROVIDER_BUCKETS,
    registry=PROCESS_REGISTRY,
)
_provider_failures = Counter(
    "provider_call_failures",
    "Failed calls to an external provider, by the provider's error code.",
    ["provider", "error_code"],
    registry=PROCESS_REGISTRY,
)


_provider_unconfirmed_uploads = Counter(
    "provider_unconfirmed_uploads",
    "Uploads whose outcome was unknown (an answer lost after the video was sent) and that were "
    "sent again: the provider may hold one more copy each.",
    ["provider"],
    registry=PROCESS_REGISTRY,
)
_outbox_attempts = Counter(
    "analysis_outbox_attempts",
    "Attempts at outbox work (provider-side and file deletions, webhooks), by outcome: "
    "done, retry (tried again later) or failed (attempts exhausted).",
    ["kind", "outcome"],
    registry=PROCESS_REGISTRY,
)
_jobs_exhausted = Counter(
    "analysis_jobs_attempts_exhausted",
    "Analysis jobs failed with job_attempts_exhausted (claimed WORKER_MAX_CLAIMS times).",
    registry=PROCESS_REGISTRY,
)


def count_unconfirmed_upload(provider: str) -> None:
    _provider_unconfirmed_uploads.labels(provider=provider).inc()


def observe_outbox_attempt(kind: str, outcome: str) -> None:
    _outbox_attempts.labels(kind=kind, outcome=outcome).inc()


def observe_job_exhausted() -> None:
    _jobs_exhausted.inc()


def observe_provider_call(provider: str, seconds: float, error_code: str | None = None) -> None:
    """Record one provider call; `error_code` is None when it succeeded.

    Safe from any thread and from processes without an app (the analysis worker).
    """
    outcome = "success" if error_code is None else "failure"
    _provider_duration.labels(provider=provider, outcome=outcome).observe(max(seconds, 0.0))
    if error_code is not None:
        # Codes come from providers' answers: cap their length so one odd answer cannot
        # turn into an unbounded label value.
        code = error_code[:_MAX_ERROR_CODE_LENGTH] or "unknown"
        _provider_failures.labels(provider=provider, error_code=code).inc()


class ProcessMetricsServer:
    """The process metrics on their own port, for a worker (which has no HTTP app)."""

    def __init__(self, port: int, host: str) -> None:
        self._server, self._thread = start_http_server(port, addr=host, registry=PROCESS_REGISTRY)

    @property
    def port(self) -> int:
        """The port it listens on (the one the system picked when asked for port 0)."""
        return self._server.server_port

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass
class _QueueState:
    probe: QueueProbe | None = None
    seen_statuses: frozenset[str] = frozenset()
    gauges_shown: bool = False


class ServiceMetrics:
    """One service's registry and metrics."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.request_duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route template.",
            ["method", "route", "status"],
            buckets=HTTP_BUCKETS,
            registry=self.registry,
        )
        info = Gauge("service_info", "The service answering.", ["service"], registry=self.registry)
        info.labels(service=service).set(1)
        # The queue gauges join the registry only once a probe is registered (the question API
        # has no queue), so they are created unregistered.
        self.jobs = Gauge("analysis_jobs", "Analysis jobs by status.", ["status"], registry=None)
        self.oldest_age = Gauge(
            "analysis_queue_oldest_age_seconds",
            "Age of the oldest queued analysis job; 0 when none is queued.",
            registry=None,
        )
        self.probe_up = Gauge(
            "analysis_queue_probe_up",
            "1 when the last scrape could read the analysis queue, else 0.",
            registry=None,
        )
        self._queue = _QueueState()

    def set_queue_probe(self, probe: QueueProbe) -> None:
        if self._queue.probe is None:
            self.registry.register(self.probe_up)
        self._queue.probe = probe

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in _METHODS else "OTHER"
        self.request_duration.labels(method=method, route=route, status=str(status)).observe(
            seconds
        )

    async def refresh_queue(self) -> None:
        """Read the queue through the probe and set the gauges (before rendering)."""
        probe = self._queue.probe
        if probe is None:
            return
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                counts, oldest = await probe()
        except Exception:
            logger.warning("the analysis queue could not be read for /metrics", exc_info=True)
            self._show_queue_gauges(False)
            self.probe_up.set(0)
            return
        # No await from here on: a concurrent scrape never sees half-updated gauges.
        self._queue.seen_statuses |= counts.keys()
        self.jobs.clear()
        for status in sorted(self._queue.seen_statuses):
            # A status seen before but absent now has 0 jobs, not a stale count.
            self.jobs.labels(status=status).set(counts.get(status, 0))
        self.oldest_age.set(_age_seconds(oldest))
        self._show_queue_gauges(True)
        self.probe_up.set(1)

    def _show_queue_gauges(self, show: bool) -> None:
        if show == self._queue.gauges_shown:
            return
        for gauge in (self.jobs, self.oldest_age):
            if show:
                self.registry.register(gauge)
            else:
                self.registry.unregister(gauge)
        self._queue.gauges_shown = show

    def render(self) -> bytes:
        return generate_latest(self.registry) + generate_latest(PROCESS_REGISTRY)


def _age_seconds(oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite hands back naive UTC timestamps
        oldest = oldest.replace(tzinfo=UTC)
    return max((datetime.now(UTC) - oldest).total_seconds(), 0.0)


class MetricsMiddleware:
    """Times every HTTP request; labels it with the route the router matched.

    Pure ASGI: the router writes the matched route into the shared `scope` dict, so it can be
    read here after the inner app returns.
    """

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises before answering

        async def send_and_record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record_status)
        finally:
            self.metrics.observe_request(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )


def route_template(scope: Scope) -> str:
    """The matched route's path template, or `unmatched`."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) and template else UNMATCHED_ROUTE


def install_metrics(app: FastAPI, service: str) -> ServiceMetrics:
    """Time every request of `app` and serve `GET /metrics` (open: no API key)."""
    metrics = ServiceMetrics(service)
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics)

    async def metrics_endpoint(request: Request) -> Response:
        check_metrics_token(request)
        await metrics.refresh_queue()
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    app.add_api_route(
        "/metrics",
        metrics_endpoint,
        methods=["GET"],
        include_in_schema=False,
        summary="Prometheus metrics",
        dependencies=[open_access()],
    )
    return metrics


def check_metrics_token(request: Request) -> None:
    """401 `invalid_metrics_token` unless METRICS_TOKEN is unset or sent as a bearer token."""
    token = request.app.state.settings.metrics_token
    if token is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    sent = given.strip().encode("utf-8", "surrogatepass")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent, expected):
        raise Unauthorized(
            "GET /metrics wants the METRICS_TOKEN: send `Authorization: Bearer <token>`.",
            code="invalid_metrics_token",
            headers={"WWW-Authenticate": "Bearer"},
        )


def register_queue_probe(app: FastAPI, probe: QueueProbe) -> None:
    """Have `/metrics` report the analysis queue, read by `probe` at each scrape.

    The probe runs on the event loop inside the `/metrics` request, so it may await the
    database; it is given `PROBE_TIMEOUT_SECONDS`.
    """
    metrics: ServiceMetrics = app.state.metrics
    metrics.set_queue_probe(probe)
