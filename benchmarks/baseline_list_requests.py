"""The baseline a no-change `tailor plan` is measured against: the plain script a user would
write to read everything back, making the list requests a naive client needs.

    python benchmarks/baseline_list_requests.py BASE_URL [--concurrency 10]

One list of projects, then per project its datasets and its models, then per dataset its
images: 1 + 2 x projects + datasets requests (101 for 20 projects of 3 datasets). Requests of
one round go out together, `--concurrency` at a time (the token from BRIA_API_TOKEN). It
prints one JSON line: requests made, objects read, and its wall time from the first line of
`main` (the process's start-up is timed by the caller). It compares nothing: any tool that
checks what exists must do at least this much.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

import httpx


async def read_everything(base: str, token: str, concurrency: int) -> dict[str, int]:
    semaphore = asyncio.Semaphore(concurrency)
    counts = {"requests": 0, "projects": 0, "datasets": 0, "models": 0, "images": 0}
    async with httpx.AsyncClient(base_url=base, headers={"api_token": token}, timeout=60) as http:

        async def listing(path: str) -> list[dict[str, Any]]:
            async with semaphore:
                answer = await http.get(path)
            answer.raise_for_status()
            counts["requests"] += 1
            found: list[dict[str, Any]] = answer.json()
            return found

        projects = await listing("/tailored-gen/projects")
        ids = [project["id"] for project in projects]
        datasets_and_models = await asyncio.gather(
            *(listing(f"/tailored-gen/projects/{i}/datasets") for i in ids),
            *(listing(f"/tailored-gen/projects/{i}/models") for i in ids),
        )
        datasets = [d for found in datasets_and_models[: len(ids)] for d in found]
        models = [m for found in datasets_and_models[len(ids) :] for m in found]
        images = await asyncio.gather(
            *(listing(f"/tailored-gen/datasets/{d['id']}/images") for d in datasets)
        )
        counts["projects"] = len(projects)
        counts["datasets"] = len(datasets)
        counts["models"] = len(models)
        counts["images"] = sum(len(found) for found in images)
    return counts


def main() -> None:
    started = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base", help="the API's base URL, e.g. http://127.0.0.1:8000/v1")
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    counts = asyncio.run(
        read_everything(args.base, os.environ.get("BRIA_API_TOKEN", ""), args.concurrency)
    )
    print(json.dumps({**counts, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
