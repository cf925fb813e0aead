"""No-change `tailor plan` beside the hand-written baseline (`baseline_list_requests.py`), in
one run, against `tailor sandbox serve` with added latency.

    python -m benchmarks.bench_plan_vs_script [--projects 20] [--datasets 3] [--images 200]
        [--latency-ms 20] [--runs 5] [--fresh]

The workspace (projects x datasets x images, 2 models a project) is applied once and kept in
benchmarks/.work/plan-vs-script/PxDxI/ (`--fresh` builds it again). Then, `--runs` times and
interleaved so load on the shared machine hits both alike: the baseline script and `tailor
plan --detailed-exitcode`, each a fresh process timed from outside (start-up included), its
peak RSS read from its own rusage, and the sandbox's request count reset before each. Printed:
minimum and median of both, the ratio of the minimums, tailor's requests and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_plan_refresh import TOKEN, write_workspace
from benchmarks.sandbox_process import free_port

HERE = Path(__file__).resolve().parent


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (MiB), exit code and output of one
    child process; reaped with wait4, so the figures are this child's own."""
    with tempfile.TemporaryFile("w+") as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return seconds, cpu, usage.ru_maxrss / 1024, child.returncode, output.read()


def tailor_command() -> list[str]:
    script = shutil.which("tailor", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "reconciler.cli"]


def stats(root: str) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{root}/_sandbox/stats", timeout=5).json()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--datasets", type=int, default=3)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="apply the workspace again")
    args = parser.parse_args()

    work = HERE / ".work" / "plan-vs-script" / f"{args.projects}x{args.datasets}x{args.images}"
    if args.fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    base = f"{root}/v1"
    tailor = tailor_command()
    server = subprocess.Popen(
        [*tailor, "sandbox", "serve", "--port", str(port), "--db", str(work / "sandbox.db")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "BRIA_API_TOKEN": TOKEN}
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{root}/_sandbox/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        workspace = work / "workspace"
        applied_before = (workspace / ".tailor").exists() and (work / "applied").exists()
        write_workspace(workspace, args.projects, args.datasets, args.images, base)
        if not applied_before:
            started = time.perf_counter()
            applied = subprocess.run(
                [*tailor, "apply", str(workspace), "--auto-approve"],
                capture_output=True,
                text=True,
                env=env,
                timeout=7200,
            )
            if applied.returncode != 0:
                sys.exit(f"apply failed:\n{applied.stdout[-3000:]}\n{applied.stderr[-3000:]}")
            (work / "applied").write_text(f"{time.perf_counter() - started:.1f} s\n")
        else:  # the sandbox serves the same database on another port: the same API
            subprocess.run(
                [*tailor, "state", "rebind", str(workspace), "--api", base],
                env=env,
                check=True,
                capture_output=True,
            )
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "reconciler")], check=True
        )
        httpx.put(f"{root}/_sandbox/faults", json={"latency_ms": args.latency_ms}, timeout=5)
        subprocess.run([*tailor, "validate", str(workspace)], env=env, capture_output=True)

        baseline = [sys.executable, str(HERE / "baseline_list_requests.py"), base]
        plan = [*tailor, "plan", str(workspace), "--detailed-exitcode"]
        runs: dict[str, list[float]] = {"baseline": [], "tailor": []}
        peaks: dict[str, list[float]] = {"baseline": [], "tailor": []}
        cpus: dict[str, list[float]] = {"baseline": [], "tailor": []}
        requests: dict[str, int] = {}
        baseline_answer: dict[str, Any] = {}
        for _ in range(args.runs):
            for name, command in (("baseline", baseline), ("tailor", plan)):
                httpx.post(f"{root}/_sandbox/stats/reset", timeout=5)
                seconds, cpu, peak, code, output = run_measured(command, env)
                if code != 0:
                    sys.exit(f"{name} exited {code} (a no-change plan exits 0):\n{output}")
                runs[name].append(seconds)
                peaks[name].append(peak)
                cpus[name].append(cpu)
                requests[name] = stats(root)["total"]
                if name == "baseline":
                    baseline_answer = json.loads(output.strip().splitlines()[-1])
        result = {
            "workspace": {
                "projects": args.projects,
                "datasets": args.projects * args.datasets,
                "images": args.projects * args.datasets * args.images,
                "models": args.projects * 2,
                "latency_ms": args.latency_ms,
            },
            "load_average": os.getloadavg(),
            "baseline_s": {
                "min": round(min(runs["baseline"]), 3),
                "median": round(statistics.median(runs["baseline"]), 3),
                "all": [round(t, 3) for t in runs["baseline"]],
            },
            "tailor_plan_s": {
                "min": round(min(runs["tailor"]), 3),
                "median": round(statistics.median(runs["tailor"]), 3),
                "all": [round(t, 3) for t in runs["tailor"]],
            },
            "process_cpu_s_min": {name: round(min(c), 3) for name, c in cpus.items()},
            "speedup_of_min": round(min(runs["baseline"]) / min(runs["tailor"]), 2),
            "requests": requests,
            "baseline_read": baseline_answer,
            "peak_rss_mib": {name: round(max(p), 1) for name, p in peaks.items()},
        }
        print(json.dumps(result, indent=2))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
