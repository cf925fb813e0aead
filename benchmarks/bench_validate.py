"""`tailor validate` speed on 5000 images (cold and cached) and peak memory on hostile input.

    python -m benchmarks.bench_validate [--images 5000] [--rounds 3] [--work ...]

First, side by side in rounds (load on the shared machine hits all alike), each a fresh
process timed from outside (start-up included): the single-threaded hash-and-header script
(`baseline_hash_headers.py`), `tailor validate` without its image cache (cold) and again with
it (cached); the minimum of each, CPU (user + system, from the child's rusage: the steadier
figure on a loaded machine) and wall, is reported with the ratio cold / baseline.

Each measurement runs `tailor validate` in a fresh Python process, which reports its own wall
time and peak RSS, so one case cannot inflate another's memory figure. The images are 256x256
PNGs of distinct solid colours in 25 basic datasets of 200 (small files: this measures
tailor's per-image overhead, not disk bandwidth; the OS page cache is warm for both runs).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

from PIL import Image

BASIC_PER_DATASET = 200

MANIFEST = """\
project: bench
ip: {type: stylized_scene, medium: illustration}
datasets:
  all:
    upload: advanced
    images: [images/*.png]
models:
  max: {dataset: all, training_version: max}
"""


def basic_manifest(datasets: int) -> str:
    """Basic datasets of 200 images each (Bria's cap), 256 px images upscaled by Bria."""
    lines = ["project: bench", "ip: {type: stylized_scene, medium: illustration}", "datasets:"]
    for d in range(datasets):
        lines += [f"  d{d:02d}:", f"    images: [images/d{d:02d}/*.png]"]
    lines += ["models:", "  max: {dataset: d00, training_version: max}"]
    return "\n".join(lines) + "\n"


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from click.testing import CliRunner
from reconciler.cli.main import cli
start = time.perf_counter()
result = CliRunner().invoke(cli, ["validate", sys.argv[1]])
seconds = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_rss_mib": peak_kib / 1024,
                  "exit": result.exit_code, "first_line": result.output.splitlines()[0]}))
"""


def measure(workspace: Path) -> dict[str, object]:
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, str(workspace)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def end_to_end(command: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, from the child's rusage) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def side_by_side(workspace: Path, rounds: int) -> dict[str, tuple[float, float]]:
    """Minimum end-to-end wall and CPU seconds of the baseline script, a cold and a cached
    validate, interleaved round by round."""
    here = Path(__file__).resolve().parent
    script = shutil.which("tailor", path=str(Path(sys.executable).parent))
    tailor = [script] if script else [sys.executable, "-m", "reconciler.cli"]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(here.parent / "reconciler")], check=True
    )
    baseline = [sys.executable, str(here / "baseline_hash_headers.py"), str(workspace)]
    times: dict[str, list[tuple[float, float]]] = {"baseline": [], "cold": [], "cached": []}
    for _ in range(rounds):
        times["baseline"].append(end_to_end(baseline))
        shutil.rmtree(workspace / ".tailor", ignore_errors=True)
        times["cold"].append(end_to_end([*tailor, "validate", str(workspace)]))
        times["cached"].append(end_to_end([*tailor, "validate", str(workspace)]))
    return {
        name: (min(wall for wall, _ in found), min(cpu for _, cpu in found))
        for name, found in times.items()
    }


def make_images_workspace(root: Path, count: int) -> None:
    datasets = -(-count // BASIC_PER_DATASET)
    root.mkdir(parents=True)
    (root / "bench.yaml").write_text(basic_manifest(datasets), encoding="utf-8")
    for i in range(count):
        folder = root / "images" / f"d{i // BASIC_PER_DATASET:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        color = (i % 256, (i // 256) % 256, 7)
        Image.new("RGB", (256, 256), color).save(folder / f"img-{i:05d}.png", compress_level=1)


def make_hostile_workspaces(work: Path) -> dict[str, Path]:
    base = MANIFEST.replace("upload: advanced", "upload: advanced\n    completed: false").replace(
        "  max: {dataset: all, training_version: max}",
        "  max: {dataset: all, training_version: max, train: false}",
    )
    cases: dict[str, Path] = {}

    baseline = work / "baseline"
    (baseline / "images").mkdir(parents=True)
    (baseline / "bench.yaml").write_text(base, encoding="utf-8")
    Image.new("RGB", (1024, 1024)).save(baseline / "images" / "ok.png")
    cases["baseline (1 valid image)"] = baseline

    sparse = work / "sparse-png"
    shutil.copytree(baseline, sparse)
    with (sparse / "images" / "huge.png").open("wb") as handle:
        handle.truncate(1024**3)
    cases["1 GiB sparse .png"] = sparse

    looks_valid = work / "sparse-png-valid-header"
    shutil.copytree(baseline, looks_valid)
    with (looks_valid / "images" / "huge.png").open("wb") as handle:
        handle.write(_png_header(1024, 1024, idat_length=1024**3))
        handle.truncate(1024**3 + 64)
        handle.seek(0, 2)
        handle.write(_chunk(b"IEND", b""))
    cases["1 GiB sparse .png, valid header and end (hashed)"] = looks_valid

    bomb = work / "alias-bomb"
    bomb.mkdir()
    lines = ["project: bench", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (bomb / "bench.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cases["alias bomb (10^9 nodes)"] = bomb

    big = work / "big-manifest"
    big.mkdir()
    with (big / "bench.yaml").open("w", encoding="utf-8") as handle:
        handle.write(base)
        line = "# " + "x" * 1000 + "\n"
        for _ in range(50 * 1024):
            handle.write(line)
    cases["50 MB manifest"] = big
    return cases


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header(width: int, height: int, idat_length: int) -> bytes:
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + struct.pack(">I", idat_length) + b"IDAT"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/.work/validate"))
    args = parser.parse_args()
    work: Path = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)

    images = work / "images-ws"
    start = time.perf_counter()
    make_images_workspace(images, args.images)
    print(f"generated {args.images} images in {time.perf_counter() - start:.1f} s")
    load = os.getloadavg()[0]
    best = side_by_side(images, args.rounds)
    load = max(load, os.getloadavg()[0])
    print(f"load average up to {load:.1f}; minimum of {args.rounds} interleaved, end to end:")
    print("| | hash-and-header script | validate, cold | cold / script | validate, cached |")
    print("| --- | --- | --- | --- | --- |")
    for column, label in ((1, "CPU (user + system)"), (0, "wall")):
        script, cold, cached = (best[name][column] for name in ("baseline", "cold", "cached"))
        print(
            f"| {label} | {script:.3f} s | {cold:.3f} s | {cold / script:.2f}x | {cached:.3f} s |"
        )
    shutil.rmtree(images / ".tailor", ignore_errors=True)
    cold = measure(images)
    warm = measure(images)
    print()
    print(f"| validate, {args.images} images | wall time | peak RSS | output |")
    print("| --- | --- | --- | --- |")
    for label, result in (("first run (no cache)", cold), ("second run (cached)", warm)):
        print(
            f"| {label} | {result['seconds']:.2f} s | {result['peak_rss_mib']:.0f} MiB "
            f"| `{result['first_line']}` |"
        )
    print()
    print("| hostile input | wall time | peak RSS | exit | first line |")
    print("| --- | --- | --- | --- | --- |")
    for label, path in make_hostile_workspaces(work).items():
        result = measure(path)
        first = str(result["first_line"])
        first = first if len(first) <= 90 else first[:87] + "..."
        print(
            f"| {label} | {result['seconds']:.2f} s | {result['peak_rss_mib']:.0f} MiB "
            f"| {result['exit']} | `{first}` |"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
