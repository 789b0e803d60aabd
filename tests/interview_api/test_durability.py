"""A crash never leaves half a recording; erasure leaves nothing; the analysis hooks are called."""

from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from interview_api.main import build_app
from interview_api.recordings.models import Recording
from interview_api.recordings.repository import RecordingRepository
from shared.settings import Settings
from tests.consent import CONSENT
from tests.interview_api.conftest import serve, stored_files


async def upload(client: httpx.AsyncClient, interview_id: str, data: bytes) -> httpx.Response:
    return await client.post(
        f"/interviews/{interview_id}/recordings", files={"file": ("a.webm", data, "video/webm")}
    )


async def test_a_crash_before_the_commit_leaves_nothing_after_a_restart(
    settings: Settings, data_dir: Path, webm: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve(build_app(settings), raise_app_exceptions=False) as client:
        interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        kept = (await upload(client, interview_id, webm)).json()

        real_add, real_commit = RecordingRepository.add, AsyncSession.commit

        async def add_and_mark(self: RecordingRepository, recording: Recording) -> Recording:
            self.session.info["recording_added"] = True
            return await real_add(self, recording)

        async def crash_when_a_recording_commits(session: AsyncSession) -> None:
            if session.info.get("recording_added"):
                raise RuntimeError("simulated crash between rename and commit")
            await real_commit(session)

        monkeypatch.setattr(RecordingRepository, "add", add_and_mark)
        monkeypatch.setattr(AsyncSession, "commit", crash_when_a_recording_commits)
        failed = await upload(client, interview_id, webm + b"different bytes")
        monkeypatch.undo()
        assert failed.status_code == 500
        assert failed.json()["error"]["code"] == "internal_error"
        assert len(stored_files(data_dir)) == 2  # the renamed file, without its row

    settings = settings.model_copy(update={"orphan_grace_seconds": 0})
    async with serve(build_app(settings)) as client:  # the restart sweeps the orphan
        recordings = (await client.get(f"/interviews/{interview_id}")).json()["recordings"]
        assert [r["recording_id"] for r in recordings] == [kept["recording_id"]]
        [survivor] = stored_files(data_dir)
        assert survivor.name == f"{kept['recording_id']}.webm"
        assert survivor.read_bytes() == webm


async def test_a_failed_row_write_removes_the_file_at_once(
    settings: Settings, data_dir: Path, webm: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing_add(self: RecordingRepository, recording: Recording) -> Recording:
        raise RuntimeError("database went away")

    async with serve(build_app(settings), raise_app_exceptions=False) as client:
        interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        monkeypatch.setattr(RecordingRepository, "add", failing_add)
        response = await upload(client, interview_id, webm)
        assert response.status_code == 500
        assert stored_files(data_dir) == []
        monkeypatch.undo()
        assert (await client.get(f"/interviews/{interview_id}")).json()["recordings"] == []


async def test_start_up_sweeps_temp_files_and_dirs_of_unknown_interviews(
    settings: Settings, data_dir: Path, webm: bytes
) -> None:
    async with serve(build_app(settings)) as client:
        interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        kept = (await upload(client, interview_id, webm)).json()
    interview_dir = data_dir / "recordings" / f"interview_{interview_id}"
    (interview_dir / ".upload-abc.part").write_bytes(b"half an upload")
    (interview_dir / "0123456789abcdef0123456789abcdef.webm").write_bytes(webm)
    unknown = data_dir / "recordings" / "interview_gone"
    unknown.mkdir()
    (unknown / "x.webm").write_bytes(webm)

    async with serve(build_app(settings.model_copy(update={"orphan_grace_seconds": 0}))):
        pass
    assert stored_files(data_dir) == [interview_dir / f"{kept['recording_id']}.webm"]
    assert not unknown.exists()


async def test_start_up_leaves_young_files_alone_they_may_be_another_replicas_upload(
    settings: Settings, data_dir: Path, webm: bytes
) -> None:
    async with serve(build_app(settings)) as client:
        interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        kept = (await upload(client, interview_id, webm)).json()
    in_flight = data_dir / "recordings" / f"interview_{interview_id}" / ".upload-abc.part"
    in_flight.write_bytes(b"half an upload, still streaming in elsewhere")

    async with serve(build_app(settings)):  # default grace: an hour
        pass
    assert in_flight.exists()
    assert len(stored_files(data_dir)) == 2, kept


class RecordingHooks:
    """Stands in for the analysis pipeline."""

    def __init__(self) -> None:
        self.enqueued: list[str] = []
        self.erased: list[str] = []

    async def enqueue(self, session: AsyncSession, recording: Recording) -> str | None:
        self.enqueued.append(recording.id)
        return f"analysis-{recording.id}"

    async def erase(self, session: AsyncSession, interview_id: str) -> None:
        self.erased.append(interview_id)


async def test_each_new_recording_is_enqueued_once(settings: Settings, webm: bytes) -> None:
    hooks = RecordingHooks()
    async with serve(build_app(settings, analysis_hooks=hooks)) as client:
        interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        first = await upload(client, interview_id, webm)
        again = await upload(client, interview_id, webm)
    recording_id = first.json()["recording_id"]
    assert hooks.enqueued == [recording_id]
    assert first.json()["analysis_id"] == f"analysis-{recording_id}"
    assert first.json()["status"] == "queued"
    assert again.status_code == 200
    assert again.json()["analysis_id"] == f"analysis-{recording_id}"


async def test_delete_erases_files_rows_and_analyses(
    settings: Settings, data_dir: Path, webm: bytes, mp4: bytes
) -> None:
    hooks = RecordingHooks()
    async with serve(build_app(settings, analysis_hooks=hooks)) as client:
        interview_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        other_id = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        await upload(client, interview_id, webm)
        await upload(client, interview_id, mp4)
        other = (await upload(client, other_id, webm)).json()

        deleted = await client.delete(f"/interviews/{interview_id}")
        assert deleted.status_code == 204
        assert deleted.content == b""
        assert hooks.erased == [interview_id]
        assert not (data_dir / "recordings" / f"interview_{interview_id}").exists()

        for method, url, kwargs in [
            ("GET", f"/interviews/{interview_id}", {}),
            ("DELETE", f"/interviews/{interview_id}", {}),
            ("POST", "/end-interview", {"json": {"interview_id": interview_id}}),
        ]:
            response = await client.request(method, url, **kwargs)  # type: ignore[arg-type]
            assert response.status_code == 404, (method, url)
            assert response.json()["error"]["code"] == "interview_not_found"
        assert (await upload(client, interview_id, webm)).status_code == 404
        listed = (await client.get("/interviews")).json()
        assert [item["interview_id"] for item in listed["items"]] == [other_id]

    # The other interview is untouched, and nothing of the erased one comes back at start-up.
    assert stored_files(data_dir) == [
        data_dir / "recordings" / f"interview_{other_id}" / f"{other['recording_id']}.webm"
    ]
