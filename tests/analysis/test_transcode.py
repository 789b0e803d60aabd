"""Proxies of real recordings made by the ffmpeg binary that imageio-ffmpeg ships."""

from pathlib import Path

import av
import pytest

from analysis import transcode
from analysis.transcode import TranscodeError, make_proxy
from tests.videos import make_video


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")


@pytest.fixture(scope="module")
def landscape(clips: Path) -> Path:
    return make_video(clips / "landscape.webm", seconds=4.0, width=800, height=450, fps=5)


@pytest.fixture(scope="module")
def portrait(clips: Path) -> Path:
    return make_video(clips / "portrait.mp4", seconds=4.0, width=360, height=720, fps=5)


def streams(path: Path) -> tuple[int, int, str, int]:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0]
        return video.width, video.height, audio.codec_context.name, audio.channels


async def test_proxy_fits_the_budget_at_360p_keeping_mono_sound(landscape: Path, tmp_path: Path):
    budget = landscape.stat().st_size // 2

    proxy = await make_proxy(
        landscape, tmp_path / "proxy.mp4", max_bytes=budget, duration_seconds=4.0, timeout=60
    )

    assert proxy == tmp_path / "proxy.mp4"
    assert 0 < proxy.stat().st_size <= budget
    assert streams(proxy) == (640, 360, "aac", 1)
    data = proxy.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart: the index comes first


async def test_portrait_recording_keeps_its_shape(portrait: Path, tmp_path: Path):
    proxy = await make_proxy(
        portrait, tmp_path / "proxy.mp4", max_bytes=400_000, duration_seconds=None, timeout=60
    )  # no duration given: the file is probed

    width, height, _, _ = streams(proxy)
    assert (width, height) == (360, 720)


async def test_an_ultrawide_recording_keeps_360_px_on_its_short_side(clips: Path, tmp_path: Path):
    wide = make_video(clips / "wide.mp4", seconds=3.0, width=1680, height=720, fps=5)
    proxy = await make_proxy(
        wide, tmp_path / "proxy.mp4", max_bytes=400_000, duration_seconds=3.0, timeout=60
    )

    width, height, _, _ = streams(proxy)
    assert (width, height) == (840, 360)  # Pegasus refuses a short side under 360 px


async def test_second_pass_at_a_lower_bitrate_when_the_first_is_too_big(
    landscape: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(transcode, "_FIRST_PASS_SHARE", 3.0)  # aim far over the budget at first
    passes: list[list[str]] = []
    real_run = transcode._run_ffmpeg

    async def counted(args: list[str], deadline: float) -> None:
        passes.append(args)
        await real_run(args, deadline)

    monkeypatch.setattr(transcode, "_run_ffmpeg", counted)
    budget = 150_000

    proxy = await make_proxy(
        landscape, tmp_path / "proxy.mp4", max_bytes=budget, duration_seconds=4.0, timeout=60
    )

    assert len(passes) == 2
    first, second = (int(args[args.index("-b:v") + 1].rstrip("k")) for args in passes)
    assert second < first
    assert proxy.stat().st_size <= budget


async def test_budget_too_small_for_the_duration_fails_before_transcoding(
    landscape: Path, tmp_path: Path
):
    dest = tmp_path / "proxy.mp4"

    with pytest.raises(TranscodeError) as caught:
        await make_proxy(landscape, dest, max_bytes=30_000, duration_seconds=4.0, timeout=60)

    assert caught.value.code == "proxy_cannot_fit"
    assert "shorter" in caught.value.message
    assert not dest.exists()


async def test_ffmpeg_is_killed_at_the_timeout(landscape: Path, tmp_path: Path):
    dest = tmp_path / "proxy.mp4"

    with pytest.raises(TranscodeError) as caught:
        await make_proxy(landscape, dest, max_bytes=400_000, duration_seconds=4.0, timeout=0.01)

    assert caught.value.code == "proxy_timeout"
    assert not dest.exists()


async def test_a_file_that_is_not_a_video_fails_clearly(tmp_path: Path):
    source = tmp_path / "notes.mp4"
    source.write_text("this is not a video\n")
    dest = tmp_path / "proxy.mp4"

    with pytest.raises(TranscodeError) as caught:
        await make_proxy(source, dest, max_bytes=400_000, duration_seconds=4.0, timeout=60)
    assert caught.value.code == "proxy_failed"
    assert not dest.exists()

    with pytest.raises(TranscodeError) as probed:
        await make_proxy(source, dest, max_bytes=400_000, duration_seconds=None, timeout=60)
    assert probed.value.code == "unreadable_media"
