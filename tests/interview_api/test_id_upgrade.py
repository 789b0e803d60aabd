"""A database and files made when interview, recording, invitation and upload ids were 32 hex
digits: after the upgrade every id is a hyphenated UUID, in every table and document, every file
stays reachable, and links made with the old spelling still open the same things."""

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from analysis.models import Analysis, OutboxItem
from interview_api.consent.models import ErasureReceipt
from interview_api.interviews.models import Interview
from interview_api.invitations.models import Invitation, ResumableUpload
from interview_api.invitations.tokens import hash_token
from interview_api.main import build_app
from interview_api.recordings.models import Recording
from interview_api.reviews.models import Decision, Rating
from shared.db import Database, utcnow
from shared.migrations import alembic_config
from shared.settings import Settings
from tests.interview_api.conftest import serve

BEFORE = "514cbc5a6f3c"  # the last revision with hex ids
TOKEN = "old-link-token"
QUESTION = {
    "id": "q1",
    "position": 1,
    "text": "Why?",
    "type": "hr",
    "subtype": "general",
    "competency": "Motivation",
    "expected_points": ["a reason"],
}


def _hyphenated(hex_id: str) -> str:
    return str(uuid.UUID(hex_id))


class OldRows:
    """One of everything, with ids as the code before the upgrade minted them."""

    def __init__(self) -> None:
        self.interview, self.recording, self.invitation, self.upload, self.finished_upload = (
            uuid.uuid4().hex for _ in range(5)
        )
        self.receipt = uuid.uuid4().hex
        self.rating, self.decision = uuid.uuid4().hex, uuid.uuid4().hex
        self.analysis = str(uuid.uuid4())  # analysis ids were hyphenated already
        self.key = f"recordings/interview_{self.interview}/{self.recording}.webm"

    def statements(self) -> list[tuple[str, dict[str, Any]]]:
        now, later = utcnow(), utcnow() + timedelta(days=1)
        document = {
            "analysis_id": self.analysis,
            "interview_id": self.interview,
            "recording_id": self.recording,
            "providers": {"local": {"status": "succeeded", "asset_id": "a" * 32}},
        }
        return [
            (
                "INSERT INTO interviews (id, status, metadata, questions, started_at) VALUES "
                "(:interview, 'active', '{}', :questions, :now)",
                {"questions": json.dumps([QUESTION]), "now": now},
            ),
            (
                "INSERT INTO recordings (id, interview_id, question_id, path, size_bytes, sha256,"
                " container, analysis_id, created_at) VALUES (:recording, :interview, 'q1', :key,"
                " 11, :sha, 'webm', :analysis, :now)",
                {"sha": "ab" * 32, "now": now},
            ),
            (
                "INSERT INTO analyses (id, interview_id, recording_id, recording_key, size_bytes,"
                " sha256, container, status, created_at, claims, document) VALUES (:analysis,"
                " :interview, :recording, :key, 11, :sha, 'webm', 'succeeded', :now, 1, :doc)",
                {"sha": "ab" * 32, "now": now, "doc": json.dumps(document)},
            ),
            (
                "INSERT INTO analysis_outbox (id, kind, interview_id, analysis_id, payload,"
                " status, attempts, due_at, created_at, updated_at) VALUES (:outbox, 'webhook',"
                " :interview, :analysis, :payload, 'done', 1, :now, :now, :now)",
                {
                    "outbox": str(uuid.uuid4()),
                    "payload": json.dumps({"document": document}),
                    "now": now,
                },
            ),
            (
                "INSERT INTO erasure_receipts (id, interview_id, reason, requested_by, erased_at)"
                " VALUES (:receipt, :interview, 'consent_withdrawn', 'admin', :now)",
                {"now": now},
            ),
            (
                "INSERT INTO invitations (id, interview_id, token_hash, status, question_set_id,"
                " candidate_name, answer_seconds, think_seconds, retakes, practice,"
                " question_count, expires_at, created_at) VALUES (:invitation, :interview,"
                " :token_hash, 'in_progress', 'set-1', 'Ada', 60, 10, 0, false, 1, :later, :now)",
                {"token_hash": hash_token(TOKEN), "later": later, "now": now},
            ),
            (
                "INSERT INTO resumable_uploads (id, invitation_id, interview_id, question_id,"
                " length, received, created_at, expires_at) VALUES (:upload, :invitation,"
                " :interview, 'q1', 100, 5, :now, :later)",
                {"later": later, "now": now},
            ),
            (
                "INSERT INTO resumable_uploads (id, invitation_id, interview_id, question_id,"
                " length, received, recording_id, multipart, created_at, expires_at) VALUES"
                " (:finished_upload, :invitation, :interview, 'q1', 11, 11, :recording,"
                " :multipart, :now, :later)",
                {
                    "multipart": json.dumps({"recording_id": self.recording, "key": self.key}),
                    "later": later,
                    "now": now,
                },
            ),
            (
                "INSERT INTO recording_ratings (id, recording_id, interview_id, reviewer, rating,"
                " created_at, updated_at) VALUES (:rating, :recording, :interview, 'Ana', 4,"
                " :now, :now)",
                {"now": now},
            ),
            (
                "INSERT INTO interview_decisions (id, interview_id, decision, decided_by,"
                " decided_at) VALUES (:decision, :interview, 'advance', 'Ana', :now)",
                {"now": now},
            ),
        ]

    def ids(self) -> dict[str, str]:
        return {
            "interview": self.interview,
            "recording": self.recording,
            "invitation": self.invitation,
            "upload": self.upload,
            "finished_upload": self.finished_upload,
            "analysis": self.analysis,
            "receipt": self.receipt,
            "rating": self.rating,
            "decision": self.decision,
            "key": self.key,
        }


