"""Apply benchmark: one project, one basic dataset of N images and a model, applied by
`tailor apply --auto-approve` against `tailor sandbox serve` with per-request latency, at
several --parallelism values; then the no-change apply that follows.

    python benchmarks/bench_apply.py [--images 200] [--latency-ms 20] [--parallelism 1 8 16]

Everything runs on 127.0.0.1. The workspace and sandbox live in benchmarks/.work/apply/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml
from PIL import Image

from benchmarks.sandbox_process import free_port

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "apply"
TOKEN = "bench-token"


def write_workspace(root: Path, images: int, api: str, parallelism: int) -> None:
    shutil.rmtree(root, ignore_errors=True)
    (root / "images").mkdir(parents=True)
    for index in range(images):
        shade = (index * 37 % 256, index * 91 % 256, index * 53 % 256)
        Image.new("RGB", (256, 256), shade).save(root / "images" / f"img-{index:03d}.png")
    (root / "tailor.yaml").write_text(f"api: {api}\nparallelism: {parallelism}\n")
    manifest = {
        "project": "bench",
        "ip": {"type": "stylized_scene", "medium": "illustration"},
        "datasets": {"v1": {"images": ["images/*.png"]}},
        "models": {"light": {"dataset": "v1", "training_version": "light"}},
    }
    (root / "bench.yaml").write_text(yaml.safe_dump(manifest))


def tailor(root: Path, *args: str) -> float:
    env = {**os.environ, "BRIA_API_TOKEN": TOKEN}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *args], cwd=root, env=env,
        capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"tailor {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 8, 16])
    options = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "sandbox", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                httpx.get(f"{origin}/_sandbox/stats", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        print(f"{options.images} images, {options.latency_ms} ms latency per request")
        print("| parallelism | apply (s) | requests | no-change apply (s) |")
        print("| --- | --- | --- | --- |")
        for parallelism in options.parallelism:
            httpx.post(f"{origin}/_sandbox/reset", timeout=10).raise_for_status()
            httpx.put(f"{origin}/_sandbox/faults", json={"latency_ms": options.latency_ms},
                      timeout=10).raise_for_status()
            root = WORK / f"p{parallelism}"
            write_workspace(root, options.images, f"{origin}/v1", parallelism)
            tailor(root, "validate", ".")  # warm the image cache, as a user's plan would
            applied = tailor(root, "apply", "--auto-approve", ".")
            total = httpx.get(f"{origin}/_sandbox/stats", timeout=10).json()["total"]
            again = tailor(root, "apply", "--auto-approve", ".")
            print(f"| {parallelism} | {applied:.2f} | {total} | {again:.2f} |")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
