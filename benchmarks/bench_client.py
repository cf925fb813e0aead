"""Client benchmark: concurrent creates with and without faults, and the bulk-zip's memory.

    python benchmarks/bench_client.py [--creates 500] [--concurrency 16] [--zip-images 300]

Part 1 sends `--creates` dataset creates (spread over 5 projects) through BriaClient to the
in-process sandbox, first clean, then with 30% 503s, 3% 429 (Retry-After 1 s), 5% dropped
connections and 10% answers lost after commit; it checks that exactly `--creates` datasets
exist and reports time, requests sent and answers adopted.
Part 2 writes `--zip-images` files of 2 MiB each into a bulk-upload ZIP and reports the peak
Python memory (tracemalloc) while building it, to show it does not grow with the dataset.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx

from reconciler.client.api import BriaClient
from reconciler.client.bulkzip import ZipEntry, build_bulk_zip
from reconciler.client.models import CreateDatasetRequest, CreateProjectRequest
from reconciler.client.retry import RetryPolicy
from reconciler.sandbox.app import create_app
from reconciler.secret import Secret

ORIGIN = "http://127.0.0.1:8787"
FAULTS = {"error_rate": 0.3, "error_status": 503, "rate_limit_rate": 0.03, "retry_after_s": 1,
          "drop_connection_rate": 0.05, "lose_response_after_commit_rate": 0.1, "seed": 7}


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.adopted = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "adopting id" in record.getMessage():
            self.adopted += 1


async def creates(count: int, concurrency: int, faults: dict[str, object] | None) -> None:
    app = create_app(public_url=ORIGIN)
    transport = httpx.ASGITransport(app=app)
    counter = _Count()
    logger = logging.getLogger("reconciler.client")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    policy = RetryPolicy(max_attempts=12, total_seconds=60.0, base_delay=0.01, max_delay=0.2)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as control, BriaClient(
        f"{ORIGIN}/v1", Secret("bench"), transport=transport, retry=policy,
        max_concurrency=concurrency,
    ) as bria:
        projects = [
            await bria.create_project(CreateProjectRequest(
                project_name=f"p{n}", ip_medium="photography", ip_type="stylized_scene"))
            for n in range(5)
        ]
        await control.post("/_sandbox/stats/reset")
        if faults:
            await control.put("/_sandbox/faults", json=faults)
        started = time.perf_counter()
        await asyncio.gather(*(
            bria.create_dataset(
                CreateDatasetRequest(project_id=projects[n % 5].id, name=f"d{n:04d}"),
                known_ids=())
            for n in range(count)))
        elapsed = time.perf_counter() - started
        await control.put("/_sandbox/faults", json={})
        stats = (await control.get("/_sandbox/stats")).json()
        made = len(await bria.list_datasets())
    logger.removeHandler(counter)
    label = "faults" if faults else "clean"
    posts = stats["requests"].get("POST /v1/tailored-gen/datasets", 0)
    print(f"{label:>6}: {count} creates in {elapsed:.2f} s ({count / elapsed:.0f}/s); "
          f"datasets={made}; requests={stats['total']} (POST {posts}); "
          f"adopted={counter.adopted}")
    assert made == count, f"expected {count} datasets, found {made}"


def zip_memory(images: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        blob = os.urandom(2 << 20)
        paths = []
        for n in range(images):
            path = root / f"img{n:05d}.png"
            path.write_bytes(blob)
            paths.append(path)
        tracemalloc.start()
        started = time.perf_counter()
        build_bulk_zip((ZipEntry(p, p.name, f"caption {p.stem}") for p in paths),
                       root / "bulk.zip")
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = (root / "bulk.zip").stat().st_size
    print(f"   zip: {images} images, {size / 2**20:.0f} MiB written in {elapsed:.2f} s; "
          f"peak traced memory {peak / 2**20:.2f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--creates", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--zip-images", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(creates(args.creates, args.concurrency, None))
    asyncio.run(creates(args.creates, args.concurrency, FAULTS))
    zip_memory(args.zip_images)


if __name__ == "__main__":
    main()
