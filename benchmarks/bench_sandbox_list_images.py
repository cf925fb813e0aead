"""Sandbox benchmark: `GET /v1/tailored-gen/datasets/{id}/images` for a 200-image dataset in a
sandbox holding 12,000 images across 60 datasets.

    python benchmarks/bench_sandbox_list_images.py [--datasets 60] [--images 200] [--calls 50]

The rows are inserted straight through the sandbox's store (fast); the list calls then go
through the whole HTTP app in-process (httpx.ASGITransport: routing, auth, faults layer,
response validation, JSON) and, with --socket, through `tailor sandbox serve` on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from reconciler.sandbox.app import create_app
from reconciler.sandbox.backend import Backend


def populate(db_path: str, datasets: int, images: int) -> None:
    backend = Backend(db_path=db_path)
    store = backend.store
    now = backend.clock.now()
    backend.projects.create(
        {"project_name": "bench", "ip_type": "stylized_scene", "ip_medium": "photography"}
    )
    with store.transaction():
        for _ in range(datasets):
            created = backend.datasets.create({"project_id": 1, "name": "set"})
            ids = store.reserve_ids("image", images)
            store.insert_many(
                "images",
                [
                    {
                        "id": image_id,
                        "dataset_id": created["id"],
                        "image_name": f"img_{image_id}.png",
                        "caption": f"A photo of stylized scene, image number {image_id}",
                        "caption_source": "automatic",
                        "digest": hashlib.sha256(str(image_id).encode()).hexdigest(),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for image_id in ids
                ],
            )
            store.update("datasets", created["id"], {"captioned": 1})
    store.close()


def summarize(label: str, timings: list[float]) -> None:
    ordered = sorted(timings)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(
        f"{label}: median {statistics.median(ordered) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms over {len(ordered)} calls"
    )


async def in_process(db_path: str, dataset_id: int, calls: int, expected: int) -> list[float]:
    app = create_app(db_path=db_path)
    transport = httpx.ASGITransport(app=app)
    timings = []
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1:8787/v1", headers={"api_token": "b"}
    ) as client:
        for _ in range(calls + 3):
            started = time.perf_counter()
            response = await client.get(f"/tailored-gen/datasets/{dataset_id}/images")
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200 and len(response.json()) == expected
    return timings[3:]


async def uploads(count: int) -> list[float]:
    """Upload `count` distinct 1024x1024 noisy PNGs (a photo's worst case) in-process."""
    import base64
    import io

    from PIL import Image

    app = create_app()
    transport = httpx.ASGITransport(app=app)
    payloads = []
    for index in range(count):
        buffer = io.BytesIO()
        noise = Image.effect_noise((1024, 1024), 40 + index).convert("RGB")
        noise.save(buffer, format="PNG")
        payloads.append(base64.b64encode(buffer.getvalue()).decode())
    timings = []
    async with httpx.AsyncClient(
        transport=transport, base_url="http://127.0.0.1:8787/v1", headers={"api_token": "b"}
    ) as client:
        project = {"project_name": "p", "ip_type": "icons", "ip_medium": "illustration"}
        await client.post("/tailored-gen/projects", json=project)
        await client.post("/tailored-gen/datasets", json={"project_id": 1, "name": "d"})
        for payload in payloads:
            started = time.perf_counter()
            response = await client.post("/tailored-gen/datasets/1/images", json={"file": payload})
            timings.append(time.perf_counter() - started)
            assert response.status_code == 201
    return timings


def over_socket(db_path: str, dataset_id: int, calls: int, expected: int) -> list[float]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-c",
        "from reconciler.cli.main import main; main()",
        "sandbox",
        "serve",
        "--port",
        str(port),
        "--db",
        db_path,
    ]
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/_sandbox/stats", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        timings = []
        with httpx.Client(base_url=f"{base}/v1", headers={"api_token": "b"}) as client:
            for _ in range(calls + 3):
                started = time.perf_counter()
                response = client.get(f"/tailored-gen/datasets/{dataset_id}/images")
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200 and len(response.json()) == expected
        return timings[3:]
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=60)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--socket", action="store_true", help="also measure over a real socket")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db_path = str(Path(folder) / "sandbox.db")
        started = time.perf_counter()
        populate(db_path, args.datasets, args.images)
        total = args.datasets * args.images
        print(
            f"inserted {total} images in {args.datasets} datasets in "
            f"{time.perf_counter() - started:.2f} s"
        )
        middle = args.datasets // 2 + 1
        timings = asyncio.run(in_process(db_path, middle, args.calls, args.images))
        summarize("list images, in-process ASGI", timings)
        summarize("upload one distinct 1024x1024 PNG, in-process", asyncio.run(uploads(20)))
        if args.socket:
            summarize(
                "list images, tailor sandbox serve (socket)",
                over_socket(db_path, middle, args.calls, args.images),
            )


if __name__ == "__main__":
    main()
