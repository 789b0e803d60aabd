"""Local measurements of a recording: what the file is (`probe`) and how the candidate speaks
(`measure_speech`).

Blocking functions with no I/O beyond reading the file; the local provider runs them in a worker
thread. Everything here is measured from the file itself, never guessed by a model.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, TypeVar

import av
import av.error
import numpy as np
import numpy.typing as npt
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.packet import Packet
from av.stream import Disposition
from av.video.stream import VideoStream

from analysis.canonical import Media, Speech

SPEECH_SAMPLE_RATE = 16_000
SPEECH_METHOD = (
    "energy voice activity detection: mono 16 kHz audio cut into fixed frames; a frame is voiced "
    "when its RMS level is above an adaptive threshold (noise floor = 10th percentile of frame "
    "levels, plus a margin, never below an absolute floor); voiced runs shorter than min_speech "
    "are dropped and gaps shorter than min_pause are bridged; a pause is a remaining gap between "
    "two speech segments; loudness is the RMS of the voiced frames in dBFS (full-scale square "
    "wave = 0 dBFS)"
)

Array = npt.NDArray[np.float64]
CancelCheck = Callable[[], None]
"""Called regularly during a pass over the file; raise from it to abandon the measurement."""
DurationSource = Literal["header", "stream", "packets"]
_S = TypeVar("_S", VideoStream, AudioStream)
_P = TypeVar("_P", bound="Packet[Any]")

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE_ID = 0x4282
_SILENCE_DBFS = -120.0  # digital silence has no level; this stands in for minus infinity
_NOISE_PERCENTILE = 10.0
_PEAK_PERCENTILE = 95.0
_MIN_CONTRAST_DB = 6.0  # below this the clip is one level and energy tells nothing apart
_BLOCK_SAMPLES = SPEECH_SAMPLE_RATE * 4  # how much audio is buffered before it is framed


class MediaError(Exception):
    """The file cannot be measured: `code` says why (`unreadable_media`, `recording_missing`,
    `no_media_streams`, `undecodable_audio`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class MediaProbe:
    """What the container says about itself, normalised."""

    container: str  # webm, mkv, mp4, mov, avi, ts (the upload's names), or FFmpeg's for others
    format_name: str  # FFmpeg's demuxer name, as is
    duration_seconds: float | None
    duration_source: DurationSource | None
    width: int | None
    height: int | None
    frame_rate: float | None
    video_codec: str | None
    audio_codec: str | None
    audio_sample_rate: int | None
    audio_channels: int | None
    has_audio: bool
    has_video: bool

    def to_media(self, *, size_bytes: int, sha256: str) -> Media:
        return Media(
            duration_seconds=self.duration_seconds,
            width=self.width,
            height=self.height,
            has_audio=self.has_audio,
            has_video=self.has_video,
            container=self.container,
            video_codec=self.video_codec,
            audio_codec=self.audio_codec,
            frame_rate=self.frame_rate,
            size_bytes=size_bytes,
            sha256=sha256,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SpeechAnalysis:
    """The speech measurements plus how they were made (for the provider's raw answer)."""

    speech: Speech
    audio_seconds: float
    settings: dict[str, float]
    noise_floor_dbfs: float | None
    threshold_dbfs: float | None
    segment_count: int
    skipped_packets: int

    def as_dict(self) -> dict[str, Any]:
        details = asdict(self)
        details["speech"] = self.speech.model_dump()
        return details


# --- probe -------------------------------------------------------------------------------------


def probe(path: Path, *, cancel_check: CancelCheck | None = None) -> MediaProbe:
    """Read the container's header (and, when it states no duration, its packet timestamps).

    Never decodes: browser-recorded WebM has no duration in its header, so the duration is then
    the end of the last packet, which costs one pass over the file but no decoding.
    """
    with open_recording(path) as container:
        video = _video_stream(container)
        audio = _audio_stream(container)
        if video is None and audio is None:
            raise MediaError("no_media_streams", f"{path.name} holds neither video nor audio")
        duration, source = _duration(container, cancel_check)
        video_context = video.codec_context if video is not None else None
        audio_context = audio.codec_context if audio is not None else None
        video_codec = video_context.codec.canonical_name if video_context else None
        audio_codec = audio_context.codec.canonical_name if audio_context else None
        rate = (video.average_rate or video.guessed_rate) if video is not None else None
        return MediaProbe(
            container=_container_name(
                container, path, [c for c in (video_codec, audio_codec) if c]
            ),
            format_name=container.format.name,
            duration_seconds=duration,
            duration_source=source,
            width=(video_context.width or None) if video_context else None,
            height=(video_context.height or None) if video_context else None,
            frame_rate=round(float(rate), 3) if rate else None,
            video_codec=video_codec,
            audio_codec=audio_codec,
            audio_sample_rate=(audio_context.sample_rate or None) if audio_context else None,
            audio_channels=(audio_context.channels or None) if audio_context else None,
            has_audio=audio is not None,
            has_video=video is not None,
        )


@contextmanager
def open_recording(path: Path) -> Iterator[InputContainer]:
    """The recording opened for reading; `MediaError` (`recording_missing`, `unreadable_media`)
    when it cannot be."""
    try:
        container = av.open(str(path), mode="r")
    except FileNotFoundError as exc:
        raise MediaError("recording_missing", f"{path.name} does not exist") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError("unreadable_media", f"{path.name} is not a readable recording") from exc
    try:
        yield container
    finally:
        container.close()


def _video_stream(container: InputContainer) -> VideoStream | None:
    # Cover art is stored as a one-picture "video" stream: it is not video.
    streams = [s for s in container.streams.video if not s.disposition & Disposition.attached_pic]
    return _preferred(container, streams, "video")


def _audio_stream(container: InputContainer) -> AudioStream | None:
    return _preferred(container, list(container.streams.audio), "audio")


def _preferred(
    container: InputContainer, streams: list[_S], kind: Literal["video", "audio"]
) -> _S | None:
    """FFmpeg's pick among `streams` (the default one, else the richest), else the first."""
    best = container.streams.best(kind)
    chosen = [s for s in streams if best is not None and s.index == best.index]
    return chosen[0] if chosen else (streams[0] if streams else None)


def _duration(
    container: InputContainer, cancel_check: CancelCheck | None
) -> tuple[float | None, DurationSource | None]:
    if container.duration:
        return round(container.duration / av.time_base, 3), "header"
    from_streams = [
        float(s.duration * s.time_base) for s in container.streams if s.duration and s.time_base
    ]
    if from_streams:
        return round(max(from_streams), 3), "stream"
    from_packets = _duration_from_packets(container, cancel_check)
    return (round(from_packets, 3), "packets") if from_packets is not None else (None, None)


def _duration_from_packets(
    container: InputContainer, cancel_check: CancelCheck | None
) -> float | None:
    first: Fraction | None = None
    last: Fraction | None = None
    for packet in _until_damaged(container.demux(), cancel_check):
        stamp = packet.pts if packet.pts is not None else packet.dts
        if stamp is None or packet.time_base is None:
            continue
        start = stamp * packet.time_base
        end = (stamp + (packet.duration or 0)) * packet.time_base
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
    if first is None or last is None:
        return None
    return float(last - first)


def _until_damaged(packets: Iterator[_P], cancel_check: CancelCheck | None) -> Iterator[_P]:
    """`packets`, ending quietly where a truncated or damaged file stops making sense."""
    while True:
        if cancel_check is not None:
            cancel_check()
        try:
            yield next(packets)
        except StopIteration:
            return
        except av.error.FFmpegError:
            return


def _container_name(container: InputContainer, path: Path, codecs: list[str]) -> str:
    name = container.format.name
    if name == "matroska,webm":
        doctype = _matroska_doctype(path)
        if doctype is not None:
            return "webm" if doctype == "webm" else "mkv"
        webm_codecs = {"vp8", "vp9", "av1", "opus", "vorbis"}
        return "webm" if codecs and set(codecs) <= webm_codecs else "mkv"
    if name.startswith("mov,mp4"):
        brand = container.metadata.get("major_brand", "").strip()
        # Files without a brand are old QuickTime files, which predate the `ftyp` box.
        return "mp4" if brand and brand != "qt" else "mov"
    if name == "mpegts":
        return "ts"  # the name the upload gives it, so one recording has one container name
    return name.split(",")[0]


def _matroska_doctype(path: Path) -> str | None:
    """The DocType ("webm" or "matroska") from the EBML header at the start of the file."""
    with path.open("rb") as file:
        head = file.read(64)
    if not head.startswith(_EBML_MAGIC):
        return None
    size, offset = _vint(head, len(_EBML_MAGIC))
    end = min(offset + size, len(head))
    while offset < end:
        element_id, length = _element_id(head, offset)
        size, offset = _vint(head, offset + length)
        if element_id == _EBML_DOCTYPE_ID:
            return head[offset : offset + size].rstrip(b"\0").decode("ascii", "replace")
        offset += size
    return None


def _element_id(data: bytes, offset: int) -> tuple[int, int]:
    length = _vint_length(data[offset]) if offset < len(data) else 1
    return int.from_bytes(data[offset : offset + length], "big"), length


def _vint(data: bytes, offset: int) -> tuple[int, int]:
    """An EBML variable-size integer at `offset`: (value, offset after it)."""
    if offset >= len(data):
        return 0, len(data)
    length = _vint_length(data[offset])
    value = data[offset] & (0xFF >> length)
    for byte in data[offset + 1 : offset + length]:
        value = (value << 8) | byte
    return value, offset + length


def _vint_length(first: int) -> int:
    for length in range(1, 9):
        if first & (0x80 >> (length - 1)):
            return length
    return 8


# --- speech ------------------------------------------------------------------------------------


def measure_speech(path: Path, **options: Any) -> Speech | None:
    """Speaking time, pauses and loudness measured from the audio track; None without one.

    Takes the options of `analyse_speech`, which describes the method.
    """
    analysis = analyse_speech(path, **options)
    return analysis.speech if analysis is not None else None


def analyse_speech(
    path: Path,
    *,
    frame_ms: int = 30,
    min_pause_seconds: float = 0.3,
    min_speech_seconds: float = 0.1,
    margin_db: float = 10.0,
    absolute_floor_dbfs: float = -55.0,
    cancel_check: CancelCheck | None = None,
) -> SpeechAnalysis | None:
    """Measure speech by energy voice activity detection; None when the file has no audio.

    Method (a measurement, not a model's judgement):

    1. The audio is decoded and resampled to mono 16 kHz float, in streaming blocks (memory is
       bounded whatever the length), and cut into `frame_ms` frames; each frame's RMS level is
       kept in dBFS (a full-scale square wave is 0 dBFS, a full-scale sine -3 dBFS).
    2. The noise floor is the 10th percentile of frame levels. A frame is voiced when it is at
       least `margin_db` above that floor (or halfway between the floor and the 95th percentile,
       when the clip is mostly speech and the two are closer than twice the margin), and never when
       it is below `absolute_floor_dbfs`, so a silent track has no speech. A clip whose levels
       span less than 6 dB has no contrast to work with: it counts as speech only above
       floor + margin, i.e. a steady hum is not speech.
    3. Voiced runs shorter than `min_speech_seconds` (clicks) are dropped, then gaps shorter than
       `min_pause_seconds` (between syllables and words) are bridged: this is the hangover. What
       remains are speech segments; `speaking_seconds` is their total length.
    4. A pause is a gap between two speech segments (so at least `min_pause_seconds`); silence
       before the first and after the last segment is not a pause.
    5. `mean_loudness_dbfs` is the RMS of the voiced frames, in dBFS; None when nobody speaks.

    Limits: energy cannot tell a voice from other sounds of similar level (music, a second
    person, a loud fan that switches on); it measures when someone is audible, not who.
    """
    with open_recording(path) as container:
        stream = _audio_stream(container)
        if stream is None:
            return None
        frame_samples = SPEECH_SAMPLE_RATE * frame_ms // 1000
        powers, samples, skipped = _frame_powers(container, stream, frame_samples, cancel_check)
    if samples == 0 and skipped:
        raise MediaError("undecodable_audio", f"no audio packet of {path.name} could be decoded")
    frame_seconds = frame_samples / SPEECH_SAMPLE_RATE
    audio_seconds = samples / SPEECH_SAMPLE_RATE
    levels = np.maximum(10 * np.log10(np.maximum(powers, 1e-30)), _SILENCE_DBFS)
    floor, threshold = _threshold(levels, margin_db, absolute_floor_dbfs)
    starts, ends, voiced = _segments(
        levels >= threshold,
        min_speech_frames=_frames(min_speech_seconds, frame_seconds),
        min_pause_frames=_frames(min_pause_seconds, frame_seconds),
    )
    speaking = float(np.sum(ends - starts)) * frame_seconds
    pauses = (starts[1:] - ends[:-1]) * frame_seconds
    loudness = 10 * np.log10(np.mean(powers[voiced])) if voiced.any() else None
    speech = Speech(
        speaking_seconds=round(speaking, 2),
        speaking_ratio=round(min(speaking / audio_seconds, 1.0), 2) if audio_seconds else 0.0,
        pause_count=len(pauses),
        longest_pause_seconds=round(float(pauses.max()), 2) if len(pauses) else 0.0,
        mean_loudness_dbfs=round(float(loudness), 2) if loudness is not None else None,
    )
    return SpeechAnalysis(
        speech=speech,
        audio_seconds=round(audio_seconds, 3),
        settings={
            "frame_ms": frame_ms,
            "min_pause_seconds": min_pause_seconds,
            "min_speech_seconds": min_speech_seconds,
            "margin_db": margin_db,
            "absolute_floor_dbfs": absolute_floor_dbfs,
        },
        noise_floor_dbfs=round(floor, 2) if floor is not None else None,
        threshold_dbfs=round(threshold, 2) if len(levels) else None,
        segment_count=len(starts),
        skipped_packets=skipped,
    )


class _FramePowers:
    """Mean power of consecutive fixed-size frames, fed in blocks of any size."""

    def __init__(self, frame_samples: int) -> None:
        self._frame_samples = frame_samples
        self._pending: list[npt.NDArray[np.float32]] = []
        self._pending_samples = 0
        self._powers: list[Array] = []
        self.samples = 0

    def feed(self, block: npt.NDArray[np.float32]) -> None:
        self._pending.append(block)
        self._pending_samples += len(block)
        self.samples += len(block)
        if self._pending_samples >= _BLOCK_SAMPLES:
            self._frame_pending()

    def powers(self) -> Array:
        """All frame powers; a last partial frame is left out."""
        self._frame_pending()
        return np.concatenate(self._powers) if self._powers else np.zeros(0)

    def _frame_pending(self) -> None:
        if not self._pending:
            return
        data = np.concatenate(self._pending)
        whole = len(data) // self._frame_samples * self._frame_samples
        frames = data[:whole].astype(np.float64).reshape(-1, self._frame_samples)
        self._powers.append(np.mean(np.square(frames), axis=1))
        rest = data[whole:]
        self._pending = [rest] if len(rest) else []
        self._pending_samples = len(rest)


def _frame_powers(
    container: InputContainer,
    stream: AudioStream,
    frame_samples: int,
    cancel_check: CancelCheck | None,
) -> tuple[Array, int, int]:
    """Decode `stream` and return (power per frame, decoded samples at 16 kHz, bad packets)."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SPEECH_SAMPLE_RATE)
    frames = _FramePowers(frame_samples)
    skipped = 0
    for packet in _until_damaged(container.demux(stream), cancel_check):
        try:
            decoded = packet.decode()
        except av.error.FFmpegError:
            skipped += 1  # one damaged packet should not cost the whole measurement
            continue
        for frame in decoded:
            for mono in resampler.resample(frame):
                frames.feed(np.asarray(mono.to_ndarray(), dtype=np.float32).reshape(-1))
    for mono in resampler.resample(None):
        frames.feed(np.asarray(mono.to_ndarray(), dtype=np.float32).reshape(-1))
    return frames.powers(), frames.samples, skipped


def _threshold(
    levels: Array, margin_db: float, absolute_floor_dbfs: float
) -> tuple[float | None, float]:
    """(noise floor, voiced threshold) in dBFS."""
    if not len(levels):
        return None, absolute_floor_dbfs
    floor = float(np.percentile(levels, _NOISE_PERCENTILE))
    contrast = float(np.percentile(levels, _PEAK_PERCENTILE)) - floor
    above_floor = margin_db if contrast < _MIN_CONTRAST_DB else min(margin_db, contrast / 2)
    return floor, max(absolute_floor_dbfs, floor + above_floor)


def _frames(seconds: float, frame_seconds: float) -> int:
    return max(1, int(np.ceil(seconds / frame_seconds - 1e-9)))


def _segments(
    voiced: npt.NDArray[np.bool_], *, min_speech_frames: int, min_pause_frames: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Speech segments as (starts, ends) frame indices, ends exclusive, plus the voiced frames
    that count (those of dropped clicks removed)."""
    starts, ends = _runs(voiced)
    keep = (ends - starts) >= min_speech_frames
    starts, ends = starts[keep], ends[keep]
    marks = np.zeros(len(voiced) + 1, dtype=np.int64)
    np.add.at(marks, starts, 1)
    np.add.at(marks, ends, -1)
    counted = np.cumsum(marks[:-1]) > 0
    if len(starts) > 1:
        is_pause = (starts[1:] - ends[:-1]) >= min_pause_frames
        starts = starts[np.concatenate(([True], is_pause))]
        ends = ends[np.concatenate((is_pause, [True]))]
    return starts, ends, counted & voiced


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Starts and (exclusive) ends of the runs of True in `mask`."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return edges[0::2], edges[1::2]


# --- both --------------------------------------------------------------------------------------


def measure(
    path: Path, sha256: str, size_bytes: int, *, cancel_check: CancelCheck | None = None
) -> tuple[Media, Speech | None]:
    """The canonical `media` and `speech` sections of a recording (blocking)."""
    media_probe = probe(path, cancel_check=cancel_check)
    speech = measure_speech(path, cancel_check=cancel_check) if media_probe.has_audio else None
    return media_probe.to_media(size_bytes=size_bytes, sha256=sha256), speech
