"""How fast the local measurement runs: `python -m benchmarks.local_media [--seconds 120]`.

Generates a recording (tests/videos.py), then times `probe` and `analyse_speech` on it and prints
the cost per minute of media. A sanity check, not a test: nothing is asserted.
"""

import argparse
import tempfile
import time
from pathlib import Path

from analysis.media import analyse_speech, probe
from tests.videos import make_video


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--container", default="webm", help="webm, mkv, mp4, mov, avi or ts")
    args = parser.parse_args()

    # an answer in 5 s rhythm: 3 s of voice, 2 s of pause
    speech = [(start, start + 3.0) for start in range(0, int(args.seconds) - 3, 5)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"benchmark.{args.container}"
        began = time.perf_counter()
        make_video(path, seconds=args.seconds, speech=speech)
        print(f"generated {args.seconds:.0f} s of {args.container} in {_since(began):.1f} s")

        began = time.perf_counter()
        media_probe = probe(path)
        probe_seconds = _since(began)
        began = time.perf_counter()
        analysis = analyse_speech(path)
        speech_seconds = _since(began)

    minutes = args.seconds / 60
    print(f"probe: {probe_seconds * 1000:.1f} ms ({media_probe.duration_source} duration)")
    print(f"speech: {speech_seconds:.2f} s, i.e. {speech_seconds / minutes:.2f} s per minute")
    print(f"truth: {len(speech) * 3.0:.1f} s spoken, {len(speech) - 1} pauses of 2 s")
    if analysis is not None:
        print(f"measured: {analysis.speech.model_dump()}")


def _since(began: float) -> float:
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
