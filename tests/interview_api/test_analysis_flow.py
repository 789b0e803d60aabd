"""An answer's journey as the interview UI and the database team see it: upload, analysis by
every configured provider, the merged document, the report, and erasure."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import jsonschema
import pytest

from analysis.evaluation import EvaluationProvider
from analysis.providers.interhuman import InterhumanProvider
from analysis.providers.local import LocalMediaProvider
from analysis.providers.twelvelabs import TwelveLabsProvider
from analysis.registry import SPECS
from analysis.transcription.provider import TranscriptionProvider
from interview_api.main import build_app
from interview_api.question_client import QuestionApiClient
from question_api.main import build_app as build_question_app
from shared.http import RetryPolicy
from shared.settings import Settings
from tests.analysis.fakes import interhuman as ih
from tests.analysis.fakes import twelvelabs as tl
from tests.consent import CONSENT
from tests.interview_api.conftest import JOB, serve
from tests.videos import make_video


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Six seconds of an answer: voice, a pause, voice again."""
    path = tmp_path_factory.mktemp("answer") / "answer.webm"
    make_video(path, seconds=6.0, width=480, height=360, speech=[(0.3, 2.5), (3.6, 5.7)])
    return path.read_bytes()


def cloud_providers(fake_tl: tl.FakeTwelveLabs, fake_ih: ih.FakeInterhuman) -> list[Any]:
    policy = RetryPolicy(max_attempts=3, sleep=no_sleep)
    return [
        LocalMediaProvider(),
        TwelveLabsProvider(
            api_key=tl.API_KEY,
            base_url=tl.BASE_URL,
            model="pegasus1.5",
            http_client=fake_tl.client(),
            policy=policy,
            sleep=no_sleep,
            poll_interval=0,
        ),
        InterhumanProvider(
            base_url=fake_ih.base_url,
            api_key=fake_ih.api_key,
            http_client=fake_ih.client(),
            policy=policy,
            poll_sleep=no_sleep,
            poll_interval=0,
        ),
        TranscriptionProvider(None, not_configured="not configured here"),
        EvaluationProvider(None, not_configured="not configured here"),
    ]


@pytest.fixture
def fakes() -> tuple[tl.FakeTwelveLabs, ih.FakeInterhuman]:
    return tl.FakeTwelveLabs(processing_polls=1), ih.FakeInterhuman()


