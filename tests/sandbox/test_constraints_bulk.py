"""Advanced datasets: bulk upload, its status report and download (REFERENCE 7.7-7.9)."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest

from tests.sandbox.helpers import (
    advance,
    control,
    covers,
    dataset,
    expect_error,
    image_bytes,
    ok,
    put_file,
    zip_of,
)

pytestmark = pytest.mark.anyio


def _bulk(dataset_id: int) -> str:
    return f"/tailored-gen/datasets/{dataset_id}/images/bulk-upload"


@covers("BULK-NO-INCREASE-RESOLUTION")
async def test_bulk_upload_reports_and_completes(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http, upload_type="advanced")
    archive = zip_of(
        {
            "a.png": image_bytes(1024, 1024, (1, 2, 3)),
            "b.jpg": image_bytes(1200, 1100, (4, 5, 6), fmt="JPEG"),
            "tiny.png": image_bytes(512, 512),
            "notes.gif": image_bytes(1024, 1024, fmt="GIF"),
            "__MACOSX/._a.png": b"junk",
        }
    )
    url = await put_file(sandbox_http, "set.zip", archive)
    started = await sandbox_http.post(
        _bulk(created["id"]), json={"zip_url": url, "increase_resolution": True}
    )
    assert (started.status_code, started.content) == (202, b""), "Bria documents no body"
    pending = ok(await sandbox_http.get(_bulk(created["id"]) + "/status"))
    assert pending["status"] in ("pending", "processing") and pending["failed"] == 0
    ds_url = f"/tailored-gen/datasets/{created['id']}"
    expect_error(
        await sandbox_http.put(ds_url, json={"status": "completed"}),
        409,
        "DS-COMPLETE-WHILE-CAPTIONING",
    )
    await advance(sandbox_http, 5)
    report = ok(await sandbox_http.get(_bulk(created["id"]) + "/status"))
    assert report["status"] == "completed" and report["progress_percentage"] == 100
    assert (report["done"], report["failed"]) == (2, 2)
    failures = {f["filename"]: f["error_code"] for f in report["failed_images"]}
    assert failures == {"tiny.png": 412, "notes.gif": 415}
    got = ok(await sandbox_http.get(ds_url))
    assert got["images_count"] == 2 and got["captions_source"] == "automatic"
    assert all(i["caption_source"] == "automatic" for i in got["images"])
    download = ok(await sandbox_http.get(f"/datasets/{created['id']}/download"))
    assert download["caption_prefix"] == got["caption_prefix"] and "captions_url" in download
    bundle = zipfile.ZipFile(io.BytesIO((await sandbox_http.get(download["download_url"])).content))
    assert len([n for n in bundle.namelist() if n.endswith(".jpg")]) == 2
    ok(await sandbox_http.put(ds_url, json={"status": "completed"}))


async def test_bulk_manual_captions(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http, upload_type="advanced")
    archive = zip_of(
        {
            "dir/a.png": image_bytes(1024, 1024, (1, 2, 3)),
            "dir/a.txt": b"a red thing",
            "dir/b.png": image_bytes(1024, 1024, (7, 8, 9)),
        }
    )
    url = await put_file(sandbox_http, "manual.zip", archive)
    body = {"zip_url": url, "automatic_captioning": False}
    ok(await sandbox_http.post(_bulk(created["id"]), json=body), 202)
    await advance(sandbox_http, 2)
    report = ok(await sandbox_http.get(_bulk(created["id"]) + "/status"))
    assert report["failed_images"][0]["filename"] == "dir/b.png"
    assert report["failed_images"][0]["error_code"] == 400
    images = ok(await sandbox_http.get(f"/tailored-gen/datasets/{created['id']}/images"))
    assert [(i["caption"], i["caption_source"]) for i in images] == [("a red thing", "manual")]
    download = ok(await sandbox_http.get(f"/datasets/{created['id']}/download"))
    assert "captions_url" not in download


@covers(
    "BULK-ADVANCED-ONLY",
    "BULK-ZIP-URL-REQUIRED",
    "BULK-ZIP-5GB",
    "BULK-IN-PROGRESS",
    "BULK-ONCE-ONLY",
    "BULK-STATUS-NONE",
    "BULK-COMPLETED-DATASET",
    "BULK-DATASET-NOT-EMPTY",
)
async def test_bulk_request_rules(sandbox_http: httpx.AsyncClient) -> None:
    basic = await dataset(sandbox_http)
    url = await put_file(sandbox_http, "one.zip", zip_of({"a.png": image_bytes()}))
    expect_error(
        await sandbox_http.post(_bulk(basic["id"]), json={"zip_url": url}),
        400,
        "BULK-ADVANCED-ONLY",
    )
    created = await dataset(sandbox_http, basic["project_id"], upload_type="advanced")
    bulk = _bulk(created["id"])
    expect_error(await sandbox_http.get(bulk + "/status"), 404, "BULK-STATUS-NONE")
    expect_error(await sandbox_http.post(bulk, json={}), 400, "BULK-ZIP-URL-REQUIRED")
    expect_error(
        await sandbox_http.post(bulk, json={"zip_url": "https://example.com/a.zip"}),
        400,
        "BULK-ZIP-URL-REQUIRED",
    )
    huge = await put_file(sandbox_http, "huge.zip", b"", declared_size=5 * 1024**3 + 1)
    expect_error(await sandbox_http.post(bulk, json={"zip_url": huge}), 413, "BULK-ZIP-5GB")
    ok(await sandbox_http.post(bulk, json={"zip_url": url}), 202)
    expect_error(await sandbox_http.post(bulk, json={"zip_url": url}), 400, "BULK-IN-PROGRESS")
    await advance(sandbox_http, 2)
    expect_error(await sandbox_http.post(bulk, json={"zip_url": url}), 400, "BULK-ONCE-ONLY")
    clone = ok(await sandbox_http.post(f"/tailored-gen/datasets/{created['id']}/clone"), 201)
    expect_error(
        await sandbox_http.post(_bulk(clone["id"]), json={"zip_url": url}),
        400,
        "BULK-DATASET-NOT-EMPTY",
    )
    ok(
        await sandbox_http.put(
            f"/tailored-gen/datasets/{clone['id']}", json={"status": "completed"}
        )
    )
    expect_error(
        await sandbox_http.post(_bulk(clone["id"]), json={"zip_url": url}),
        400,
        "BULK-COMPLETED-DATASET",
    )


async def test_unreadable_zip_fails_the_job(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http, upload_type="advanced")
    url = await put_file(sandbox_http, "broken.zip", b"this is not a zip")
    ok(await sandbox_http.post(_bulk(created["id"]), json={"zip_url": url}), 202)
    await advance(sandbox_http, 2)
    assert ok(await sandbox_http.get(_bulk(created["id"]) + "/status"))["status"] == "failed"


@pytest.mark.slow
@covers("BULK-MAX-5000")
async def test_images_past_5000_are_reported_failed(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http, upload_type="advanced")
    same = image_bytes(1024, 1024, (3, 3, 3))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for index in range(5002):
            bundle.writestr(f"img{index:05d}.png", same)
    url = await put_file(sandbox_http, "many.zip", buffer.getvalue())
    ok(await sandbox_http.post(_bulk(created["id"]), json={"zip_url": url}), 202)
    half = ok(await control(sandbox_http, "POST", "/clock/advance", json={"seconds": 25}))
    assert half["offset_s"] == 25
    midway = ok(await sandbox_http.get(_bulk(created["id"]) + "/status"))
    assert midway["status"] == "processing" and 0 < midway["progress_percentage"] < 100
    await advance(sandbox_http, 30)
    report = ok(await sandbox_http.get(_bulk(created["id"]) + "/status"))
    assert (report["done"], report["failed"]) == (5000, 2)
    assert {f["error_code"] for f in report["failed_images"]} == {413}
    got = ok(
        await sandbox_http.get(f"/tailored-gen/datasets/{created['id']}", params={"max_images": 1})
    )
    assert got["images_count"] == 5000
