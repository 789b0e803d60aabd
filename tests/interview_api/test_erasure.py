"""Erasure commits its rows first, then deletes the files; a file it could not delete is not
reported as deleted: it is shown, retried, and gone once the storage answers again."""

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from analysis.models import OutboxItem
from interview_api import main
from interview_api.interviews.repository import InterviewRepository
from interview_api.main import build_app
from shared.db import Database, utcnow
from shared.settings import Settings
from shared.storage import LocalStorage
from tests.interview_api.conftest import serve


class FlakyFolderDeletes(LocalStorage):
    """Storage whose first folder deletion fails; it notes whether the interview's row was
    already committed when each deletion began."""

    def __init__(self, root: Path, settings: Settings) -> None:
        super().__init__(root)
        self.settings = settings
        self.failures = 1
        self.row_committed_at_delete: list[bool] = []

    async def delete_prefix(self, prefix: str) -> None:
        interview_id = prefix.rpartition("interview_")[2]
        db = Database(self.settings.database_url_for("interview_api"))
        try:
            async with db.session() as session:
                exists = await InterviewRepository(session).exists(interview_id)
        finally:
            await db.dispose()
        self.row_committed_at_delete.append(not exists)
        if self.failures:
            self.failures -= 1
            raise OSError("the volume is read-only for a moment")
        await super().delete_prefix(prefix)


async def test_a_failed_file_deletion_is_reported_retried_and_done_later(
    settings: Settings, data_dir: Path, webm: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"worker_poll_seconds": 0.02})
    storage = FlakyFolderDeletes(data_dir, settings)
    monkeypatch.setattr(main, "storage_from_settings", lambda _: storage)
    async with serve(build_app(settings)) as client:
        interview_id = (await client.post("/start-interview")).json()["interview_id"]
        uploaded = await client.post(
            f"/interviews/{interview_id}/recordings",
            files={"file": ("a.webm", webm, "video/webm")},
        )
        assert uploaded.status_code == 202
        folder = data_dir / "recordings" / f"interview_{interview_id}"

        erased = await client.delete(f"/interviews/{interview_id}")

        assert erased.status_code == 202
        assert erased.json()["status"] == "erasing"
        assert erased.json()["pending_objects"] == [f"recordings/interview_{interview_id}"]
        assert (await client.get(f"/interviews/{interview_id}")).status_code == 404
        assert folder.exists()
        listed = await client.get(
            "/remote-deletions", params={"interview_id": interview_id, "status": "pending"}
        )
        [pending] = [i for i in listed.json()["items"] if i["provider"] == "storage"]
        assert "read-only" in pending["last_error"]

        db = Database(settings.database_url_for("interview_api"))
        async with db.session() as session:  # time passes: the retry is due
            await session.execute(update(OutboxItem).values(due_at=utcnow()))
        await db.dispose()
        statuses: dict[str, str] = {}
        for _ in range(300):  # the folder goes first, then the row is marked done
            done = await client.get("/remote-deletions", params={"interview_id": interview_id})
            statuses = {i["id"]: i["status"] for i in done.json()["items"]}
            if statuses[pending["id"]] == "done":
                break
            await asyncio.sleep(0.02)
        assert not folder.exists()
        assert statuses[pending["id"]] == "done"
    assert storage.row_committed_at_delete == [True, True]


async def test_an_erasure_with_every_file_deleted_answers_204(
    client: httpx.AsyncClient, data_dir: Path, webm: bytes
) -> None:
    interview_id = (await client.post("/start-interview")).json()["interview_id"]
    await client.post(
        f"/interviews/{interview_id}/recordings", files={"file": ("a.webm", webm, "video/webm")}
    )
    erased = await client.delete(f"/interviews/{interview_id}")
    assert erased.status_code == 204
    assert not (data_dir / "recordings" / f"interview_{interview_id}").exists()
