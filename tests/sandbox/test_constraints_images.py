"""Image upload, caption and delete rules (REFERENCE sections 3 and 7.1-7.5), in-process."""

from __future__ import annotations

import hashlib
import io

import httpx
import pytest
from PIL import Image

from tests.sandbox.helpers import (
    b64,
    completed_dataset,
    control,
    covers,
    dataset,
    expect_error,
    image_bytes,
    ok,
    put_file,
    upload,
)

pytestmark = pytest.mark.anyio


def _images(dataset_id: int) -> str:
    return f"/tailored-gen/datasets/{dataset_id}/images"


async def test_upload_preprocesses_and_serves_bytes(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    wide = image_bytes(1600, 800, fmt="WEBP")
    body = {"file": "data:image/webp;base64," + b64(wide), "image_name": "wide.webp"}
    image = ok(await sandbox_http.post(_images(created["id"]), json=body), 201)
    assert image["image_name"] == "wide.webp" and image["caption_source"] == "automatic"
    assert image["caption"].startswith(created["caption_prefix"])
    served = await sandbox_http.get(image["image_url"], headers={"api_token": ""})
    assert served.status_code == 200
    assert Image.open(io.BytesIO(served.content)).size == (1024, 1024)
    thumb = await sandbox_http.get(image["thumbnail_url"])
    assert Image.open(io.BytesIO(thumb.content)).size == (256, 256)
    transparent = image_bytes(300, 300, fmt="PNG", mode="RGBA", color=(255, 255, 255))
    clear = ok(
        await sandbox_http.post(_images(created["id"]), json={"file": b64(transparent)}), 201
    )
    pixels = Image.open(io.BytesIO((await sandbox_http.get(clear["image_url"])).content))
    assert max(pixels.convert("RGB").getpixel((512, 512))) < 10, "transparency becomes black"
    assert clear["image_name"] == f"image_{clear['id']}.png"
    same = ok(await sandbox_http.post(_images(created["id"]), json={"file": b64(transparent)}), 201)
    assert same["caption"] == clear["caption"], "captions are deterministic"
    listed = ok(await sandbox_http.get(_images(created["id"])))
    assert [i["id"] for i in listed] == [image["id"], clear["id"], same["id"]]


@covers("IMG-BASIC-ONLY", "DS-COMPLETED-NO-UPLOAD", "IMG-FILE-XOR-URL")
async def test_upload_target_rules(sandbox_http: httpx.AsyncClient) -> None:
    advanced = await dataset(sandbox_http, upload_type="advanced")
    body = {"file": b64(image_bytes())}
    expect_error(await sandbox_http.post(_images(advanced["id"]), json=body), 400, "IMG-BASIC-ONLY")
    done = await completed_dataset(sandbox_http)
    expect_error(
        await sandbox_http.post(_images(done["id"]), json=body), 409, "DS-COMPLETED-NO-UPLOAD"
    )
    draft = await dataset(sandbox_http)
    url = await put_file(sandbox_http, "x.png", image_bytes())
    expect_error(
        await sandbox_http.post(_images(draft["id"]), json={**body, "image_url": url}),
        400,
        "IMG-FILE-XOR-URL",
    )
    expect_error(
        await sandbox_http.post(_images(draft["id"]), json={"image_name": "a"}),
        400,
        "IMG-FILE-XOR-URL",
    )
    by_url = ok(await sandbox_http.post(_images(draft["id"]), json={"image_url": url}), 201)
    assert by_url["image_name"] == "x.png"


@covers("IMG-MAX-200")
async def test_basic_dataset_holds_200_images(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    file = b64(image_bytes(256, 256))
    for _ in range(200):
        response = await sandbox_http.post(_images(created["id"]), json={"file": file})
        assert response.status_code == 201
    expect_error(
        await sandbox_http.post(_images(created["id"]), json={"file": file}), 409, "IMG-MAX-200"
    )


@covers("IMG-FORMAT", "IMG-MIN-256", "IMG-MIN-1024-STRICT")
async def test_image_content_rules(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    url = _images(created["id"])
    gif = image_bytes(1024, 1024, fmt="GIF")
    expect_error(
        await sandbox_http.post(url, json={"file": b64(gif), "image_name": "a.png"}),
        415,
        "IMG-FORMAT",
    )
    expect_error(
        await sandbox_http.post(url, json={"file": b64(b"not an image at all")}), 415, "IMG-FORMAT"
    )
    expect_error(
        await sandbox_http.post(url, json={"file": b64(image_bytes(1000, 255))}), 412, "IMG-MIN-256"
    )
    strict = {"file": b64(image_bytes(1500, 1000)), "increase_resolution": False}
    expect_error(await sandbox_http.post(url, json=strict), 412, "IMG-MIN-1024-STRICT")
    big = {"file": b64(image_bytes(1024, 1100, fmt="JPEG")), "increase_resolution": False}
    assert (await sandbox_http.post(url, json=big)).status_code == 201
    small = {"file": b64(image_bytes(256, 300))}
    assert (await sandbox_http.post(url, json=small)).status_code == 201


@covers("IMG-URL-UNREACHABLE", "IMG-MODERATION", "IMG-SIZE-12MB")
async def test_image_source_rules(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    url = _images(created["id"])
    for unreachable in (
        "https://example.com/cat.png",
        "http://127.0.0.1:8787/_sandbox/files/missing.png",
        "ftp://127.0.0.1/cat.png",
    ):
        expect_error(
            await sandbox_http.post(url, json={"image_url": unreachable}),
            422,
            "IMG-URL-UNREACHABLE",
        )
    blocked = image_bytes(400, 400, color=(9, 9, 9))
    block = {"moderation_block": [hashlib.sha256(blocked).hexdigest()]}
    ok(await control(sandbox_http, "PUT", "/faults", json=block))
    moderated = {"file": b64(blocked), "content_moderation": True}
    expect_error(await sandbox_http.post(url, json=moderated), 422, "IMG-MODERATION")
    assert (await sandbox_http.post(url, json={"file": b64(blocked)})).status_code == 201
    huge = b64(b"\0" * (12 * 1024 * 1024 + 10))
    expect_error(await sandbox_http.post(url, json={"file": huge}), 400, "IMG-SIZE-12MB")
    declared = await put_file(
        sandbox_http, "huge.png", image_bytes(), declared_size=13 * 1024 * 1024
    )
    expect_error(await sandbox_http.post(url, json={"image_url": declared}), 400, "IMG-SIZE-12MB")


@covers("IMG-CAPTION-XOR-REGENERATE", "IMG-CAPTION-NONEMPTY", "IMG-CAPTION-COMPLETED-DATASET")
async def test_caption_update_rules(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    image = await upload(sandbox_http, created["id"])
    url = f"{_images(created['id'])}/{image['id']}"
    for body in (
        {},
        {"regenerate_caption": False},
        {"caption": "x", "regenerate_caption": True},
        {"caption": "x", "regenerate_caption": False},
    ):
        expect_error(await sandbox_http.put(url, json=body), 400, "IMG-CAPTION-XOR-REGENERATE")
    expect_error(await sandbox_http.put(url, json={"caption": "  "}), 400, "IMG-CAPTION-NONEMPTY")
    manual = ok(await sandbox_http.put(url, json={"caption": "my caption"}))
    assert manual["caption"] == "my caption" and manual["caption_source"] == "manual"
    regenerated = ok(await sandbox_http.put(url, json={"regenerate_caption": True}))
    assert regenerated["caption"] == image["caption"]
    assert regenerated["caption_source"] == "automatic"
    ok(
        await sandbox_http.put(
            f"/tailored-gen/datasets/{created['id']}", json={"status": "completed"}
        )
    )
    expect_error(
        await sandbox_http.put(url, json={"caption": "late"}), 409, "IMG-CAPTION-COMPLETED-DATASET"
    )


@covers("IMG-DELETE-COMPLETED-DATASET")
async def test_image_delete_rules(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    first = await upload(sandbox_http, created["id"], seed=1)
    second = await upload(sandbox_http, created["id"], seed=2)
    base = _images(created["id"])
    assert (await sandbox_http.delete(f"{base}/{first['id']}")).status_code == 204
    expect_error(await sandbox_http.get(f"{base}/{first['id']}"), 404, "NOT-FOUND")
    assert (await sandbox_http.get(first["image_url"])).status_code == 404
    other = await dataset(sandbox_http)
    expect_error(await sandbox_http.get(f"{_images(other['id'])}/{second['id']}"), 404, "NOT-FOUND")
    ok(
        await sandbox_http.put(
            f"/tailored-gen/datasets/{created['id']}", json={"status": "completed"}
        )
    )
    expect_error(
        await sandbox_http.delete(f"{base}/{second['id']}"), 409, "IMG-DELETE-COMPLETED-DATASET"
    )
