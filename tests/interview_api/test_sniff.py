"""The container is recognised from the bytes of real recordings, and nothing else passes."""

from pathlib import Path

import pytest

from interview_api.recordings.sniff import HEAD_BYTES, sniff_container


@pytest.mark.parametrize("container", ["webm", "mkv", "mp4", "mov", "avi", "ts"])
def test_real_recordings_are_recognised(recordings_source: Path, container: str) -> None:
    head = (recordings_source / f"answer.{container}").read_bytes()[:HEAD_BYTES]
    assert sniff_container(head) == container


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"this is not a video\n" * 20,
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        b"%PDF-1.7\n" + b"\0" * 100,
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",  # a photo
        b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42",  # audio only
        b"RIFF\x00\x00\x00\x00WAVEfmt ",  # audio, not AVI
        b"\x47" + b"\0" * 187 + b"\x00" * 200,  # one sync byte is not a stream
        b"\x1a\x45\xdf\xa3\x8a\x42\x82\x85other",  # EBML that is not Matroska
    ],
)
def test_other_content_is_refused(head: bytes) -> None:
    assert sniff_container(head) is None


def test_the_first_bytes_of_a_video_are_not_enough(recordings_source: Path) -> None:
    for container in ("webm", "mp4", "mov"):
        data = (recordings_source / f"answer.{container}").read_bytes()
        assert sniff_container(data[:12]) is None, container
