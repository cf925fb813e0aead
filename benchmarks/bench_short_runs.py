"""Short runs at the free plan's pace: how long a user waits for a no-change plan, a small
apply and the quickstart's first apply at 10 requests a minute.

    python -m benchmarks.bench_short_runs                  # 100 ms latency, 10/minute

Starts `tailor sandbox serve --latency-ms 100 --requests-per-minute 10` on 127.0.0.1 (the
sandbox answers 429 past 10 requests in any 60 s), applies the quickstart unlimited (the limit
lifted, so its requests fill no window), sets the limit again, then times, each as a fresh
`tailor` process with `--requests-per-minute 10` and a clear minute before it:

- a no-change `tailor plan` (3 requests);
- a small apply: the model's description changed (the refresh's 3 requests and one update);
- the quickstart's apply into a second, empty project (16 requests).

Reports each run's wall time, the requests the sandbox received and how many it refused (429).
The workspaces live in benchmarks/.work/short/.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.bench_apply import tailor
from benchmarks.sandbox_process import sandbox

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work" / "short"
WINDOW_S = 61.0
"""The sandbox's minute, and a little: the runs before leave it before the next is timed."""


def quickstart(root: Path, api: str, project: str) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(ROOT / "examples" / "quickstart", root,
                    ignore=shutil.ignore_patterns(".tailor"))
    manifest = root / "mascot.yaml"
    manifest.write_text(manifest.read_text().replace("project: acme-mascot", f"project: {project}"))
    (root / "tailor.yaml").write_text(f"api: {api}\nstate: .tailor/state.db\nparallelism: 8\n")
    return root


def control(origin: str, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{origin}/_sandbox/{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def timed(origin: str, root: Path, rate: int, *args: str) -> tuple[float, int, int]:
    """Wall time of one `tailor` run, the requests the sandbox received and refused."""
    time.sleep(WINDOW_S)
    control(origin, "POST", "stats/reset")
    admitted = control(origin, "GET", "limits")["quota_used"]
    elapsed = tailor(root, *args, "--requests-per-minute", str(rate), ".")
    received = control(origin, "GET", "stats")["total"]
    refused = received - (control(origin, "GET", "limits")["quota_used"] - admitted)
    return elapsed, received, refused


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--rpm", type=int, default=10)
    options = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    limit = ("--requests-per-minute", str(options.rpm))
    with sandbox(options.latency_ms, limit) as origin:
        control(origin, "PUT", "limits", {"requests_per_minute": None})
        first = quickstart(WORK / "first", f"{origin}/v1", "acme-mascot")
        tailor(first, "apply", "--auto-approve", ".")
        control(origin, "PUT", "limits", {"requests_per_minute": options.rpm})
        runs = {
            "no-change `tailor plan`": timed(origin, first, options.rpm, "plan"),
        }
        manifest = first / "mascot.yaml"
        manifest.write_text(manifest.read_text().replace(
            "description: fast generation for social posts",
            "description: fast generation for social posts and ads"))
        runs["small apply (one model description)"] = timed(
            origin, first, options.rpm, "apply", "--auto-approve")
        second = quickstart(WORK / "second", f"{origin}/v1", "acme-mascot-2")
        runs["the quickstart's first apply"] = timed(
            origin, second, options.rpm, "apply", "--auto-approve")
    print(f"latency {options.latency_ms} ms, {options.rpm} requests/minute")
    for name, (elapsed, received, refused) in runs.items():
        print(f"  {name}: {elapsed:.2f} s, {received} requests, {refused} refused (429)")


if __name__ == "__main__":
    main()
