"""The interview API with its recordings and results in S3-compatible storage (a real local S3
server): uploads stream into the bucket, the worker analyses from it, erasure empties it."""

import asyncio
from uuid import uuid4

import boto3
import pytest
from pydantic import SecretStr

from interview_api.main import build_app
from shared.settings import Settings
from tests.consent import CONSENT
from tests.interview_api.conftest import serve
from tests.videos import make_video


@pytest.fixture
def s3_settings(settings: Settings, s3_endpoint: str) -> Settings:
    return settings.model_copy(
        update={
            "storage_url": f"s3://interviews-{uuid4().hex[:8]}/data",
            "s3_endpoint_url": s3_endpoint,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": SecretStr("testing"),
            "s3_create_bucket": True,
        }
    )


def bucket_keys(settings: Settings) -> list[str]:
    assert settings.storage_url is not None
    bucket = settings.storage_url.removeprefix("s3://").split("/", 1)[0]
    s3 = boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    listing = s3.list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


async def test_recordings_and_results_live_in_the_bucket(s3_settings: Settings, tmp_path):
    video = make_video(tmp_path / "a.webm", seconds=3.0, width=320, height=240).read_bytes()
    async with serve(build_app(s3_settings)) as client:
        interview = (await client.post("/start-interview", json=CONSENT)).json()["interview_id"]
        uploaded = await client.post(
            f"/interviews/{interview}/recordings",
            files={"file": ("a.webm", video, "video/webm")},
        )
        assert uploaded.status_code == 202, uploaded.text
        recording = uploaded.json()
        for _ in range(300):
            document = (await client.get(f"/analyses/{recording['analysis_id']}")).json()
            if document["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.05)

        assert document["status"] == "succeeded", document["providers"]
        assert document["media"]["sha256"] == recording["sha256"]  # read back from the bucket
        assert bucket_keys(s3_settings) == [
            f"data/recordings/interview_{interview}/{recording['recording_id']}.webm",
            f"data/results/analysis_{recording['analysis_id']}.json",
        ]
        assert not (s3_settings.data_dir / "recordings").exists()  # nothing kept locally

        assert (await client.delete(f"/interviews/{interview}")).status_code == 204
        assert bucket_keys(s3_settings) == []
