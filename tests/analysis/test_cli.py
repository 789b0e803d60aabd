"""`interview-analysis analyze FILE`: a team recording interviews with a local script gets the
merged JSON for a file, without running the APIs."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from analysis.cli import analyze_file, main
from shared.http import RetryPolicy
from shared.settings import Settings
from tests.analysis.fakes.twelvelabs import FakeTwelveLabs
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


# issue 13: the command line leaves nothing behind at the providers


def _twelvelabs(settings: Settings, fake: FakeTwelveLabs, policy: RetryPolicy) -> Any:
    from analysis.providers.twelvelabs import TwelveLabsProvider
    from tests.analysis.test_twelvelabs import FakeTime

    time = FakeTime()
    configured = settings.model_copy(
        update={"twelvelabs_api_key": SecretStr(fake.api_key), "twelvelabs_base_url": fake.base_url}
    )
    return TwelveLabsProvider.from_settings(
        configured, http_client=fake.client(), policy=policy, sleep=time.sleep, clock=time.clock
    )


@pytest.mark.parametrize("keep", [False, True])
async def test_analyze_deletes_what_it_uploaded_unless_asked_to_keep_it(
    tmp_path: Path, settings: Settings, fast_policy: RetryPolicy, keep: bool
):
    video = make_video(tmp_path / "answer.mp4", seconds=4.0, speech=[(0.5, 3.5)])
    fake = FakeTwelveLabs()
    report = io.StringIO()

    document = await analyze_file(
        video,
        None,
        settings,
        keep_remote=keep,
        providers=[_twelvelabs(settings, fake, fast_policy)],
        report=report,
    )

    assert document["providers"]["twelvelabs"]["status"] == "succeeded"  # type: ignore[index]
    [asset_id] = [*fake.deleted, *fake.assets]
    if keep:
        assert fake.deleted == [] and list(fake.assets) == [asset_id]
        assert report.getvalue() == f"left at twelvelabs (--keep-remote): asset_id {asset_id}\n"
    else:
        assert fake.deleted == [asset_id] and fake.assets == {}
        assert report.getvalue() == f"deleted at twelvelabs: asset_id {asset_id}\n"
