"""`/metrics` on an app built by `create_app`: latency by route template, queue gauges, provider
metrics, and no API key needed to scrape."""

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client.parser import text_string_to_metric_families

from shared.app import create_app
from shared.db import Database
from shared.keys.store import KeyStore
from shared.metrics import (
    PROCESS_REGISTRY,
    ProcessMetricsServer,
    QueueSnapshot,
    observe_provider_call,
    register_queue_probe,
)
from shared.settings import Settings

router = APIRouter()


@router.get("/items/{item_id}")
async def get_item(item_id: int) -> dict[str, int]:
    return {"item_id": item_id}


def build_app(settings: Settings, service: str = "test_api") -> FastAPI:
    return create_app(
        service=service,
        title="test",
        description="test",
        routers=[router],
        settings=settings.model_copy(update={"auto_migrate": False}),  # no tables of its own
    )


async def client_for(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    settings: Settings = app.state.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = KeyStore(Database(settings.database_url_for("keys")))
    await store.migrate()  # the app migrates nothing itself
    await store.aclose()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return build_app(settings)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_for(app):
        yield client


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def names(samples: Samples) -> set[str]:
    return {name for name, _ in samples}


async def test_request_latency_is_labelled_by_route_template_not_raw_path(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/items/1")).status_code == 200
    assert (await client.get("/items/2")).status_code == 200

    samples = await scrape(client)

    labels = {"method": "GET", "route": "/items/{item_id}", "status": "200"}
    assert value(samples, "http_request_duration_seconds_count", **labels) == 2
    assert value(samples, "http_request_duration_seconds_bucket", le="+Inf", **labels) == 2
    assert not any(dict(lbl).get("route", "").startswith("/items/1") for _, lbl in samples)


async def test_unrouted_paths_and_odd_methods_share_one_series(client: httpx.AsyncClient) -> None:
    await client.get("/no/such/path/1")
    await client.get("/no/such/path/2")
    await client.request("BREW", "/items/1")

    samples = await scrape(client)

    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(samples, "http_request_duration_seconds_count", **unmatched) == 2
    odd = {"method": "OTHER", "route": "/items/{item_id}", "status": "405"}
    assert value(samples, "http_request_duration_seconds_count", **odd) == 1


async def test_metrics_needs_no_api_key_while_api_routes_do(settings: Settings) -> None:
    locked = build_app(settings.model_copy(update={"api_keys": "k1,k2"}))
    async for client in client_for(locked):
        assert (await client.get("/items/1")).status_code == 401
        samples = await scrape(client)
        unauthorized = {"method": "GET", "route": "/items/{item_id}", "status": "401"}
        assert value(samples, "http_request_duration_seconds_count", **unauthorized) == 1


async def test_a_service_without_a_queue_probe_shows_no_queue_gauges(
    client: httpx.AsyncClient,
) -> None:
    samples = await scrape(client)
    assert value(samples, "service_info", service="test_api") == 1
    assert not names(samples) & {"analysis_jobs", "analysis_queue_oldest_age_seconds"}


async def test_queue_gauges_are_read_from_the_registered_probe_at_each_scrape(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    answers: list[QueueSnapshot] = [
        ({"queued": 3, "running": 1, "succeeded": 7}, datetime.now(UTC) - timedelta(seconds=90)),
        ({"running": 2, "succeeded": 9}, None),
    ]

    async def probe() -> tuple[Mapping[str, int], datetime | None]:
        return answers.pop(0)

    register_queue_probe(app, probe)

    first = await scrape(client)
    assert value(first, "analysis_jobs", status="queued") == 3
    assert value(first, "analysis_jobs", status="running") == 1
    assert 89 <= (value(first, "analysis_queue_oldest_age_seconds") or 0) < 120
    assert value(first, "analysis_queue_probe_up") == 1

    second = await scrape(client)
    assert value(second, "analysis_jobs", status="queued") == 0  # drained, not stale
    assert value(second, "analysis_jobs", status="running") == 2
    assert value(second, "analysis_queue_oldest_age_seconds") == 0


async def test_a_failing_probe_hides_the_queue_gauges_but_metrics_still_answer(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    healthy = True

    async def probe() -> QueueSnapshot:
        if not healthy:
            raise ConnectionError("database down")
        return {"queued": 1}, datetime.now(UTC)

    register_queue_probe(app, probe)
    assert value(await scrape(client), "analysis_jobs", status="queued") == 1

    healthy = False
    samples = await scrape(client)
    assert value(samples, "analysis_queue_probe_up") == 0
    assert not names(samples) & {"analysis_jobs", "analysis_queue_oldest_age_seconds"}


async def test_two_apps_in_one_process_keep_their_own_request_counts(settings: Settings) -> None:
    counts: list[float | None] = []
    for service in ("question_api", "interview_api"):
        async for client in client_for(build_app(settings, service)):
            for _ in range(len(counts) + 1):
                await client.get("/items/1")
            samples = await scrape(client)
            labels = {"method": "GET", "route": "/items/{item_id}", "status": "200"}
            counts.append(value(samples, "http_request_duration_seconds_count", **labels))
    assert counts == [1, 2]


def provider_sample(name: str, **labels: str) -> float:
    return PROCESS_REGISTRY.get_sample_value(name, labels) or 0.0


async def test_provider_calls_appear_on_metrics(client: httpx.AsyncClient) -> None:
    ok_before = provider_sample(
        "provider_call_duration_seconds_count", provider="tl", outcome="success"
    )
    failed_before = provider_sample("provider_call_failures_total", provider="tl", error_code="429")

    observe_provider_call("tl", 1.5, None)
    observe_provider_call("tl", 0.2, "429")
    observe_provider_call("tl", 0.3, "429")

    samples = await scrape(client)
    ok = value(samples, "provider_call_duration_seconds_count", provider="tl", outcome="success")
    assert ok == ok_before + 1
    failed = value(samples, "provider_call_failures_total", provider="tl", error_code="429")
    assert failed == failed_before + 2
    assert "process_cpu_seconds_total" in names(samples)


def test_a_worker_can_serve_the_process_metrics_on_its_own_port() -> None:
    observe_provider_call("interhuman", 2.0, "ih4003")
    server = ProcessMetricsServer(0, "127.0.0.1")
    try:
        body = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5).text
    finally:
        server.stop()
    assert 'provider_call_failures_total{error_code="ih4003",provider="interhuman"}' in body
