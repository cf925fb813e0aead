"""Planning benchmark: a no-change plan of 20 projects x 3 datasets x 200 images + 40 models,
against `tailor sandbox serve` with 20 ms latency per request, beside a naive refresh (one GET
per resource, 10 at a time, as Terraform providers do) measured in the same run.

    python benchmarks/bench_plan_refresh.py [--projects 20] [--datasets 3] [--images 200]

Everything runs on 127.0.0.1. The workspace and sandbox live in benchmarks/.work/plan/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
from PIL import Image

from benchmarks.sandbox_process import free_port

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "plan"
TOKEN = "bench-token"


def write_workspace(root: Path, projects: int, datasets: int, images: int, api: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "tailor.yaml").write_text(f"api: {api}\nparallelism: 16\n", encoding="utf-8")
    for p in range(projects):
        lines = [
            f"project: brand-{p:02d}",
            "ip:",
            f"  name: Mascot {p}",
            "  description: A mascot for the benchmark",
            "  type: defined_character",
            "  medium: illustration",
            "datasets:",
        ]
        for d in range(datasets):
            folder = root / "images" / f"brand-{p:02d}" / f"v{d}"
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(images):
                path = folder / f"img-{i:03d}.png"
                if not path.exists():
                    # A few distinct contents: refresh cost does not depend on pixels, and the
                    # sandbox then spends its time answering requests, not resizing images.
                    shade = (i % 8) * 30
                    Image.new("RGB", (256, 256), (shade, 255 - shade, 128)).save(path)
            lines += [
                f"  v{d}:",
                "    images:",
                f"      - images/brand-{p:02d}/v{d}/*.png",
            ]
        lines += [
            "models:",
            "  light:",
            "    dataset: v0",
            "    training_version: light",
            "    training_mode: fully_automated",
            "  max:",
            "    dataset: v1",
            "    training_version: max",
            "    training_mode: fully_automated",
        ]
        (root / f"brand-{p:02d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def tailor(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
    )


async def tailor_refresh(workspace: Path) -> float:
    """tailor's refresh alone (in-process), as `plan` runs it: seconds."""
    from reconciler.client.api import BriaClient
    from reconciler.engine.refresh import RefreshScope, refresh
    from reconciler.manifest.workspace import load_settings_file
    from reconciler.settings import resolve
    from reconciler.state.factory import open_store

    settings = resolve(
        workspace=workspace,
        file_settings=load_settings_file(workspace),
        environ={"BRIA_API_TOKEN": TOKEN},
    )
    store = open_store(settings.state, workspace=workspace, create=False)
    try:
        recorded = store.read().recorded()
    finally:
        store.close()
    scope = RefreshScope.from_recorded(recorded)
    assert settings.token is not None
    async with BriaClient(settings.api, settings.token, max_concurrency=16) as client:
        started = time.perf_counter()
        await refresh(client, scope)
        return time.perf_counter() - started


async def naive_refresh(base: str, concurrency: int = 10) -> int:
    """One GET per resource, `concurrency` at a time: what a per-resource provider does."""
    headers = {"api_token": TOKEN}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        projects = (await http.get("/tailored-gen/projects")).json()
        datasets = (await http.get("/tailored-gen/datasets")).json()
        models = (await http.get("/tailored-gen/models")).json()
        paths = [f"/tailored-gen/projects/{p['id']}" for p in projects]
        paths += [f"/tailored-gen/models/{m['id']}" for m in models]
        for dataset in datasets:
            paths.append(f"/tailored-gen/datasets/{dataset['id']}")
            images = (await http.get(f"/tailored-gen/datasets/{dataset['id']}/images")).json()
            paths += [f"/tailored-gen/datasets/{dataset['id']}/images/{i['id']}" for i in images]
        semaphore = asyncio.Semaphore(concurrency)

        async def one(path: str) -> None:
            async with semaphore:
                (await http.get(path)).raise_for_status()

        await asyncio.gather(*(one(path) for path in paths))
        return len(paths)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--datasets", type=int, default=3)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="rebuild the sandbox and state")
    args = parser.parse_args()

    if args.fresh and WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True, exist_ok=True)
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    base = f"{root}/v1"
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "sandbox", "serve", "--port", str(port),
         "--db", str(WORK / "sandbox.db")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "BRIA_API_TOKEN": TOKEN}
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{root}/_sandbox/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        workspace = WORK / "workspace"
        write_workspace(workspace, args.projects, args.datasets, args.images, base)
        started = time.perf_counter()
        applied = tailor("apply", str(workspace), "--auto-approve", env=env)
        apply_seconds = time.perf_counter() - started
        if applied.returncode != 0:
            sys.exit(f"apply failed:\n{applied.stdout}\n{applied.stderr}")

        # Byte-compile tailor as `pip install` does for an installed package: with
        # PYTHONDONTWRITEBYTECODE set (as on the project's machine) every run would otherwise
        # compile ~50 modules from source.
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "reconciler")], check=True
        )
        httpx.put(f"{root}/_sandbox/faults", json={"latency_ms": args.latency_ms}, timeout=5)
        tailor("validate", str(workspace), env=env)  # warm the image-hash cache
        plan_runs = []
        for _ in range(3):  # best of 3: a shared 2-core machine is noisy
            httpx.post(f"{root}/_sandbox/stats/reset", timeout=5)
            started = time.perf_counter()
            planned = tailor("plan", str(workspace), "--detailed-exitcode", env=env)
            plan_runs.append(time.perf_counter() - started)
            if planned.returncode != 0:
                break
        plan_seconds = min(plan_runs)
        stats = httpx.get(f"{root}/_sandbox/stats", timeout=5).json()
        if planned.returncode != 0:
            sys.exit(f"expected a no-change plan (exit 0):\n{planned.stdout}\n{planned.stderr}")

        refresh_seconds = asyncio.run(tailor_refresh(workspace))

        httpx.post(f"{root}/_sandbox/stats/reset", timeout=5)
        started = time.perf_counter()
        naive_gets = asyncio.run(naive_refresh(base))
        naive_seconds = time.perf_counter() - started
        naive_stats = httpx.get(f"{root}/_sandbox/stats", timeout=5).json()

        containers = args.projects * (1 + args.datasets)
        result = {
            "projects": args.projects,
            "datasets": args.projects * args.datasets,
            "images": args.projects * args.datasets * args.images,
            "models": args.projects * 2,
            "latency_ms": args.latency_ms,
            "apply_seconds": round(apply_seconds, 1),
            "plan_seconds": round(plan_seconds, 2),
            "plan_seconds_all_runs": [round(t, 2) for t in plan_runs],
            "plan_requests": stats["total"],
            "plan_requests_per_project_and_dataset": round(stats["total"] / containers, 2),
            "plan_requests_by_route": stats["requests"],
            "naive_refresh_seconds": round(naive_seconds, 2),
            "naive_refresh_requests": naive_stats["total"],
            "naive_per_resource_gets": naive_gets,
            "refresh_seconds": round(refresh_seconds, 3),
            "plan_speedup_vs_naive_refresh": round(naive_seconds / plan_seconds, 1),
            "refresh_speedup_vs_naive_refresh": round(naive_seconds / refresh_seconds, 1),
        }
        print(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
