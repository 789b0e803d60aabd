"""Both storage backends, the local folder and S3, behave the same way.

S3 is a real S3-compatible server: moto's server mode, started once for the session in its own
process (so that tracemalloc in this process measures only the client's memory). Each test gets
a bucket of its own.
"""

import hashlib
import random
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import uuid4

import boto3
import httpx
import pytest
from pydantic import ValidationError

import shared.storage
from shared.settings import Settings
from shared.storage import (
    FLUSH_BYTES,
    MIB,
    MIN_PART_SIZE,
    LocalStorage,
    S3Storage,
    Storage,
    UploadSink,
    check_key,
    storage_from_settings,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHUNK = 64 * 1024


async def keys(storage: Storage, prefix: str) -> list[str]:
    return [item.key for item in await storage.list_objects(prefix)]


@dataclass
class Backend:
    """A storage under test, and what it physically holds (beyond what its API admits)."""

    name: str
    storage: Storage
    residue: Callable[[], list[str]]


def _raw_client(endpoint: str) -> "S3Client":
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _s3_residue(endpoint: str, bucket: str) -> Callable[[], list[str]]:
    """Every object and every unfinished multipart upload in the bucket."""

    def residue() -> list[str]:
        s3 = _raw_client(endpoint)
        objects = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return [o["Key"] for o in objects] + [f"upload:{u['Key']}" for u in uploads]

    return residue


def _local_residue(root: Path) -> Callable[[], list[str]]:
    """Every file under the folder, temporary ones included."""
    return lambda: sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _s3_storage(endpoint: str, bucket: str, prefix: str = "tenant") -> S3Storage:
    return S3Storage(
        bucket,
        prefix,
        endpoint_url=endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        part_size=MIN_PART_SIZE,
        create_bucket=True,
    )


@pytest.fixture(params=["local", "s3"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "local":
        root = tmp_path / "data"
        root.mkdir()
        yield Backend("local", LocalStorage(root), _local_residue(root))
        return
    endpoint: str = request.getfixturevalue("s3_endpoint")
    bucket = f"test-{uuid4().hex[:12]}"
    storage = _s3_storage(endpoint, bucket)
    await storage.exists("warm-up")  # makes the client and the bucket
    yield Backend("s3", storage, _s3_residue(endpoint, bucket))
    await storage.aclose()


def _chunks(total: int, seed: int = 7) -> Iterator[bytes]:
    """`total` pseudo-random bytes in CHUNK pieces, made one piece at a time."""
    rng = random.Random(seed)
    for start in range(0, total, CHUNK):
        yield rng.randbytes(min(CHUNK, total - start))


def _sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(MIB):
            digest.update(block)
    return digest.hexdigest()


async def _write(storage: Storage, key: str, total: int) -> UploadSink:
    sink = storage.open_sink(key)
    for chunk in _chunks(total):
        await sink.write(chunk)
    return sink


# The sink


async def test_a_20_mib_upload_streams_through_bounded_memory_and_arrives_intact(
    backend: Backend,
) -> None:
    total = 20 * MIB
    expected = hashlib.sha256()
    tracemalloc.start()
    try:
        sink = backend.storage.open_sink("recordings/interview_a/rec.webm")
        for chunk in _chunks(total):
            expected.update(chunk)
            await sink.write(chunk)
        await sink.commit()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # About one 5 MiB part plus one batch (S3), or one batch (local): never the object.
    limit = FLUSH_BYTES + MIB + (MIN_PART_SIZE if backend.name == "s3" else 0)
    assert peak < limit, peak
    assert sink.bytes_written == total
    assert sink.sha256 == expected.hexdigest()
    async with backend.storage.local_copy("recordings/interview_a/rec.webm") as path:
        assert path.stat().st_size == total
        assert _sha256_of_file(path) == expected.hexdigest()
    assert backend.residue() == [
        "recordings/interview_a/rec.webm"
        if backend.name == "local"
        else "tenant/recordings/interview_a/rec.webm"
    ]


async def test_nothing_is_visible_under_the_key_before_commit(backend: Backend) -> None:
    key = "recordings/interview_a/rec.webm"
    sink = await _write(backend.storage, key, 6 * MIB)  # past one S3 part

    assert not await backend.storage.exists(key)
    assert await keys(backend.storage, "results") == []
    assert key not in await keys(backend.storage, "recordings")

    await sink.commit()
    assert await backend.storage.exists(key)


async def test_abort_leaves_nothing_behind_and_can_be_repeated(backend: Backend) -> None:
    size = MIN_PART_SIZE + FLUSH_BYTES + MIB
    sink = await _write(backend.storage, "recordings/interview_a/rec.webm", size)
    assert backend.residue() != []  # a temporary file, or a multipart upload with one part

    await sink.abort()
    await sink.abort()

    assert backend.residue() == []
    assert not await backend.storage.exists("recordings/interview_a/rec.webm")
    with pytest.raises(RuntimeError):
        await sink.write(b"more")


async def test_abort_after_commit_keeps_the_object(backend: Backend) -> None:
    sink = await _write(backend.storage, "results/analysis_z.json", 1000)
    await sink.commit()
    await sink.abort()

    assert await backend.storage.exists("results/analysis_z.json")
    with pytest.raises(RuntimeError):
        await sink.commit()


async def test_a_small_or_empty_upload_is_stored_whole(backend: Backend) -> None:
    small = await _write(backend.storage, "a/small.bin", 3000)
    await small.commit()
    empty = backend.storage.open_sink("a/empty.bin")
    await empty.commit()

    async with backend.storage.local_copy("a/small.bin") as path:
        assert path.read_bytes() == b"".join(_chunks(3000))
    async with backend.storage.local_copy("a/empty.bin") as path:
        assert path.read_bytes() == b""


async def test_erasing_the_folder_during_an_upload_leaves_nothing_behind(
    backend: Backend,
) -> None:
    sink = await _write(backend.storage, "recordings/interview_a/rec.webm", 6 * MIB)

    await backend.storage.delete_prefix("recordings/interview_a")

    assert backend.residue() == []  # the temporary file, or the parts S3 already holds
    await sink.abort()
    assert backend.residue() == []


async def test_a_local_commit_into_an_erased_folder_is_file_not_found(tmp_path: Path) -> None:
    # On S3 the commit meets NoSuchUpload, mapped to the same error; moto answers a 500 there
    # instead (a KeyError in its server), so only the local backend is checked here.
    storage = LocalStorage(tmp_path)
    sink = await _write(storage, "recordings/interview_a/rec.webm", 2 * MIB)
    await storage.delete_prefix("recordings/interview_a")

    with pytest.raises(FileNotFoundError):
        await sink.commit()
    await sink.abort()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


# Whole objects


async def test_local_copy_is_a_readable_file_cleaned_up_afterwards(backend: Backend) -> None:
    await backend.storage.write_bytes("recordings/interview_a/rec.mp4", b"video bytes")

    async with backend.storage.local_copy("recordings/interview_a/rec.mp4") as path:
        assert path.read_bytes() == b"video bytes"
        assert path.suffix == ".mp4"

    # S3 hands out a temporary download, folder and all; the local folder, the stored file.
    if backend.name == "s3":
        assert not path.parent.exists()
    else:
        assert path.read_bytes() == b"video bytes"


async def test_delete_removes_one_object_and_tolerates_a_missing_one(backend: Backend) -> None:
    await backend.storage.write_bytes("results/analysis_1.json", b"{}")
    await backend.storage.write_bytes("results/analysis_2.json", b"{}")

    await backend.storage.delete("results/analysis_1.json")
    await backend.storage.delete("results/analysis_1.json")

    assert not await backend.storage.exists("results/analysis_1.json")
    assert await backend.storage.exists("results/analysis_2.json")


async def test_delete_prefix_removes_that_folder_only(backend: Backend) -> None:
    for key in (
        "recordings/interview_a/1.webm",
        "recordings/interview_a/sub/2.webm",
        "recordings/interview_ab/3.webm",
        "results/analysis_z.json",
    ):
        await backend.storage.write_bytes(key, b"x")

    await backend.storage.delete_prefix("recordings/interview_a")
    await backend.storage.delete_prefix("recordings/never_there")

    assert await keys(backend.storage, "") == [
        "recordings/interview_ab/3.webm",
        "results/analysis_z.json",
    ]


async def test_delete_prefix_deletes_in_batches(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared.storage, "DELETE_BATCH", 2)
    for n in range(5):
        await backend.storage.write_bytes(f"recordings/interview_a/{n}.webm", b"x")

    await backend.storage.delete_prefix("recordings/interview_a/")

    assert await keys(backend.storage, "recordings") == []


async def test_list_objects_lists_the_folder_recursively_and_sorted(backend: Backend) -> None:
    for key in ("recordings/interview_b/2.webm", "recordings/interview_a/1.webm", "results/z"):
        await backend.storage.write_bytes(key, b"x")

    assert await keys(backend.storage, "recordings") == [
        "recordings/interview_a/1.webm",
        "recordings/interview_b/2.webm",
    ]
    assert await keys(backend.storage, "recordings/interview_b/") == [
        "recordings/interview_b/2.webm"
    ]
    assert await keys(backend.storage, "recordings/interview") == []
    assert await keys(backend.storage, "nothing/here") == []


async def test_presigned_url_serves_the_object_from_s3_and_is_none_locally(
    backend: Backend,
) -> None:
    await backend.storage.write_bytes("recordings/interview_a/rec.webm", b"video bytes")

    url = await backend.storage.presigned_url("recordings/interview_a/rec.webm", 300)

    if backend.name == "local":
        assert url is None
        return
    assert url is not None
    async with httpx.AsyncClient() as client:
        answer = await client.get(url)
    assert answer.status_code == 200
    assert answer.content == b"video bytes"


@pytest.mark.parametrize(
    "key", ["../outside", "recordings/../../outside", "/etc/passwd", "a//b", "a/./b", "a\\b", ""]
)
async def test_keys_that_could_escape_the_root_are_refused(backend: Backend, key: str) -> None:
    with pytest.raises(ValueError):
        backend.storage.open_sink(key)
    with pytest.raises(ValueError):
        await backend.storage.write_bytes(key, b"x")
    with pytest.raises(ValueError):
        await backend.storage.exists(key)
    with pytest.raises(ValueError):
        await backend.storage.delete(key)
    with pytest.raises(ValueError):
        await backend.storage.delete_prefix(key)
    with pytest.raises(ValueError):
        await backend.storage.presigned_url(key, 60)
    with pytest.raises(ValueError):
        async with backend.storage.local_copy(key):
            pass
    assert backend.residue() == []


def test_a_prefix_may_name_the_whole_storage_but_a_key_may_not() -> None:
    assert check_key("recordings/", prefix=True) == "recordings"
    assert check_key("", prefix=True) == ""
    with pytest.raises(ValueError):
        check_key("../recordings", prefix=True)


# S3 specifics


async def test_s3_keys_live_under_the_url_prefix_and_big_uploads_use_parts(
    s3_endpoint: str,
) -> None:
    bucket = f"test-{uuid4().hex[:12]}"
    storage = _s3_storage(s3_endpoint, bucket, prefix="/deploy/eu/")
    sink = await _write(storage, "recordings/interview_a/rec.webm", 11 * MIB)
    await sink.commit()
    await storage.write_bytes("results/small.json", b"{}")

    s3 = _raw_client(s3_endpoint)
    big = s3.head_object(Bucket=bucket, Key="deploy/eu/recordings/interview_a/rec.webm")
    small = s3.head_object(Bucket=bucket, Key="deploy/eu/results/small.json")
    assert big["ETag"].strip('"').endswith("-3")  # 5 + 5 + 1 MiB
    assert "-" not in small["ETag"]  # one PutObject
    assert await keys(storage, "") == [
        "recordings/interview_a/rec.webm",
        "results/small.json",
    ]
    await storage.aclose()


async def test_s3_local_copy_of_a_missing_object_is_file_not_found(s3_endpoint: str) -> None:
    storage = _s3_storage(s3_endpoint, f"test-{uuid4().hex[:12]}")
    with pytest.raises(FileNotFoundError):
        async with storage.local_copy("recordings/none.webm"):
            pass
    await storage.aclose()


def test_s3_parts_below_the_minimum_are_refused() -> None:
    with pytest.raises(ValueError):
        S3Storage("bucket", part_size=MIN_PART_SIZE - 1)
    with pytest.raises(ValidationError):
        Settings(_env_file=None, s3_part_size=MIN_PART_SIZE - 1)


# Choosing the backend


def test_without_storage_url_recordings_stay_in_data_dir(settings: Settings) -> None:
    storage = storage_from_settings(settings)
    assert isinstance(storage, LocalStorage)
    assert storage.root == settings.data_dir


def test_a_file_url_names_a_local_folder(settings: Settings, tmp_path: Path) -> None:
    bare = storage_from_settings(settings.model_copy(update={"storage_url": "file://"}))
    elsewhere = storage_from_settings(
        settings.model_copy(update={"storage_url": f"file://{tmp_path}/blobs"})
    )
    assert isinstance(bare, LocalStorage) and bare.root == settings.data_dir
    assert isinstance(elsewhere, LocalStorage) and elsewhere.root == tmp_path / "blobs"


def test_an_s3_url_names_a_bucket_and_prefix(settings: Settings) -> None:
    storage = storage_from_settings(
        settings.model_copy(update={"storage_url": "s3://interviews/prod/eu"})
    )
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix, storage.part_size) == (
        "interviews",
        "prod/eu/",
        8 * MIB,
    )
    assert storage.object_key("results/x.json") == "prod/eu/results/x.json"


@pytest.mark.parametrize("url", ["http://bucket/x", "s3:///no-bucket", "file://relative/dir"])
def test_a_storage_url_of_another_kind_is_refused(settings: Settings, url: str) -> None:
    with pytest.raises(ValueError, match="STORAGE_URL"):
        storage_from_settings(settings.model_copy(update={"storage_url": url}))


async def test_s3_settings_from_the_environment_reach_a_working_bucket(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = f"test-{uuid4().hex[:12]}"
    monkeypatch.setenv("STORAGE_URL", f"s3://{bucket}/app")
    monkeypatch.setenv("S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("S3_PART_SIZE", str(6 * MIB))
    monkeypatch.setenv("S3_CREATE_BUCKET", "true")

    storage = storage_from_settings(Settings(_env_file=None))
    await storage.write_bytes("results/analysis_z.json", b"{}")

    assert isinstance(storage, S3Storage) and storage.part_size == 6 * MIB
    assert (
        _raw_client(s3_endpoint)
        .get_object(Bucket=bucket, Key="app/results/analysis_z.json")["Body"]
        .read()
        == b"{}"
    )
    await storage.aclose()
