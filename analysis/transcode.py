"""Smaller copies of a recording, for providers that cap the size of what they accept.

`make_proxy` transcodes a recording into an MP4 that fits under a byte budget: at most 360 px on
its shorter side (Twelve Labs needs at least 360 px there, so no smaller), H.264 at a bitrate
computed from the duration, the sound kept as mono AAC at 64 kbps, and the index at the front
(faststart). It runs the ffmpeg binary that `imageio-ffmpeg` ships, as a subprocess the event loop
awaits, and kills it at the timeout. A single-pass encoder can overshoot its target, so a result
that is still too big gets one more pass at a bitrate corrected by how much the first one missed;
after that, or when even a tiny bitrate cannot fit the duration, it raises `TranscodeError`.
"""

import asyncio
import contextlib
import functools
import logging
from pathlib import Path

import anyio
import anyio.to_thread
import imageio_ffmpeg

from analysis.media import MediaError, probe
from analysis.providers.base import ProviderFailure

logger = logging.getLogger(__name__)

SHORT_SIDE = 360
PROXY_NOTE = (
    "a transcoded proxy (360 px on its shorter side, lower bitrate, sound kept) was analysed "
    "instead of the original"
)
AUDIO_KBPS = 64
MIN_VIDEO_KBPS = 48  # below this the picture is mush; better to say it cannot fit
_FIRST_PASS_SHARE = 0.88  # of the budget: leaves room for the container and encoder overshoot
_SECOND_PASS_SHARE = 0.80
_STDERR_TAIL = 600


class TranscodeError(Exception):
    """A proxy could not be made. `code` is stable: proxy_cannot_fit, proxy_timeout, proxy_failed,
    ffmpeg_missing, duration_unknown, or the probe's code (`analysis.media.MediaError`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


async def make_proxy(
    source: Path,
    dest: Path,
    *,
    max_bytes: int,
    duration_seconds: float | None,
    timeout: float,  # noqa: ASYNC109 - the deadline also kills the ffmpeg subprocess
) -> Path:
    """Write to `dest` a copy of `source` smaller than `max_bytes`, and return `dest`.

    `duration_seconds` sets the bitrate; when None, the file is probed. `timeout` bounds the whole
    job (both passes). On failure `dest` is removed and `TranscodeError` says why.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    duration = duration_seconds
    if duration is None or duration <= 0:
        try:
            duration = (await anyio.to_thread.run_sync(probe, source)).duration_seconds
        except MediaError as exc:
            raise TranscodeError(exc.code, exc.message) from exc
    if duration is None or duration <= 0:
        raise TranscodeError(
            "duration_unknown", f"The length of {source.name} cannot be read, so no bitrate fits."
        )

    video_kbps = _video_kbps(max_bytes * _FIRST_PASS_SHARE, duration)
    size = 0
    try:
        for attempt in (1, 2):
            _check_fits(video_kbps, max_bytes, duration)
            await _run_ffmpeg(_ffmpeg_args(source, dest, video_kbps), deadline)
            size = (await anyio.Path(dest).stat()).st_size
            logger.info(
                "proxy pass %d: %d kbps video -> %d bytes (budget %d)",
                attempt,
                video_kbps,
                size,
                max_bytes,
            )
            if size <= max_bytes:
                return dest
            video_kbps = _corrected_kbps(video_kbps, size, max_bytes, duration)
    except BaseException:
        await _remove(dest)
        raise
    await _remove(dest)
    raise TranscodeError(
        "proxy_cannot_fit",
        f"A {duration:.0f}s proxy of {source.name} is still {size} bytes after two passes; "
        f"the limit is {max_bytes} bytes.",
    )


def _total_kbps(size_bytes: float, duration: float) -> float:
    return size_bytes * 8 / duration / 1000


def _video_kbps(budget_bytes: float, duration: float) -> int:
    return int(_total_kbps(budget_bytes, duration) - AUDIO_KBPS)


