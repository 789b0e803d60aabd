"""`interview-analysis analyze FILE`: a team recording interviews with a local script gets the
merged JSON for a file, without running the APIs."""

import json
from pathlib import Path

import pytest

from analysis.cli import main
from tests.videos import make_video


def test_analyze_prints_the_merged_document_of_a_local_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("LOG_FORMAT", "text")
    video = make_video(tmp_path / "answer.mp4", seconds=4.0, speech=[(0.5, 1.8), (2.6, 3.8)])

    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(video), "--question", "Tell me about a hard bug you fixed."])

    assert exited.value.code == 0
    document = json.loads(capsys.readouterr().out)
    assert document["schema_version"] == "1.1"
    assert document["status"] == "succeeded"
    assert document["question"]["text"] == "Tell me about a hard bug you fixed."
    assert document["media"]["container"] == "mp4"
    assert document["speech"]["pause_count"] == 1
    assert document["providers"]["twelvelabs"]["status"] == "skipped"


def test_analyze_refuses_a_missing_file_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(tmp_path / "nope.webm")])

    assert exited.value.code == 2
    assert "no such file" in capsys.readouterr().err


def test_analyze_exits_non_zero_when_nothing_could_be_measured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    garbage = tmp_path / "notes.webm"
    garbage.write_text("not a video at all")

    with pytest.raises(SystemExit) as exited:
        main(["analyze", str(garbage)])

    assert exited.value.code == 1
    document = json.loads(capsys.readouterr().out)
    assert document["status"] == "failed"
    assert document["media"] is None
    assert document["providers"]["local"]["error"]["code"] == "unreadable_media"
