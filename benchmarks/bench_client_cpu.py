"""Client CPU per API request: what tailor itself spends around each request it sends.

    python -m benchmarks.bench_client_cpu [--images 200] [--parallelism 8] [--repeat 3]
    python -m benchmarks.bench_client_cpu --profile apply.prof   # CPU profile of one apply

A workspace of one project and one basic dataset of N distinct 256x256 PNGs (ten with sidecar
captions) and a model is applied from scratch by `tailor apply --auto-approve` in a fresh
Python process, against `tailor sandbox serve` in another process on 127.0.0.1. The apply's
CPU time (user + system, from the kernel's accounting of the finished child) is divided by
the Bria requests the sandbox counted. The no-change apply that follows (start-up, manifests,
state, refresh and planning of the same 200 images, 3 requests) is measured too: the apply's
CPU beyond it, divided by the requests beyond it, is what each request costs the client.
The last column is the executor's own CPU (every thread, from its first node to its last
commit) per request beyond the no-change apply's: the same cost without the difference of two
processes' start-ups, so it moves less with the load. The workspace lives in
benchmarks/.work/cpu/.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from benchmarks.bench_dataset_versions import control, sandbox, write_image

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "cpu"
TOKEN = "bench-token"
PROFILED = """
import atexit, cProfile, runpy, sys, time
out = sys.argv.pop(1)
sys.argv[0] = "tailor"
profile = cProfile.Profile(time.process_time)
atexit.register(lambda: (profile.disable(), profile.dump_stats(out)))
profile.runcall(runpy.run_module, "reconciler.cli", run_name="__main__")
"""
"""Runs tailor under cProfile timing CPU (not wall) time: what the process itself spends. The
profile is written by an atexit handler, since tailor ends with `os._exit` after running them."""
EXECUTE_TIMED = """
import runpy, sys, time
import reconciler.engine.executor as executor
out = sys.argv.pop(1)
sys.argv[0] = "tailor"
inner = executor.execute
async def execute(*args, **kwargs):
    start = time.process_time()
    try:
        return await inner(*args, **kwargs)
    finally:
        with open(out, "w") as file:
            file.write(str(time.process_time() - start))
executor.execute = execute  # apply imports it when it has changes to carry out
runpy.run_module("reconciler.cli", run_name="__main__")
"""
"""Runs tailor with the CPU time of the executor alone (every thread of the process, from the
first node to the last commit) written to a file: the per-request work without start-up,
manifests and planning, a steadier figure than a difference of two whole processes."""


def write_workspace(root: Path, images: int, api: str, parallelism: int) -> None:
    shutil.rmtree(root, ignore_errors=True)
    folder = root / "images"
    folder.mkdir(parents=True)
    for index in range(images):
        write_image(folder, index)
        if index < 10:
            (folder / f"img-{index:03d}.txt").write_text(f"pose number {index}\n")
    (root / "tailor.yaml").write_text(
        f"api: {api}\nstate: .tailor/state.db\nparallelism: {parallelism}\n"
    )
    manifest = {
        "project": "bench",
        "ip": {"type": "stylized_scene", "medium": "illustration"},
        "datasets": {
            "v1": {"images": ["images/*.png"], "increase_resolution": True, "completed": True}
        },
        "models": {"light": {"dataset": "v1", "training_version": "light"}},
    }
    (root / "bench.yaml").write_text(yaml.safe_dump(manifest))


def cpu_of(root: Path, *args: str, python: tuple[str, ...] = ()) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one tailor command in a fresh process."""
    env = {**os.environ, "BRIA_API_TOKEN": TOKEN}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, *(python or ("-m", "reconciler.cli")), *args], cwd=root, env=env,
        capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"tailor {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one apply here")
    options = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    root = WORK / "workspace"
    # Byte-compiled as `pip install` leaves an installed package: with PYTHONDONTWRITEBYTECODE
    # (set on the project's machine) every run would otherwise compile ~100 of tailor's modules
    # from source, ~0.1 s of CPU that grew with each module added, not with any request.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "reconciler")], check=True
    )
    startup = min(cpu_of(WORK, "--version")[0] for _ in range(5))
    print(f"{options.images} images, parallelism {options.parallelism}; "
          f"`tailor --version` CPU {startup * 1000:.0f} ms")
    print("| run | apply CPU | wall | requests | CPU per request | no-change apply CPU "
          "(requests) | per request beyond it | execute() per request |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    timed = WORK / "execute-cpu.txt"
    with sandbox(0) as origin:
        for run in range(1 if options.profile else options.repeat):
            control(origin, "POST", "reset")
            write_workspace(root, options.images, f"{origin}/v1", options.parallelism)
            cpu_of(root, "validate", ".")  # warm the image cache, as a user's plan would
            control(origin, "POST", "stats/reset")
            python = (
                ("-c", PROFILED, str(options.profile.resolve())) if options.profile
                else ("-c", EXECUTE_TIMED, str(timed))
            )
            cpu, wall = cpu_of(root, "apply", "--auto-approve", ".", python=python)
            executed = float(timed.read_text()) if not options.profile else 0.0
            total = int(control(origin, "GET", "stats")["total"])
            control(origin, "POST", "stats/reset")
            fixed, _ = cpu_of(root, "apply", "--auto-approve", ".")
            again = int(control(origin, "GET", "stats")["total"])
            marginal = (cpu - fixed) / (total - again) * 1000
            executing = executed / (total - again) * 1000
            print(f"| {run + 1} | {cpu:.2f} s | {wall:.2f} s | {total} "
                  f"| {cpu / total * 1000:.2f} ms | {fixed:.2f} s ({again}) | {marginal:.2f} ms "
                  f"| {executing:.2f} ms |")


if __name__ == "__main__":
    main()
