"""Manifest loading per image: CPU and memory of `load_workspace` on a large workspace.

    python -m benchmarks.bench_manifests [--projects 50] [--datasets 3] [--images 200]
        [--repeat 3]

The workspace (the same shape as bench_plan_vs_script's: P projects x D basic datasets x I
256x256 PNGs, listed by one glob a dataset) is written once to benchmarks/.work/manifests/,
no API needed. Each figure comes from a fresh Python process: the CPU time of a cold load (no
`.tailor/image-cache.json`: every image opened and hashed) and of a warm one (the cache: a
stat per image), their cost per image, and, under tracemalloc, the peak of memory the load
allocates and what the loaded records still hold, per image; then the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.bench_plan_refresh import write_workspace

HERE = Path(__file__).resolve().parent

_CHILD = """
import gc, json, resource, sys, time, tracemalloc
from pathlib import Path
from reconciler.cli.main import GC_THRESHOLDS
from reconciler.manifest.workspace import load_workspace
gc.set_threshold(*GC_THRESHOLDS)
root, mode, repeat = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
result = {}
if mode == "time":
    started = time.process_time()
    load_workspace(root)
    result["first_s"] = time.process_time() - started
    times = []
    for _ in range(repeat):
        started = time.process_time()
        workspace = load_workspace(root)
        times.append(time.process_time() - started)
    result["warm_s"] = min(times)
else:
    tracemalloc.start()
    workspace = load_workspace(root)
    held, peak = tracemalloc.get_traced_memory()
    result.update(held=held, peak=peak)
result["images"] = sum(len(d.images) for p in workspace.projects for d in p.datasets)
result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def child(root: Path, mode: str, repeat: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), mode, str(repeat)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--datasets", type=int, default=3)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = HERE / ".work" / "manifests" / f"{args.projects}x{args.datasets}x{args.images}"
    write_workspace(root, args.projects, args.datasets, args.images, "sandbox")
    shutil.rmtree(root / ".tailor", ignore_errors=True)
    timed = child(root, "time", args.repeat)  # the first load is the cold one
    memory = child(root, "memory", 1)
    images = int(timed["images"])
    print(f"{images:,} images, load average {os.getloadavg()[0]:.1f}")
    print(
        "| load_workspace | cold (CPU) | warm (CPU) | warm per image | peak traced | "
        "held per image | peak RSS |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print(
        f"| {images:,} images | {timed['first_s']:.2f} s | {timed['warm_s']:.3f} s "
        f"| {timed['warm_s'] / images * 1e6:.1f} us | {memory['peak'] / 2**20:.0f} MiB "
        f"| {memory['held'] / images:.0f} B | {memory['rss_mib']:.0f} MiB |"
    )


if __name__ == "__main__":
    main()
