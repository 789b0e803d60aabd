"""A recording with no usable media is refused by the local measurement before any provider
call: never sent to Twelve Labs or Interhuman, never scored."""

import os
from pathlib import Path

from analysis.canonical import Speech
from analysis.media import MediaProbe, SpeechAnalysis
from analysis.providers.local import LocalMediaProvider, unusable_media
from shared.db import Database
from shared.settings import Settings
from tests.analysis.pipeline import Scripted, document, enqueue, make_worker
from tests.videos import make_video


async def _enqueue_file(database: Database, data_dir: Path, content: bytes) -> str:
    """Queue the analysis of a stored recording whose bytes are `content`."""
    analysis_id = await enqueue(database, data_dir)
    (data_dir / "recordings/interview_int-1/rec-1.webm").write_bytes(content)
    return analysis_id


async def test_valid_webm_head_then_random_bytes_is_refused_before_any_provider(
    db: Database,
    settings: Settings,
    tmp_path: Path,
) -> None:
    make_video(tmp_path / "real.webm", seconds=3.0, width=160, height=120)
    damaged = (tmp_path / "real.webm").read_bytes()[:8192] + os.urandom(512 * 1024)
    analysis_id = await _enqueue_file(db, settings.data_dir, damaged)
    cloud = [Scripted("twelvelabs", []), Scripted("interhuman", [])]
    await make_worker(db, settings, [LocalMediaProvider(), *cloud]).run_until_idle()  # type: ignore[list-item]

    doc = await document(db, analysis_id)
    assert doc["status"] == "failed"
    assert doc["speech"] is None and doc["assessment"] is None and doc["behavior"] is None
    code = doc["providers"]["local"]["error"]["code"]
    assert code in ("media_empty", "media_truncated")
    for name in ("twelvelabs", "interhuman"):
        assert doc["providers"][name]["status"] == "failed"
        assert doc["providers"][name]["error"]["code"] == code
    assert [provider.runs for provider in cloud] == [0, 0]


async def test_a_complete_recording_still_reaches_the_providers(
    db: Database,
    settings: Settings,
    tmp_path: Path,
) -> None:
    make_video(tmp_path / "real.webm", seconds=3.0, width=160, height=120)
    analysis_id = await _enqueue_file(db, settings.data_dir, (tmp_path / "real.webm").read_bytes())
    cloud = [
        Scripted("twelvelabs", [], skip="no key"),
        Scripted("interhuman", [], skip="no key"),
    ]
    await make_worker(db, settings, [LocalMediaProvider(), *cloud]).run_until_idle()  # type: ignore[list-item]
    doc = await document(db, analysis_id)
    assert doc["status"] == "succeeded"
    assert doc["speech"] is not None


def _probe(seconds: float | None) -> MediaProbe:
    return MediaProbe(
        "webm",
        "matroska,webm",
        seconds,
        "header",
        160,
        120,
        30.0,
        "vp8",
        "opus",
        48000,
        1,
        True,
        True,
    )


def _speech(audio_seconds: float) -> SpeechAnalysis:
    speech = Speech(
        speaking_seconds=0.0,
        speaking_ratio=0.0,
        pause_count=0,
        longest_pause_seconds=0.0,
        mean_loudness_dbfs=None,
    )
    return SpeechAnalysis(speech, audio_seconds, {}, None, None, 0, 0)


def test_media_far_shorter_than_its_container_states_is_truncated() -> None:
    refusal = unusable_media(_probe(60.0), _speech(2.0))
    assert refusal is not None and refusal.code == "media_truncated"
    assert unusable_media(_probe(60.0), _speech(0.1)).code == "media_empty"  # type: ignore[union-attr]
    assert unusable_media(_probe(60.0), _speech(58.0)) is None
    assert unusable_media(_probe(None), None).code == "media_empty"  # type: ignore[union-attr]
