"""Dataset versions: what a small change to a completed basic dataset costs in requests.

    python -m benchmarks.bench_dataset_versions [--images 200] [--latency-ms 0] [--fibo]

One project with one completed basic dataset of N distinct 256x256 PNGs (the first ten with
sidecar captions) is applied by `tailor apply --auto-approve` against `tailor sandbox serve`
(a separate process on 127.0.0.1). Then three new versions, each applied in turn: one caption
changed, one image removed, one image added (200 again). For each the plan's `replace_path`
(JSON) and the sandbox's request counters by route are printed, with the image uploads apart.
With `--fibo` the dataset is a FIBO one (a declared schema.json, NAME.json captions) and the
versions change its schema: the schema file edited, then edited again with one image swapped
(one without a caption removed, another added).
The workspace lives in benchmarks/.work/versions/.
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

from benchmarks.sandbox_process import sandbox

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "versions"
TOKEN = "bench-token"
UPLOAD = "POST /v1/tailored-gen/datasets/{dataset_id}/images"
CAPTIONED = 10


def image_name(index: int) -> str:
    return f"img-{index:03d}.png"


def write_image(folder: Path, index: int) -> None:
    shade = (index * 37 % 256, index * 91 % 256, index * 53 % 256)
    Image.new("RGB", (256, 256), shade).save(folder / image_name(index))


def write_schema(root: Path, keys: list[str]) -> None:
    (root / "schema.json").write_text(json.dumps({key: "" for key in keys}))


def write_workspace(root: Path, images: int, api: str, *, fibo: bool = False) -> None:
    shutil.rmtree(root, ignore_errors=True)
    folder = root / "images"
    folder.mkdir(parents=True)
    for index in range(images):
        write_image(folder, index)
        if index < CAPTIONED and fibo:
            caption = json.dumps({"pose": f"number {index}", "style": "flat"})
            (folder / image_name(index)).with_suffix(".json").write_text(caption)
        elif index < CAPTIONED:
            (folder / image_name(index)).with_suffix(".txt").write_text(f"pose number {index}\n")
    (root / "tailor.yaml").write_text(f"api: {api}\nstate: .tailor/state.db\nparallelism: 8\n")
    dataset: dict[str, Any] = {
        "images": ["images/*.png"], "increase_resolution": True, "completed": True
    }
    if fibo:
        write_schema(root, ["pose", "style"])
        dataset.update({"training_version": "fibo", "visual_schema": "schema.json"})
    manifest = {
        "project": "bench",
        "ip": {"type": "stylized_scene", "medium": "illustration"},
        "datasets": {"v1": dataset},
    }
    (root / "bench.yaml").write_text(yaml.safe_dump(manifest))


def tailor(root: Path, *args: str) -> str:
    env = {**os.environ, "BRIA_API_TOKEN": TOKEN}
    result = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *args], cwd=root, env=env,
        capture_output=True, text=True, check=False,
    )
    if result.returncode not in (0, 2):
        raise SystemExit(f"tailor {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def control(origin: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{origin}/_sandbox/{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def replace_path(plan: dict[str, Any]) -> str:
    """What the plan says of the dataset's replace: its replace_path, or "rebuild" for a
    plan from before replace paths were shown."""
    for change in plan["changes"]:
        if change["kind"] == "dataset" and change["action"] == "replace":
            return str(change.get("replace_path", {}).get("path", "rebuild"))
    return "no replace"


def version(root: Path, origin: str, label: str) -> dict[str, Any]:
    """Plan (JSON) and apply the workspace as it is now; the apply's requests by route."""
    plan = json.loads(tailor(root, "plan", "--format", "json", "."))
    control(origin, "POST", "stats/reset")
    start = time.perf_counter()
    tailor(root, "apply", "--auto-approve", ".")
    elapsed = time.perf_counter() - start
    stats = control(origin, "GET", "stats")
    requests: dict[str, int] = stats["requests"]
    return {
        "version": label,
        "path": replace_path(plan),
        "requests": stats["total"],
        "uploads": requests.get(UPLOAD, 0),
        "by_route": requests,
        "seconds": round(elapsed, 2),
    }


def run(images: int, latency_ms: int, fibo: bool = False) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with sandbox(latency_ms) as origin:
        root = WORK / "workspace"
        write_workspace(root, images, f"{origin}/v1", fibo=fibo)
        tailor(root, "validate", ".")
        results.append(version(root, origin, f"first apply ({images} images)"))
        if fibo:
            write_schema(root, ["pose", "style", "lighting"])
            results.append(version(root, origin, "schema.json edited"))
            write_schema(root, ["pose", "style", "lighting", "mood"])
            (root / "images" / image_name(CAPTIONED)).unlink()
            write_image(root / "images", images)
            results.append(version(root, origin, "schema.json edited, one image swapped"))
            return results
        (root / "images" / image_name(0)).with_suffix(".txt").write_text("pose zero, redrawn\n")
        results.append(version(root, origin, "one caption changed"))
        (root / "images" / image_name(1)).unlink()
        (root / "images" / image_name(1)).with_suffix(".txt").unlink()
        results.append(version(root, origin, "one image removed"))
        write_image(root / "images", images)
        results.append(version(root, origin, "one image added"))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--routes", action="store_true", help="print the requests by route")
    parser.add_argument("--fibo", action="store_true", help="a FIBO dataset's schema changes")
    options = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = run(options.images, options.latency_ms, options.fibo)
    print("| version | plan's path | requests | image uploads | apply (s) |")
    print("| --- | --- | --- | --- | --- |")
    for row in results:
        print(f"| {row['version']} | {row['path']} | {row['requests']} | {row['uploads']} "
              f"| {row['seconds']} |")
    if options.routes:
        for row in results:
            print(f"\n{row['version']}:")
            for route, count in row["by_route"].items():
                print(f"  {count:4d}  {route}")


if __name__ == "__main__":
    main()
