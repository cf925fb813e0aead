"""S3 staging against a real S3-compatible server on loopback (moto's server mode)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from reconciler.client.api import BriaClient
from reconciler.client.bulkzip import ZipEntry, build_bulk_zip
from reconciler.client.models import CreateDatasetRequest, CreateProjectRequest
from reconciler.client.staging import S3Stager, StagingError, staged
from tests.client.conftest import Control, write_png
from tests.conftest import free_port

BUCKET = "tailor-staging"


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_SESSION_TOKEN", "testing"), ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _keys(stager: S3Stager) -> list[str]:
    listing = stager._s3.list_objects_v2(Bucket=BUCKET)
    return [item["Key"] for item in listing.get("Contents", [])]


@pytest.mark.anyio
async def test_bulk_upload_from_a_presigned_s3_url(
    s3_endpoint: str, client: BriaClient, control: Control, tmp_path: Path
) -> None:
    stager = S3Stager.from_url(f"s3://{BUCKET}/tailor/zips/", endpoint_url=s3_endpoint,
                               region_name="us-east-1", expires_in=600)
    stager._s3.create_bucket(Bucket=BUCKET)
    project = await client.create_project(CreateProjectRequest(
        project_name="s3", ip_medium="photography", ip_type="stylized_scene"))
    dataset = await client.create_dataset(
        CreateDatasetRequest(project_id=project.id, name="adv", upload_type="advanced"))
    zip_path = tmp_path / "adv.zip"
    build_bulk_zip([ZipEntry(write_png(tmp_path / "one.png", 1024, 1), "one.png")], zip_path)

    async with staged(stager, zip_path, "adv.zip") as url:
        parsed = urlparse(url)
        assert parsed.hostname == "127.0.0.1" and parsed.path.startswith(f"/{BUCKET}/tailor/zips/")
        assert parse_qs(parsed.query)["X-Amz-Expires"] == ["600"]
        assert len(_keys(stager)) == 1
        await client.bulk_upload(dataset.id, url)
        status = await client.bulk_upload_status(dataset.id)
        for _ in range(10):
            if status.status in ("completed", "failed"):
                break
            await control.advance(5)
            status = await client.bulk_upload_status(dataset.id)
    assert (status.status, status.done, status.failed) == ("completed", 1, 0)
    assert [i.image_name for i in await client.list_images(dataset.id)] == ["one.png"]
    assert _keys(stager) == []  # deleted once the upload was over


@pytest.mark.anyio
async def test_missing_bucket_is_a_staging_error(s3_endpoint: str, tmp_path: Path) -> None:
    stager = S3Stager("no-such-bucket", endpoint_url=s3_endpoint, region_name="us-east-1")
    path = tmp_path / "x.zip"
    path.write_bytes(b"zip")
    with pytest.raises(StagingError) as caught:
        await stager.put(path, "x.zip")
    assert "NoSuchBucket" in str(caught.value)
    assert caught.value.hint


def test_staging_url_must_be_s3() -> None:
    with pytest.raises(StagingError):
        S3Stager.from_url("https://example.invalid/bucket")
    stager = S3Stager.from_url("s3://bucket-name/a/b/", client=object())
    assert (stager.bucket, stager.prefix) == ("bucket-name", "a/b")