def _to(config: Any, revision: str) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    return run


async def _make_old_database(settings: Settings, old: OldRows) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url_for("interview_api"))
    config = alembic_config("interview_api", db.url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_to(config, BEFORE))
            for statement, values in old.statements():
                await conn.execute(text(statement), {**old.ids(), **values})
        async with db.engine.begin() as conn:
            await conn.run_sync(_to(config, "head"))
    finally:
        await db.dispose()


def _make_old_files(data_dir: Path, old: OldRows) -> tuple[Path, Path]:
    recording = data_dir / old.key
    recording.parent.mkdir(parents=True)
    recording.write_bytes(b"old answer!")
    partial = data_dir / "uploads" / f"{old.upload}.part"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"12345")
    return recording, partial


async def test_every_hex_id_becomes_a_hyphenated_uuid_in_every_table_and_document(
    settings: Settings,
) -> None:
    old = OldRows()
    await _make_old_database(settings, old)
    interview, recording = _hyphenated(old.interview), _hyphenated(old.recording)
    db = Database(settings.database_url_for("interview_api"))
    try:
        async with db.session() as session:
            assert (await session.scalars(select(Interview.id))).all() == [interview]
            [stored] = (await session.scalars(select(Recording))).all()
            [invitation] = (await session.scalars(select(Invitation))).all()
            uploads = (await session.scalars(select(ResumableUpload))).all()
            [analysis] = (await session.scalars(select(Analysis))).all()
            [webhook] = (await session.scalars(select(OutboxItem))).all()
            [receipt] = (await session.scalars(select(ErasureReceipt))).all()
            [rating] = (await session.scalars(select(Rating))).all()
            [decision] = (await session.scalars(select(Decision))).all()
    finally:
        await db.dispose()
    assert (stored.id, stored.interview_id, stored.path) == (recording, interview, old.key)
    assert (invitation.id, invitation.interview_id) == (_hyphenated(old.invitation), interview)
    assert {(u.id, u.invitation_id, u.interview_id, u.recording_id) for u in uploads} == {
        (_hyphenated(old.upload), invitation.id, interview, None),
        (_hyphenated(old.finished_upload), invitation.id, interview, recording),
    }
    finished = next(u for u in uploads if u.recording_id)
    assert finished.multipart == {"recording_id": recording, "key": old.key}  # the key kept
    assert (analysis.interview_id, analysis.recording_id, analysis.recording_key) == (
        interview,
        recording,
        old.key,
    )
    expected = {"analysis_id": old.analysis, "interview_id": interview, "recording_id": recording}
    assert analysis.document is not None
    assert {k: analysis.document[k] for k in expected} == expected
    # a provider's own id that happens to be 32 hex digits is left as the provider wrote it
    assert analysis.document["providers"]["local"]["asset_id"] == "a" * 32
    assert webhook.interview_id == interview
    assert (rating.id, rating.recording_id, rating.interview_id) == (
        _hyphenated(old.rating),
        recording,
        interview,
    )
    assert (decision.id, decision.interview_id) == (_hyphenated(old.decision), interview)
    assert (receipt.id, receipt.interview_id) == (_hyphenated(old.receipt), interview)
    assert {k: webhook.payload["document"][k] for k in expected} == expected


async def test_files_stored_under_hex_ids_stay_reachable_and_old_links_still_open(
    settings: Settings,
) -> None:
    old = OldRows()
    await _make_old_database(settings, old)
    recording_file, partial = _make_old_files(settings.data_dir, old)
    interview = _hyphenated(old.interview)
    # the start-up sweep of orphan files knows the old folder belongs to a live interview
    app = build_app(settings.model_copy(update={"orphan_grace_seconds": 0}))
    async with serve(app) as client:
        assert recording_file.exists()
        described = (await client.get(f"/interviews/{interview}")).json()
        assert described["interview_id"] == interview
        assert [r["recording_id"] for r in described["recordings"]] == [_hyphenated(old.recording)]
        by_old_spelling = await client.get(f"/interviews/{old.interview}")
        assert by_old_spelling.json() == described
        invitation = await client.get(f"/invitations/{old.invitation}")
        assert invitation.json()["invitation_id"] == _hyphenated(old.invitation)

        # the candidate's upload, started before the upgrade, resumes where it was
        candidate = {"authorization": f"Bearer {TOKEN}", "tus-resumable": "1.0.0"}
        for spelling in (old.upload, _hyphenated(old.upload)):
            head = await client.head(f"/candidate/uploads/{spelling}", headers=candidate)
            assert (head.status_code, head.headers["upload-offset"]) == (200, "5")
        assert partial.read_bytes() == b"12345"

        erased = await client.delete(f"/interviews/{interview}")
        assert erased.status_code == 204
    assert not recording_file.exists()
    assert not recording_file.parent.exists()


async def test_a_malformed_id_in_a_url_gets_the_routes_own_404(settings: Settings) -> None:
    async with serve(build_app(settings)) as client:
        for path, code in [
            ("/interviews/not-a-uuid", "interview_not_found"),
            ("/interviews/" + "g" * 32, "interview_not_found"),
            ("/invitations/not-a-uuid", "invitation_not_found"),
            ("/analyses/not-a-uuid", "analysis_not_found"),
        ]:
            response = await client.get(path)
            assert (response.status_code, response.json()["error"]["code"]) == (404, code), path