StartApi = Callable[[list[Any] | None], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[StartApi]:
    """Start the interview API with the given providers (None: those the settings configure)."""
    async with AsyncExitStack() as stack:

        async def start(providers: list[Any] | None) -> httpx.AsyncClient:
            return await stack.enter_async_context(serve(build_app(settings, providers=providers)))

        yield start


async def upload(
    client: httpx.AsyncClient, video: bytes, question_id: str | None = None
) -> dict[str, Any]:
    started = await client.post("/start-interview", json={**CONSENT, "candidate_id": "c-1"})
    interview_id = started.json()["interview_id"]
    data = {"question_id": question_id} if question_id else {}
    response = await client.post(
        f"/interviews/{interview_id}/recordings",
        files={"file": ("answer.webm", video, "video/webm")},
        data=data,
    )
    assert response.status_code == 202, response.text
    recording: dict[str, Any] = response.json()
    return recording


async def finished(client: httpx.AsyncClient, analysis_id: str) -> dict[str, Any]:
    """Wait for the in-process worker to finish the analysis (it is real work, a few seconds)."""
    for _ in range(400):
        document: dict[str, Any] = (await client.get(f"/analyses/{analysis_id}")).json()
        if document["status"] not in ("queued", "running"):
            return document
        await asyncio.sleep(0.05)
    raise AssertionError(f"analysis still {document['status']}: {document['providers']}")


async def test_without_keys_an_answer_is_measured_locally_and_the_cloud_is_skipped(api, answer):
    client = await api(None)
    recording = await upload(client, answer)
    assert recording["analysis_id"]

    document = await finished(client, recording["analysis_id"])

    assert document["status"] == "succeeded"
    assert document["media"]["container"] == "webm"
    assert document["media"]["sha256"] == recording["sha256"]
    assert document["media"]["duration_seconds"] == pytest.approx(6.0, abs=0.2)
    assert document["speech"]["pause_count"] == 1
    assert document["speech"]["speaking_seconds"] == pytest.approx(4.3, abs=0.5)
    assert document["assessment"] is None and document["behavior"] is None
    for provider in ("twelvelabs", "interhuman"):
        assert document["providers"][provider]["status"] == "skipped"
        assert "_KEY" in document["providers"][provider]["error"]["message"]  # says what to set
    schema = (await client.get("/schemas/analysis-v1.json")).json()
    jsonschema.validate(document, schema)
    interview = (await client.get(f"/interviews/{document['interview_id']}")).json()
    assert [r["status"] for r in interview["recordings"]] == ["succeeded"]


async def test_with_stand_ins_every_section_is_filled(api, answer, fakes, settings, data_dir):
    fake_tl, fake_ih = fakes
    client = await api(cloud_providers(fake_tl, fake_ih))
    recording = await upload(client, answer)

    document = await finished(client, recording["analysis_id"])

    assert document["status"] == "succeeded", document["providers"]
    assert document["assessment"]["confidence"] == tl.GOOD_ANALYSIS["confidence"]
    assert document["assessment"]["model"] == "pegasus1.5"
    assert {s["type"] for s in document["behavior"]["signals"]} >= {"confidence"}
    assert document["speech"] is not None and document["media"] is not None
    assert document["providers"]["twelvelabs"]["remote_ids"]["asset_id"]
    assert fake_tl.uploads == 1 and fake_ih.jobs_created == 1
    assert fake_tl.analyze_bodies[0]["stream"] is False

    raw = (await client.get(f"/analyses/{recording['analysis_id']}/raw")).json()
    assert set(raw["providers"]) == set(SPECS)
    assert raw["providers"]["twelvelabs"]["raw"]
    on_disk = data_dir / "results" / f"analysis_{recording['analysis_id']}.json"
    assert on_disk.exists()
    jsonschema.validate(document, (await client.get("/schemas/analysis-v1.json")).json())


async def test_a_failing_stand_in_gives_a_partial_document(api, answer, fakes):
    fake_tl, fake_ih = fakes
    fake_ih.fail_next("upload", ih.Fault.WRONG_SCOPE)
    client = await api(cloud_providers(fake_tl, fake_ih))
    recording = await upload(client, answer)

    document = await finished(client, recording["analysis_id"])

    assert document["status"] == "partial"
    assert document["behavior"] is None
    assert document["assessment"] is not None
    assert document["providers"]["interhuman"]["error"]["code"] == "ih2003"


async def test_the_report_and_erasure_reach_the_provider_copies(api, answer, fakes):
    fake_tl, fake_ih = fakes
    client = await api(cloud_providers(fake_tl, fake_ih))
    recording = await upload(client, answer)
    document = await finished(client, recording["analysis_id"])
    interview_id = document["interview_id"]

    report = (await client.get(f"/interviews/{interview_id}/report")).json()
    assert report["summary"]["answers"] == 1
    assert report["summary"]["mean_scores"]["confidence"] == tl.GOOD_ANALYSIS["confidence"]
    assert report["summary"]["signal_counts"]["confidence"] >= 1
    assert report["answers"][0]["analysis"]["analysis_id"] == recording["analysis_id"]

    assert (await client.delete(f"/interviews/{interview_id}")).status_code == 204
    assert (await client.get(f"/analyses/{recording['analysis_id']}")).status_code == 404
    assert (await client.get(f"/interviews/{interview_id}/report")).status_code == 404

    def by_provider(page: httpx.Response) -> list[tuple[str, str]]:
        return sorted((d["provider"], d["status"]) for d in page.json()["items"])

    # the recording and result files are gone on the 204; the asset goes in the background
    everything_done = [("storage", "done"), ("storage", "done"), ("twelvelabs", "done")]
    for _ in range(200):
        deletions = await client.get("/remote-deletions", params={"interview_id": interview_id})
        if by_provider(deletions) == everything_done:
            break
        await asyncio.sleep(0.05)
    assert fake_tl.deleted == [document["providers"]["twelvelabs"]["remote_ids"]["asset_id"]]
    assert by_provider(deletions) == everything_done
    assert deletions.json()["total"] == 3


async def test_an_unknown_analysis_is_a_404_in_the_error_shape(api):
    client = await api(None)
    response = await client.get("/analyses/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "analysis_not_found"


async def test_the_interview_question_reaches_the_twelve_labs_prompt(
    settings, fakes, fast_policy, answer
):
    """HR approves a question; the candidate answers it; Pegasus is asked about that question."""
    fake_tl, fake_ih = fakes
    question_app = build_question_app(settings)
    async with serve(question_app) as hr:
        generated = (await hr.post("/generate", json={"job_description": JOB})).json()
        question = generated["questions"][0]
        approve = {"question_ids": [question["id"]], "reviewer": "hr@example.com"}
        await hr.post(f"/question-sets/{generated['question_set_id']}/approve", json=approve)
        question_client = QuestionApiClient.from_settings(
            settings, policy=fast_policy, transport=httpx.ASGITransport(question_app)
        )
        app = build_app(
            settings,
            question_client=question_client,
            providers=cloud_providers(fake_tl, fake_ih),
        )
        async with serve(app) as client:
            started = await client.post(
                "/start-interview",
                json={**CONSENT, "question_set_id": generated["question_set_id"]},
            )
            interview = started.json()
            snapshot_id = interview["questions"][0]["id"]
            response = await client.post(
                f"/interviews/{interview['interview_id']}/recordings",
                files={"file": ("answer.webm", answer, "video/webm")},
                data={"question_id": snapshot_id},
            )
            document = await finished(client, response.json()["analysis_id"])
        await question_client.aclose()

    assert document["question"]["text"] == question["text"]
    assert question["text"] in fake_tl.analyze_bodies[0]["prompt"]


async def test_metrics_show_the_queue_and_provider_calls(api, answer):
    client = await api(None)
    recording = await upload(client, answer)
    await finished(client, recording["analysis_id"])

    metrics = (await client.get("/metrics")).text

    assert 'analysis_jobs{status="succeeded"} 1.0' in metrics
    assert "analysis_queue_oldest_age_seconds 0.0" in metrics
    assert 'provider_call_duration_seconds_count{outcome="success",provider="local"}' in metrics
    assert 'route="/interviews/{interview_id}/recordings"' in metrics
