"""The console's page, its relay to the question API, and where a browser plays a video."""

import httpx

from interview_api.main import build_app
from interview_api.question_client import QuestionApiClient
from shared.db import Database
from shared.keys.store import KeyStore
from shared.settings import Settings
from tests.conftest import free_port
from tests.consent import CONSENT
from tests.interview_api.conftest import QuestionSets, serve
from tests.interview_api.test_s3_storage import s3_settings  # noqa: F401 (fixture)


async def test_the_console_page_is_served_without_a_cdn(client: httpx.AsyncClient) -> None:
    page = await client.get("/console")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/static/console/app.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from another origin
    script = await client.get("/static/console/app.js")
    assert script.headers["content-type"].startswith("text/javascript")
    chart = await client.get("/static/vendor/uplot/uPlot.esm.js")
    assert chart.status_code == 200


async def test_the_console_session_names_the_keys_role_and_reviewer(settings: Settings) -> None:
    async with serve(build_app(settings)) as client:
        open_mode = (await client.get("/console/session")).json()
    assert open_mode == {"role": "admin", "reviewer": None, "open_mode": True}

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = KeyStore(Database(settings.database_url_for("keys")))
    await store.migrate()
    try:
        reviewer_key = (await store.create("reviewer", "Rita Reviewer"))[0]
    finally:
        await store.aclose()
    keyed = settings.model_copy(update={"api_keys": "bootstrap-key"})
    async with serve(build_app(keyed)) as client:
        reviewer = await client.get("/console/session", headers={"X-API-Key": reviewer_key})
        bootstrap = await client.get("/console/session", headers={"X-API-Key": "bootstrap-key"})
        wrong = await client.get("/console/session", headers={"X-API-Key": "not-a-key"})
    assert reviewer.json() == {"role": "reviewer", "reviewer": "Rita Reviewer", "open_mode": False}
    assert bootstrap.json() == {"role": "admin", "reviewer": None, "open_mode": False}
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "invalid_api_key")


async def test_the_relay_answers_with_the_question_apis_answer_and_the_callers_key(
    settings: Settings, question_sets: QuestionSets
) -> None:
    keyed = settings.model_copy(update={"api_keys": "person-key"})
    questions = QuestionApiClient.from_settings(
        keyed, transport=httpx.ASGITransport(question_sets.app())
    )
    questions._http.headers["X-API-Key"] = "service-key"  # what the relay must not send
    async with serve(build_app(keyed, question_client=questions)) as client:
        key = {"X-API-Key": "person-key"}
        response = await client.get("/console/question-api/question-sets/set-1", headers=key)
        missing = await client.get("/console/question-api/question-sets/nope", headers=key)
    await questions.aclose()
    assert response.status_code == 200
    assert response.json()["question_set_id"] == "set-1"
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "question_set_not_found"  # the question API's own
    assert question_sets.api_keys_seen == ["person-key", "person-key"]


async def test_the_relay_reaches_only_the_review_endpoints(client: httpx.AsyncClient) -> None:
    for path in ("metrics", "question-sets/a/../../metrics", "docs", "keys"):
        response = await client.get(f"/console/question-api/{path}")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] in ("relay_path_unknown", "not_found")


async def test_a_question_api_that_is_down_is_503(settings: Settings) -> None:
    down = settings.model_copy(update={"question_api_url": f"http://127.0.0.1:{free_port()}"})
    async with serve(build_app(down)) as client:
        response = await client.get("/console/question-api/question-sets")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "question_api_unavailable"


async def test_a_relayed_body_over_the_limit_is_413(
    settings: Settings, question_sets: QuestionSets
) -> None:
    questions = QuestionApiClient.from_settings(
        settings, transport=httpx.ASGITransport(question_sets.app())
    )
    async with serve(build_app(settings, question_client=questions)) as client:
        response = await client.post(
            "/console/question-api/generate",
            content=b"x" * (300 * 1024),
            headers={"content-type": "application/json"},
        )
    await questions.aclose()
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


async def test_on_the_data_folder_the_media_link_is_null(
    client: httpx.AsyncClient, interview_id: str, webm: bytes
) -> None:
    uploaded = await client.post(
        f"/interviews/{interview_id}/recordings",
        files={"file": ("answer.webm", webm, "video/webm")},
    )
    recording_id = uploaded.json()["recording_id"]
    link = (await client.get(f"/recordings/{recording_id}/media-link")).json()
    assert link == {"recording_id": recording_id, "url": None, "expires_in_seconds": 900}


async def test_on_s3_the_video_is_a_presigned_redirect(
    s3_settings: Settings,  # noqa: F811 (the fixture imported above)
    webm: bytes,
) -> None:
    async with serve(build_app(s3_settings)) as client:
        interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        uploaded = await client.post(
            f"/interviews/{interview_id}/recordings",
            files={"file": ("answer.webm", webm, "video/webm")},
        )
        recording_id = uploaded.json()["recording_id"]
        media = await client.get(f"/recordings/{recording_id}/media")
        link = (await client.get(f"/recordings/{recording_id}/media-link")).json()
    assert media.status_code == 307
    location = media.headers["location"]
    assert recording_id in location and "Signature" in location
    assert link["url"] is not None and recording_id in link["url"]
    async with httpx.AsyncClient() as store:  # the object store serves the ranges itself
        ranged = await store.get(location, headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206
    assert ranged.content == webm[:100]
