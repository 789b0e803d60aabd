"""Stored analyses stay readable: a document stored as schema 1.0 is served by the newest code,
also when fields it carries were later removed or renamed (they are dropped, never a 500)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import jsonschema

from analysis.models import Analysis, ProviderStep
from shared.db import Database
from shared.settings import Settings

STORED = Path(__file__).parents[1] / "analysis" / "stored" / "analysis-1.0.json"
STORED_BEHAVIOR = STORED.with_name("analysis-1.0-interhuman.json")


async def store(settings: Settings, analysis: Analysis) -> None:
    db = Database(settings.database_url_for("interview_api"))
    try:
        async with db.session() as session:
            session.add(analysis)
    finally:
        await db.dispose()


def analysis_row(stored: dict, **values: object) -> Analysis:  # type: ignore[type-arg]
    return Analysis(
        id=stored["analysis_id"],
        interview_id=stored["interview_id"],
        recording_id=stored["recording_id"],
        question_id="q1",
        question_text=stored["question"]["text"],
        recording_key="recordings/interview_x/y.webm",
        size_bytes=1234567,
        sha256="ab" * 32,
        container="webm",
        created_at=datetime(2026, 11, 21, 9, tzinfo=UTC),
        **values,
    )


async def test_a_stored_1_0_document_is_served_by_the_newest_code(
    client: httpx.AsyncClient, settings: Settings
):
    stored = json.loads(STORED.read_text())
    await store(settings, analysis_row(stored, status="partial", document=stored))

    response = await client.get(f"/analyses/{stored['analysis_id']}")

    assert response.status_code == 200
    served = response.json()
    assert served["schema_version"] == "1.0"
    assert served["assessment"]["confidence"] == 8
    assert served["media"]["sha256"] == stored["media"]["sha256"]
    assert served["providers"]["interhuman"]["error"]["code"] == "ih2003"
    assert "overall" not in served["assessment"]  # a field this code does not know
    report = await client.get(f"/interviews/{stored['interview_id']}/report")
    assert report.status_code == 404  # no interview row here: the report is not a 500 either


async def test_a_running_analysis_with_sections_stored_by_older_code_is_readable(
    client: httpx.AsyncClient, settings: Settings
):
    stored = json.loads(STORED.read_text())
    row = analysis_row(stored, status="running", started_at=datetime.now(UTC))
    row.steps = [
        ProviderStep(provider="local", status="succeeded", state={}, notes=[],
                     section={"media": stored["media"], "speech": stored["speech"]}),
        ProviderStep(provider="twelvelabs", status="succeeded", state={}, notes=[],
                     section=stored["assessment"]),
        ProviderStep(provider="interhuman", status="running", state={}, notes=[]),
    ]  # fmt: skip
    await store(settings, row)

    response = await client.get(f"/analyses/{stored['analysis_id']}")

    assert response.status_code == 200
    assert response.json()["status"] == "running"
    assert response.json()["assessment"]["clarity"] == 9


async def test_interhuman_times_stored_as_1_0_are_served_under_both_names(
    client: httpx.AsyncClient, settings: Settings
):
    stored = json.loads(STORED_BEHAVIOR.read_text())
    await store(settings, analysis_row(stored, status="partial", document=stored))

    served = (await client.get(f"/analyses/{stored['analysis_id']}")).json()

    signal = served["behavior"]["signals"][0]
    assert (signal["start_seconds"], signal["end_seconds"]) == (5.0, 15.0)
    assert (signal["start"], signal["end"]) == (5.0, 15.0)  # what a 1.0 reader looks for
    window = served["behavior"]["conversation_quality"]["timeline"][1]
    assert (window["start_seconds"], window["end_seconds"]) == (10, 20)
    jsonschema.validate(served, (await client.get("/schemas/analysis-v1.json")).json())
