"""Paced apply: does the plan's predicted cost (requests and time) match what an apply does
at a set `--requests-per-minute` against a sandbox that enforces that same limit?

    python -m benchmarks.bench_paced_apply                       # the quickstart, 60/minute
    python -m benchmarks.bench_paced_apply --images 200          # a 200-image dataset

Starts `tailor sandbox serve --requests-per-minute R` on 127.0.0.1, takes the plan's `cost`
from `tailor plan --format json`, then times `tailor apply` and reads the sandbox's counters:
requests received, and how many it refused with 429. The workspace and sandbox live in
benchmarks/.work/paced/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml
from PIL import Image

from benchmarks.sandbox_process import free_port

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "paced"
TOKEN = "bench-token"


def write_workspace(root: Path, images: int | None, api: str) -> None:
    """The quickstart (images None), or one basic dataset of `images` images and a model."""
    shutil.rmtree(root, ignore_errors=True)
    if images is None:
        shutil.copytree(ROOT / "examples" / "quickstart", root,
                        ignore=shutil.ignore_patterns(".tailor"))
    else:
        (root / "images").mkdir(parents=True)
        for index in range(images):
            shade = (index * 37 % 256, index * 91 % 256, index * 53 % 256)
            Image.new("RGB", (256, 256), shade).save(root / "images" / f"img-{index:03d}.png")
        manifest = {
            "project": "bench",
            "ip": {"type": "stylized_scene", "medium": "illustration"},
            "datasets": {"v1": {"images": ["images/*.png"], "increase_resolution": True}},
            "models": {"light": {"dataset": "v1", "training_version": "light"}},
        }
        (root / "bench.yaml").write_text(yaml.safe_dump(manifest))
    (root / "tailor.yaml").write_text(f"api: {api}\nstate: .tailor/state.db\nparallelism: 8\n")


def tailor(root: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "BRIA_API_TOKEN": TOKEN}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *args], cwd=root, env=env,
        capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"tailor {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed, result.stdout + result.stderr


def control(origin: str, method: str, path: str) -> Any:
    response = httpx.request(method, f"{origin}/_sandbox/{path}", timeout=10)
    response.raise_for_status()
    return response.json()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=None, help="default: the quickstart")
    parser.add_argument("--rpm", type=int, default=60)
    options = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / "sandbox.db"
    db.unlink(missing_ok=True)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "sandbox", "serve", "--port", str(port),
         "--db", str(db), "--requests-per-minute", str(options.rpm)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                control(origin, "GET", "stats")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        root = WORK / "ws"
        write_workspace(root, options.images, f"{origin}/v1")
        rate = ("--requests-per-minute", str(options.rpm))
        _, shown = tailor(root, "plan", "--format", "json", *rate, ".")
        cost = json.loads(shown[: shown.rindex("}") + 1])["cost"]
        time.sleep(61)  # the plan's own requests leave the sandbox's minute
        control(origin, "POST", "stats/reset")
        admitted = control(origin, "GET", "limits")["quota_used"]
        elapsed, output = tailor(root, "apply", "--auto-approve", *rate, ".")
        received = control(origin, "GET", "stats")["total"]
        admitted = control(origin, "GET", "limits")["quota_used"] - admitted
    finally:
        server.terminate()
        server.wait(timeout=10)
    what = "quickstart" if options.images is None else f"{options.images}-image dataset"
    print(f"{what} at {options.rpm} requests/minute")
    print(f"  predicted: {cost['requests']} requests, {cost['seconds']} s")
    print(f"  actual:    {received} requests received, {received - admitted} refused (429), "
          f"{elapsed:.1f} s (the whole `tailor apply` process)")
    print(f"  waiting lines shown: {output.count('waiting for Bria')}")


if __name__ == "__main__":
    main()
