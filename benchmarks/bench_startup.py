"""Start-up: `tailor --help` and `tailor --version` beside `python -c pass`, in one run.

    python benchmarks/bench_startup.py [--runs 15]

Each command runs `--runs` times, interleaved (so load on the shared machine hits all three
alike), as the installed console script would: a fresh interpreter, byte-compiled modules.
Reported: the minimum and the median wall time of each.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "reconciler")], check=True
    )
    script = shutil.which("tailor", path=str(Path(sys.executable).parent))
    tailor = [script] if script else [sys.executable, "-m", "reconciler.cli"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "tailor --version": [*tailor, "--version"],
        "tailor --help": [*tailor, "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            times[name].append(timed(command))
    result = {
        name: {"min_s": round(min(t), 4), "median_s": round(statistics.median(t), 4)}
        for name, t in times.items()
    }
    print(json.dumps({"runs": args.runs, **result}, indent=2))


if __name__ == "__main__":
    main()
