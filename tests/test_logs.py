"""Logs are structured and carry the ids that matter; no secret ever reaches them.

A whole run with every key set (OpenAI, Twelve Labs, an Interhuman key pair, the webhook secret,
API keys), through the question API and the interview API with the analysis worker, captured
at DEBUG level from every logger.
"""

import asyncio
import json
import logging
from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from analysis.evaluation import EvaluationProvider
from analysis.providers.interhuman import InterhumanProvider
from analysis.providers.local import LocalMediaProvider
from analysis.providers.twelvelabs import TwelveLabsProvider
from analysis.transcription.provider import TranscriptionProvider
from interview_api.main import build_app as build_interview_app
from question_api.main import build_app as build_question_app
from shared.http import RetryPolicy
from shared.logging import JsonFormatter
from shared.settings import Settings
from tests.analysis.fakes import interhuman as ih
from tests.analysis.fakes import twelvelabs as tl
from tests.consent import CONSENT
from tests.interview_api.conftest import serve
from tests.question_api.conftest import OpenAIStandIn, questions_answer
from tests.question_api.test_openai_generation import GOOD_QUESTIONS, JOB
from tests.videos import make_video

SECRETS = {
    "openai": "sk-live-openai-secret-0001",
    "api_key": "client-api-key-secret-0002",
    "webhook": "whsec-webhook-secret-0003",
    "twelvelabs": tl.API_KEY,
    "interhuman": "ih-key-secret-0004",
}


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
def secret_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "openai_api_key": SecretStr(SECRETS["openai"]),
            "openai_base_url": "http://openai.stand-in/v1",
            "openai_max_retries": 0,
            "api_keys": SECRETS["api_key"],
            "analysis_webhook_secret": SecretStr(SECRETS["webhook"]),
            "twelvelabs_api_key": SecretStr(SECRETS["twelvelabs"]),
            "interhuman_key_id": "key-id-1",
            "interhuman_key_secret": SecretStr(SECRETS["interhuman"]),
        }
    )


async def test_a_run_with_every_key_set_logs_ids_and_no_secret(
    secret_settings: Settings, caplog: pytest.LogCaptureFixture, tmp_path
):
    caplog.set_level(logging.DEBUG)
    headers = {"X-API-Key": SECRETS["api_key"]}
    openai = OpenAIStandIn()
    openai.reply(questions_answer(GOOD_QUESTIONS))
    fake_tl = tl.FakeTwelveLabs()
    fake_ih = ih.FakeInterhuman(key_secret=SECRETS["interhuman"])
    tokens_issued = fake_ih.tokens
    policy = RetryPolicy(sleep=no_sleep)
    providers: list[Any] = [
        LocalMediaProvider(),
        TwelveLabsProvider.from_settings(
            secret_settings,
            http_client=fake_tl.client(),
            policy=policy,
            sleep=no_sleep,
            poll_interval=0,
            base_url=tl.BASE_URL,
        ),
        InterhumanProvider.from_settings(
            secret_settings,
            http_client=fake_ih.client(),
            policy=policy,
            poll_sleep=no_sleep,
            poll_interval=0,
            base_url=fake_ih.base_url,
        ),
        TranscriptionProvider(None, not_configured="not configured here"),
        EvaluationProvider(None, not_configured="not configured here"),
    ]
    video = make_video(tmp_path / "answer.webm", seconds=4.0, width=480, height=360).read_bytes()

    question_app = build_question_app(
        secret_settings,
        openai_http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(openai)),
    )
    interview_app = build_interview_app(secret_settings, providers=providers)
    async with serve(question_app) as hr, serve(interview_app) as ui:
        generated = await hr.post(
            "/generate",
            json={"job_description": JOB, "role_title": "Backend engineer", "seniority": "mid"},
            headers=headers,
        )
        assert generated.status_code == 201, generated.text
        refused = await ui.post("/start-interview", headers={"X-API-Key": "wrong"})
        assert refused.status_code == 401
        interview = (await ui.post("/start-interview", json=CONSENT, headers=headers)).json()
        uploaded = await ui.post(
            f"/interviews/{interview['interview_id']}/recordings",
            files={"file": ("a.webm", video, "video/webm")},
            headers=headers,
        )
        analysis_id = uploaded.json()["analysis_id"]
        for _ in range(300):
            document = (await ui.get(f"/analyses/{analysis_id}", headers=headers)).json()
            if document["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.05)
        assert document["status"] == "succeeded", document["providers"]

    assert tokens_issued, "the Interhuman key pair was exchanged for a token"
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    everything = "\n".join(lines) + caplog.text
    for name, secret in [*SECRETS.items(), *(("token", t) for t in tokens_issued)]:
        assert secret not in everything, f"the {name} secret reached the logs"

    entries = [json.loads(line) for line in lines]
    upload_lines = [e for e in entries if e.get("path", "").endswith("/recordings")]
    assert upload_lines and all(e.get("request_id") for e in upload_lines)
    assert any(e.get("interview_id") == interview["interview_id"] for e in entries)
    worker_lines = [e for e in entries if e["logger"].startswith("analysis.")]
    assert any(e.get("analysis_id") == analysis_id for e in worker_lines)
