"""Word error rate and speed of the offline transcription engine:
`python -m benchmarks.transcription [--repeat 1]`.

Speaks known interview answers with espeak-ng (US English, at two speaking rates), muxes each with
a still picture into a WebM recording (as an upload would be), runs the transcription step with
PocketSphinx on it, and prints the word error rate against the known words and the speed as a
multiple of real time (audio seconds per second of processing, audio preparation included).
Needs `espeak-ng` and the `offline-transcription` extra. A measurement, not a test.
"""

import argparse
import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg

ANSWERS = [
    "I would start by profiling the slow view and counting the database queries it makes. "
    "Then I would use select related and prefetch related to remove the extra queries.",
    "In my last project we reduced the page load time from three seconds to half a second. "
    "We added an index on the orders table and cached the product list.",
    "When two people on my team disagree, I ask each of them to explain the problem in their "
    "own words. Then we agree on what we are trying to solve before we talk about solutions.",
    "I prefer writing small functions with clear names, and a test for every edge case. "
    "Code review is where we share what we learned, not where we find fault.",
]
RATES = (140, 175)  # espeak-ng words per minute: a calm and a brisk speaker


def normalise(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words of the reference."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        current = [i]
        for j, heard in enumerate(hyp, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != heard))
            )
        previous = current
    return previous[-1] / max(len(ref), 1)


def spoken_recording(folder: Path, text: str, rate: int, name: str) -> Path:
    """`text` spoken by espeak-ng at `rate` words a minute, muxed with a grey picture (WebM)."""
    wav = folder / f"{name}.wav"
    espeak = ["espeak-ng", "-v", "en-us", "-s", str(rate), "-w", str(wav), text]
    subprocess.run(  # noqa: S603 - fixed arguments
        espeak,
        check=True,
        capture_output=True,
    )
    video = folder / f"{name}.webm"
    subprocess.run(  # noqa: S603 - the ffmpeg imageio-ffmpeg ships, fixed arguments
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "color=c=gray:s=320x240:r=15"),
            *("-i", str(wav), "-shortest"),
            *("-c:v", "libvpx", "-b:v", "200k", "-c:a", "libopus", str(video)),
        ],
        check=True,
    )
    return video


async def transcribe(path: Path) -> tuple[str, float]:
    """The offline step's text for `path`, and the audio's length in seconds."""
    from analysis.canonical import Transcript
    from analysis.providers.base import VideoInput
    from analysis.transcription.offline import PocketSphinxTranscriber
    from analysis.transcription.provider import TranscriptionProvider

    provider = TranscriptionProvider(PocketSphinxTranscriber())
    size = path.stat().st_size  # noqa: ASYNC240 - a benchmark, nothing else waits
    video = VideoInput(path, size, "", "webm", "benchmark", "benchmark")

    async def ignore(state: object) -> None:
        return None

    result = await provider.run(video, {}, ignore)
    transcript = result.sections["transcript"]
    assert isinstance(transcript, Transcript)
    return transcript.text, float(result.raw["audio_seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="say each answer this many times")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed: apt-get install espeak-ng")
    totals: dict[int, list[float]] = {rate: [0.0, 0.0, 0.0, 0.0] for rate in RATES}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for rate in RATES:
            for index, answer in enumerate(ANSWERS):
                text = " ".join([answer] * args.repeat)
                path = spoken_recording(folder, text, rate, f"answer{index}_{rate}")
                began = time.perf_counter()
                heard, seconds = asyncio.run(transcribe(path))
                spent = time.perf_counter() - began
                words = len(normalise(text))
                errors = word_error_rate(text, heard) * words
                totals[rate] = [
                    a + b
                    for a, b in zip(totals[rate], (errors, words, seconds, spent), strict=True)
                ]
                print(f"{rate} wpm, answer {index + 1}: WER {errors / words:.0%}  heard: {heard}")
    print()
    print("engine: PocketSphinx 5, en-us model from its package; espeak-ng speech in WebM")
    for rate, (wrong, said, seconds, spent) in totals.items():
        print(
            f"{rate} wpm: WER {wrong / said:.1%} over {said:.0f} words; "
            f"{seconds:.0f} s of audio in {spent:.1f} s = {seconds / spent:.1f}x real time"
        )


if __name__ == "__main__":
    main()
