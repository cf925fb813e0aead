"""URLs the sandbox fetches itself: a loopback HTTP server, its own file host, nothing else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anyio
import httpx
import pytest

from tests.sandbox.helpers import (
    control,
    dataset,
    expect_error,
    image_bytes,
    ok,
    put_file,
    zip_of,
)

FILES: dict[str, bytes] = {
    "/cat.png": image_bytes(600, 400, (200, 10, 10)),
    "/set.zip": zip_of({"a.png": image_bytes(1024, 1024, (5, 6, 7))}),
    "/big.png": b"\0" * (12 * 1024 * 1024 + 1),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        data = FILES.get(self.path)
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def loopback_files() -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1 serving FILES; yields its origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.mark.anyio
async def test_images_and_zips_come_from_loopback_servers(
    sandbox_http: httpx.AsyncClient, loopback_files: str
) -> None:
    basic = await dataset(sandbox_http)
    images = f"/tailored-gen/datasets/{basic['id']}/images"
    fetched = ok(
        await sandbox_http.post(images, json={"image_url": f"{loopback_files}/cat.png"}), 201
    )
    assert fetched["image_name"] == "cat.png"
    expect_error(
        await sandbox_http.post(images, json={"image_url": f"{loopback_files}/no.png"}),
        422,
        "IMG-URL-UNREACHABLE",
    )
    expect_error(
        await sandbox_http.post(images, json={"image_url": f"{loopback_files}/big.png"}),
        400,
        "IMG-SIZE-12MB",
    )
    expect_error(
        await sandbox_http.post(images, json={"image_url": "http://10.0.0.1/a.png"}),
        422,
        "IMG-URL-UNREACHABLE",
    )
    advanced = await dataset(sandbox_http, basic["project_id"], upload_type="advanced")
    bulk = f"/tailored-gen/datasets/{advanced['id']}/images/bulk-upload"
    ok(await sandbox_http.post(bulk, json={"zip_url": f"{loopback_files}/set.zip"}), 202)
    assert ok(await sandbox_http.get(f"{bulk}/status"))["status"] in ("pending", "processing")


@pytest.mark.anyio
async def test_parallel_uploads_respect_the_dataset(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    images = f"/tailored-gen/datasets/{created['id']}/images"
    payloads = [image_bytes(300, 300, (index, 40, 80)) for index in range(8)]
    statuses: list[int] = []

    async def send(data: bytes) -> None:
        import base64

        response = await sandbox_http.post(images, json={"file": base64.b64encode(data).decode()})
        statuses.append(response.status_code)

    async with anyio.create_task_group() as group:
        for data in payloads:
            group.start_soon(send, data)
    assert statuses == [201] * 8
    listed = ok(await sandbox_http.get(images))
    assert len(listed) == 8 and len({image["id"] for image in listed}) == 8


@pytest.mark.anyio
async def test_a_staged_file_can_be_deleted_once(sandbox_http: httpx.AsyncClient) -> None:
    """Like a staging bucket: the uploader deletes its ZIP; a second delete finds nothing."""
    url = await put_file(sandbox_http, "staged/z.zip", b"zip bytes")
    assert (await sandbox_http.get(url)).content == b"zip bytes"
    assert (await control(sandbox_http, "DELETE", "/files/staged/z.zip")).status_code == 204
    assert (await sandbox_http.get(url)).status_code == 404
    assert (await control(sandbox_http, "DELETE", "/files/staged/z.zip")).status_code == 404
