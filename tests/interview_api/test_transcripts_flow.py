"""Transcripts end to end: an uploaded answer gets a transcript, a speech rate, filler words and
an evaluation whose quotes are in the transcript; both transcript files exist and follow the
interview's question order; the API serves them; erasure removes them."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from analysis.evaluation import AnswerEvaluator, EvaluationProvider
from analysis.providers.interhuman import InterhumanProvider
from analysis.providers.local import LocalMediaProvider
from analysis.providers.twelvelabs import TwelveLabsProvider
from analysis.transcription.openai_compatible import OpenAITranscriber
from analysis.transcription.provider import TranscriptionProvider
from interview_api.main import build_app
from interview_api.question_client import QuestionApiClient
from shared.http import RetryPolicy
from shared.settings import Settings
from tests.analysis.fakes import openai_chat as chat
from tests.analysis.fakes import openai_transcription as stt
from tests.consent import CONSENT
from tests.interview_api.conftest import QuestionSets, serve
from tests.interview_api.test_analysis_flow import finished
from tests.videos import make_video

FIRST = "Um, I would start with the debug toolbar and, like, count the queries."
THIRD = "We agreed on the problem first, you know, and then on a plan."


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture(scope="module")
def answer(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("answer") / "answer.webm"
    make_video(path, seconds=6.0, speech=[(0.3, 2.5), (3.6, 5.7)])
    return path.read_bytes()


@pytest.fixture
def fakes() -> tuple[stt.FakeTranscriptionAPI, chat.FakeChatAPI]:
    return stt.FakeTranscriptionAPI(), chat.FakeChatAPI()


@pytest.fixture
async def client(
    settings: Settings,
    question_sets: QuestionSets,
    fast_policy: RetryPolicy,
    fakes: tuple[stt.FakeTranscriptionAPI, chat.FakeChatAPI],
) -> AsyncIterator[httpx.AsyncClient]:
    fake_stt, fake_chat = fakes
    policy = RetryPolicy(max_attempts=3, sleep=no_sleep)
    providers: list[Any] = [
        LocalMediaProvider(),
        TwelveLabsProvider.from_settings(settings),  # no key: skipped
        InterhumanProvider.from_settings(settings),
        TranscriptionProvider(
            OpenAITranscriber(
                api_key=stt.API_KEY,
                model="whisper-1",
                base_url=stt.BASE_URL,
                policy=policy,
                client=fake_stt.client(),
            )
        ),
        EvaluationProvider(
            AnswerEvaluator(
                api_key=chat.API_KEY,
                model="gpt-4o-mini",
                base_url=chat.BASE_URL,
                policy=policy,
                client=fake_chat.client(),
            )
        ),
    ]
    questions = QuestionApiClient.from_settings(
        settings, policy=fast_policy, transport=httpx.ASGITransport(question_sets.app())
    )
    app = build_app(settings, question_client=questions, providers=providers)
    async with serve(app) as api:
        yield api
    await questions.aclose()


def reply(points: list[str], quotes: list[str]) -> dict[str, Any]:
    return {
        "points": [
            {"point": point, "status": "covered", "quotes": [quote]}
            for point, quote in zip(points, quotes, strict=True)
        ],
        "summary": "Answers the question.",
        "strengths": ["Concrete"],
        "gaps": [],
    }


async def upload(client: httpx.AsyncClient, interview_id: str, question_id: str, video: bytes):
    response = await client.post(
        f"/interviews/{interview_id}/recordings",
        files={"file": ("answer.webm", video, "video/webm")},
        data={"question_id": question_id},
    )
    assert response.status_code == 202, response.text
    return response.json()


async def test_answers_get_transcripts_speech_rate_fillers_and_checked_evaluations(
    client, fakes, answer, data_dir: Path
) -> None:
    fake_stt, fake_chat = fakes
    started = await client.post("/start-interview", json={"question_set_id": "set-1", **CONSENT})
    interview = started.json()
    q1, q3, _ = interview["questions"]
    assert "expected_points" not in q1 and "competency" not in q1  # never shown

    # the third question is answered first; its evaluation makes a quote up
    fake_stt.answers = [THIRD, FIRST]  # one a request, in order
    fake_chat.reply = reply(["a point", "another point"], ["agreed on the problem", "a plan"])
    fake_chat.invent_quotes = True
    third = await finished(
        client, (await upload(client, interview["interview_id"], q3["id"], answer))["analysis_id"]
    )
    interview_file = data_dir / "transcripts" / f"transcript_{interview['interview_id']}.txt"
    assert interview_file.read_text() == f"Q1: {q3['text']}\nA1: {THIRD}\n"  # kept current
    fake_chat.reply = reply(
        ["a point", "another point"], ["the debug toolbar", "count the queries"]
    )
    fake_chat.invent_quotes = False
    first = await finished(
        client, (await upload(client, interview["interview_id"], q1["id"], answer))["analysis_id"]
    )

    assert first["status"] == "succeeded", first["providers"]
    assert first["schema_version"] == "1.1"
    transcript = first["transcript"]
    assert transcript["text"] == FIRST and transcript["timestamps"] == "word"
    assert transcript["words"][0] == {"text": "Um,", "start_seconds": 0.0, "end_seconds": 0.37}
    speech = first["speech"]
    assert speech["words_per_minute"]["word_count"] == 13
    assert speech["words_per_minute"]["overall"] == pytest.approx(13 / 6 * 60, rel=0.05)
    assert speech["words_per_minute"]["speaking"] > speech["words_per_minute"]["overall"]
    assert speech["filler_words"] == {"count": 2, "by_word": {"like": 1, "um": 1}}
    evaluation = first["evaluation"]
    assert evaluation["advisory"] is True and evaluation["covered"] == 2
    assert evaluation["points"][0]["quotes"] == ["the debug toolbar"]
    # the made-up quotes were caught
    assert third["evaluation"]["covered"] == 0 and third["evaluation"]["missing"] == 2
    assert third["speech"]["filler_words"]["by_word"] == {"you know": 1}
    # the evaluation saw only the question, its points and the words
    user = fake_chat.requests[-1]["messages"][1]["content"]
    assert "Django ORM" in user and FIRST in user

    schema = (await client.get("/schemas/analysis-v1.json")).json()
    jsonschema.validate(first, schema)
    jsonschema.validate(third, schema)

    folder = data_dir / "transcripts"
    assert (folder / f"transcript_{first['recording_id']}.txt").read_text() == FIRST + "\n"
    expected = f"Q1: {q1['text']}\nA1: {FIRST}\n\nQ2: {q3['text']}\nA2: {THIRD}\n"
    assert interview_file.read_text() == expected

    text = await client.get(f"/interviews/{interview['interview_id']}/transcript?format=text")
    assert text.status_code == 200 and text.text == expected
    assert text.headers["content-type"].startswith("text/plain")
    as_json = (await client.get(f"/interviews/{interview['interview_id']}/transcript")).json()
    assert [a["question_id"] for a in as_json["answers"]] == [q1["id"], q3["id"]]
    assert as_json["answers"][0]["transcript"]["text"] == FIRST

    captions = await client.get(f"/recordings/{first['recording_id']}/captions.vtt")
    assert captions.status_code == 200 and captions.headers["content-type"].startswith("text/vtt")
    assert captions.text.startswith("WEBVTT\n\n1\n00:00:00.000 --> ")

    report = (await client.get(f"/interviews/{interview['interview_id']}/report")).json()
    by_question = {a["question"]["id"]: a for a in report["answers"]}
    assert by_question[q1["id"]]["coverage"]["covered"] == 2
    assert by_question[q1["id"]]["transcript"] == FIRST

    assert (await client.delete(f"/interviews/{interview['interview_id']}")).status_code == 204
    assert not any(folder.iterdir())


async def test_unknown_recording_captions_are_a_404(client) -> None:
    response = await client.get("/recordings/nope/captions.vtt")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "recording_not_found"


async def test_without_keys_the_steps_are_skipped_not_faked(settings: Settings, answer) -> None:
    async with serve(build_app(settings)) as api:
        started = (await api.post("/start-interview", json={**CONSENT})).json()
        response = await api.post(
            f"/interviews/{started['interview_id']}/recordings",
            files={"file": ("answer.webm", answer, "video/webm")},
        )
        document = await finished(api, response.json()["analysis_id"])
        transcript = await api.get(f"/interviews/{started['interview_id']}/transcript?format=text")
    assert document["transcript"] is None and document["evaluation"] is None
    assert document["providers"]["transcription"]["status"] == "skipped"
    assert "TRANSCRIPTION_API_KEY" in document["providers"]["transcription"]["error"]["message"]
    assert document["providers"]["evaluation"]["status"] == "skipped"
    assert document["speech"]["words_per_minute"] is None
    assert transcript.text == "Q1: (question unknown)\nA1: (no transcript)\n"
