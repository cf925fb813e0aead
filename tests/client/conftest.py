"""The client's tests talk to the real sandbox app: in-process by default, a socket when asked."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image as PILImage

from reconciler.client.api import BriaClient
from reconciler.client.retry import RetryPolicy
from reconciler.secret import Secret
from tests.conftest import free_port

ORIGIN = "http://127.0.0.1:8787"
BASE_URL = f"{ORIGIN}/v1"
TOKEN = "tok-client-tests-0000"
FAST_RETRY = RetryPolicy(max_attempts=12, total_seconds=20.0, base_delay=0.002, max_delay=0.02)


@pytest.fixture
def app() -> Any:
    from reconciler.sandbox.app import create_app

    return create_app(public_url=ORIGIN)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[BriaClient]:
    async with BriaClient(BASE_URL, Secret(TOKEN), transport=httpx.ASGITransport(app=app),
                          retry=FAST_RETRY, max_concurrency=8) as bria:
        yield bria


class Control:
    """The sandbox's /_sandbox routes (no token, never faulted, not counted)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def faults(self, **config: object) -> None:
        response = await self.http.put("/_sandbox/faults", json=config)
        assert response.status_code == 200, response.text

    async def advance(self, seconds: float) -> None:
        response = await self.http.post("/_sandbox/clock/advance", json={"seconds": seconds})
        assert response.status_code == 200, response.text

    async def stats(self) -> dict[str, int]:
        response = await self.http.get("/_sandbox/stats")
        assert response.status_code == 200
        requests: dict[str, int] = response.json()["requests"]
        return requests

    async def reset_stats(self) -> None:
        assert (await self.http.post("/_sandbox/stats/reset")).status_code == 200

    async def put_file(self, name: str, data: bytes) -> str:
        response = await self.http.put(f"/_sandbox/files/{name}", content=data)
        assert response.status_code in (200, 201), response.text
        return f"{ORIGIN}/_sandbox/files/{name}"


@pytest.fixture
async def control(app: Any) -> AsyncIterator[Control]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN) as http:
        yield Control(http)


def png_bytes(side: int, seed: int, *, height: int | None = None) -> bytes:
    """A small PNG whose pixels depend on `seed`, so every seed is a different image."""
    image = PILImage.new("RGB", (side, height or side), (seed * 37 % 256, seed * 91 % 256, 120))
    for x in range(0, side, max(1, side // 8)):
        image.putpixel((x, (seed * 13) % (height or side)), (255, 255, seed % 256))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def write_png(path: Path, side: int, seed: int) -> Path:
    path.write_bytes(png_bytes(side, seed))
    return path


@pytest.fixture
def served_app_url() -> Iterator[tuple[str, Any]]:
    """The sandbox app served by uvicorn on a real loopback socket: (origin, app)."""
    import uvicorn

    from reconciler.sandbox.app import create_app

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    sandbox = create_app(public_url=origin)
    config = uvicorn.Config(sandbox, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10.0
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start within 10 s")
        time.sleep(0.02)
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    try:
        yield origin, sandbox
    finally:
        server.should_exit = True
        thread.join(timeout=10)