def _corrected_kbps(asked_kbps: int, size: int, max_bytes: int, duration: float) -> int:
    """The video bitrate for another pass, given that `asked_kbps` produced `size` bytes."""
    overshoot = max(1.0, (_total_kbps(size, duration) - AUDIO_KBPS) / asked_kbps)
    return min(
        asked_kbps - 1, int(_video_kbps(max_bytes * _SECOND_PASS_SHARE, duration) / overshoot)
    )


def _check_fits(video_kbps: int, max_bytes: int, duration: float) -> None:
    if video_kbps < MIN_VIDEO_KBPS:
        raise TranscodeError(
            "proxy_cannot_fit",
            f"{duration:.0f}s of video cannot fit in {max_bytes} bytes at a watchable quality "
            f"(it would leave {max(video_kbps, 0)} kbps for the picture). "
            "Send a shorter recording.",
        )


# Shorter side at most SHORT_SIDE, both sides even (H.264 4:2:0 needs it), aspect ratio kept.
_SCALE = (
    f"scale=w='if(gte(iw,ih),-2,trunc(min({SHORT_SIDE},iw)/2)*2)'"
    f":h='if(gte(iw,ih),trunc(min({SHORT_SIDE},ih)/2)*2,-2)'"
)


def _ffmpeg_args(source: Path, dest: Path, video_kbps: int) -> list[str]:
    return [
        *("-hide_banner", "-nostdin", "-loglevel", "error", "-y"),
        *("-i", str(source)),
        *("-map", "0:v:0", "-map", "0:a:0?"),
        *("-vf", _SCALE, "-fpsmax", "30"),
        *("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"),
        *("-b:v", f"{video_kbps}k", "-maxrate", f"{video_kbps}k", "-bufsize", f"{video_kbps}k"),
        *("-c:a", "aac", "-ac", "1", "-b:a", f"{AUDIO_KBPS}k"),
        *("-movflags", "+faststart", "-f", "mp4", str(dest)),
    ]


@functools.cache
def _ffmpeg_exe() -> str:
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:
        raise TranscodeError("ffmpeg_missing", f"No ffmpeg binary is available: {exc}") from exc


async def _run_ffmpeg(args: list[str], deadline: float) -> None:
    remaining = deadline - asyncio.get_running_loop().time()
    if remaining <= 0:
        raise TranscodeError("proxy_timeout", "The time allowed for the proxy ran out.")
    process = await asyncio.create_subprocess_exec(
        _ffmpeg_exe(),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), remaining)
    except TimeoutError:
        raise TranscodeError(
            "proxy_timeout", "ffmpeg did not finish the proxy in the time allowed; it was stopped."
        ) from None
    finally:
        if process.returncode is None:  # timed out or cancelled: never leave ffmpeg running
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    if process.returncode != 0:
        tail = stderr.decode(errors="replace").strip()[-_STDERR_TAIL:]
        raise TranscodeError(
            "proxy_failed",
            f"ffmpeg could not transcode the recording (exit {process.returncode}): "
            f"{tail or 'no message'}",
        )


async def _remove(path: Path) -> None:
    await anyio.Path(path).unlink(missing_ok=True)


async def proxy_for_provider(
    provider: str,
    source: Path,
    dest: Path,
    *,
    max_bytes: int,
    duration_seconds: float | None,
    timeout: float,  # noqa: ASYNC109 - passed on to make_proxy, which kills ffmpeg at it
) -> Path:
    """`make_proxy` for a provider's size limit; a failure becomes that provider's failure."""
    try:
        return await make_proxy(
            source, dest, max_bytes=max_bytes, duration_seconds=duration_seconds, timeout=timeout
        )
    except TranscodeError as exc:
        raise ProviderFailure(
            exc.code,
            f"The recording is over {provider}'s {max_bytes}-byte limit and no smaller copy "
            f"could be made: {exc.message}",
            # the same ffmpeg job would run into the same limit again: no step retry
        ) from exc
