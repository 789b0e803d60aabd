"""Interviews are erased RETENTION_DAYS after they ended; `interview-backend retention
--dry-run` lists what would go and erases nothing."""

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from interview_api.analyses.hooks import PipelineHooks
from interview_api.interviews.models import Interview
from interview_api.interviews.retention import erase_expired
from interview_api.main import build_app
from shared.audit import trail as audit_trail
from shared.db import Database, utcnow
from shared.settings import Settings
from shared.storage import LocalStorage
from tests.consent import CONSENT
from tests.interview_api.conftest import retention_dry_run, serve, stored_files


async def ended_interview(client: httpx.AsyncClient, webm: bytes) -> str:
    interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
    uploaded = await client.post(
        f"/interviews/{interview_id}/recordings", files={"file": ("a.webm", webm, "video/webm")}
    )
    assert uploaded.status_code == 202
    await client.post("/end-interview", json={"interview_id": interview_id})
    return str(interview_id)


async def test_retention_erases_only_interviews_past_their_days(
    settings: Settings,
    data_dir: Path,
    webm: bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = settings.model_copy(update={"retention_days": 30})
    async with serve(build_app(settings)) as client:
        old = await ended_interview(client, webm)
        recent = await ended_interview(client, webm)
        active = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
    db = Database(settings.database_url_for("interview_api"))
    async with db.session() as session:
        await session.execute(
            update(Interview)
            .where(Interview.id == old)
            .values(ended_at=utcnow() - timedelta(days=31))
        )

    out = await retention_dry_run(monkeypatch, capsys, settings, RETENTION_DAYS="30")
    assert old in out and recent not in out and active not in out
    assert "1 interviews would be erased" in out
    assert len(stored_files(data_dir)) == 2  # a dry run erases nothing

    storage = LocalStorage(data_dir)
    async with audit_trail.service_database(settings, "interview_api") as audited:
        erased = await erase_expired(audited, storage, PipelineHooks(storage), 30, utcnow())
    await db.dispose()

    assert erased == [old]
    assert len(stored_files(data_dir)) == 1
    async with serve(build_app(settings)) as client:
        assert (await client.get(f"/interviews/{old}")).status_code == 404
        assert (await client.get(f"/interviews/{recent}")).status_code == 200
        receipt = (await client.get(f"/interviews/{old}/erasure")).json()
        assert [(e["reason"], e["requested_by"]) for e in receipt["erasures"]] == [
            ("retention", "system")
        ]
        trail = (await client.get("/audit", params={"action": "erased"})).json()["items"]
        assert [(e["interview_id"], e["actor"]["role"]) for e in trail] == [(old, "system")]
