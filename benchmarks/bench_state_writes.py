"""State writes per apply: commits counted, and the apply timed on SQLite and PostgreSQL.

    python -m benchmarks.bench_state_writes [--images 200] [--captions 500] [--latency-ms 20]
        [--parallelism 8] [--repeat 3] [--dsn postgresql://...] [--parts images captions]

Two workspaces against `tailor sandbox serve` (127.0.0.1, `--latency-ms` added to every Bria
request): one project with a basic dataset of `--images` images and a model (created from
scratch), and draft datasets of `--captions` images whose every caption is then rewritten
in the manifest (the caption-update apply is the one measured). Each `tailor apply
--auto-approve` is a fresh Python process (start-up included) that counts the state's
committed write transactions. Without `--dsn` (or TAILOR_TEST_POSTGRES_DSN) PostgreSQL is
started with the test extra's `pgserver` in benchmarks/.work/state_writes/pgserver, as the
tests do.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml
from PIL import Image

from benchmarks.sandbox_process import sandbox

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work" / "state_writes"
TOKEN = "bench-token"

COUNTING_CLI = """
import atexit, contextlib, os, sys
from reconciler.state.sqlite import SqliteStateStore
from reconciler.state.postgres import PostgresStateStore

commits = [0]

def counting(original):
    @contextlib.contextmanager
    def write_transaction(self, lock):
        with original(self, lock) as executor:
            yield executor
        commits[0] += 1
    return write_transaction

for store in (SqliteStateStore, PostgresStateStore):
    store._write_transaction = counting(store._write_transaction)
atexit.register(lambda: open(os.environ["BENCH_COMMITS"], "w").write(str(commits[0])))
from reconciler.cli.main import main
sys.argv[0] = "tailor"
main()
"""
"""`tailor` with every committed write transaction of the state store counted."""


def png(path: Path, index: int) -> None:
    shade = (index * 37 % 256, index * 91 % 256, index * 53 % 256)
    Image.new("RGB", (256, 256), shade).save(path)


def images_workspace(root: Path, images: int, api: str, state: str, parallelism: int) -> None:
    shutil.rmtree(root, ignore_errors=True)
    (root / "images").mkdir(parents=True)
    for index in range(images):
        png(root / "images" / f"img-{index:04d}.png", index)
    manifest = {
        "project": "bench",
        "ip": {"type": "stylized_scene", "medium": "illustration"},
        "datasets": {"v1": {"images": ["images/*.png"]}},
        "models": {"light": {"dataset": "v1", "training_version": "light"}},
    }
    (root / "bench.yaml").write_text(yaml.safe_dump(manifest))
    (root / "tailor.yaml").write_text(f"api: {api}\nparallelism: {parallelism}\nstate: {state}\n")


def captions_workspace(root: Path, images: int, api: str, state: str, parallelism: int) -> None:
    """Draft datasets of at most 200 images (a basic dataset's limit), captioned in the
    manifest."""
    shutil.rmtree(root, ignore_errors=True)
    for index in range(images):
        folder = root / "images" / f"d{index // 200}"
        folder.mkdir(parents=True, exist_ok=True)
        png(folder / f"img-{index:05d}.png", index)
    write_captions(root, images, "first")
    (root / "tailor.yaml").write_text(f"api: {api}\nparallelism: {parallelism}\nstate: {state}\n")


def write_captions(root: Path, images: int, word: str) -> None:
    datasets: dict[str, dict[str, object]] = {}
    for index in range(images):
        name = f"d{index // 200}"
        entry = {"path": f"images/{name}/img-{index:05d}.png",
                 "caption": f"scene {index}, {word} wording"}
        datasets.setdefault(name, {"images": [], "completed": False})["images"].append(entry)
    manifest = {
        "project": "captions",
        "ip": {"type": "stylized_scene", "medium": "illustration"},
        "datasets": datasets,
    }
    (root / "bench.yaml").write_text(yaml.safe_dump(manifest))


def apply(root: Path) -> tuple[float, int]:
    """Wall time and committed state write transactions of one `tailor apply`."""
    counter = root / ".commits"
    env = {**os.environ, "BRIA_API_TOKEN": TOKEN, "BENCH_COMMITS": str(counter)}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", COUNTING_CLI, "apply", "--auto-approve", "."],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"tailor apply failed in {root}:\n{result.stdout}\n{result.stderr}")
    return elapsed, int(counter.read_text())


@contextmanager
def postgres(dsn: str | None) -> Iterator[str]:
    """The DSN given, or a pgserver of our own (as tests/conftest.py starts one)."""
    if dsn:
        yield dsn
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    server = pgserver.get_server(WORK / "pgserver", cleanup_mode="stop")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


def drop_schema(dsn: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'.encode())


def with_schema(dsn: str, schema: str) -> str:
    return f"{dsn}{'&' if '?' in dsn else '?'}schema={schema}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--captions", type=int, default=500)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dsn", default=os.environ.get("TAILOR_TEST_POSTGRES_DSN"))
    parser.add_argument("--parts", nargs="+", choices=("images", "captions"),
                        default=["images", "captions"])
    options = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    with sandbox(options.latency_ms) as origin, postgres(options.dsn) as dsn:
        api = f"{origin}/v1"
        print(f"{options.latency_ms} ms latency per Bria request, parallelism "
              f"{options.parallelism}, best of {options.repeat}")
        print("| apply | state | time (best) | times | Bria requests | commits |")
        print("| --- | --- | --- | --- | --- | --- |")
        for backend in ("sqlite", "postgresql") if "images" in options.parts else ():
            times, commits, requests = [], 0, 0
            for _ in range(options.repeat):
                httpx.post(f"{origin}/_sandbox/reset", timeout=30).raise_for_status()
                root = WORK / f"images-{backend}"
                if backend == "postgresql":
                    drop_schema(dsn, "bench_images")
                state = with_schema(dsn, "bench_images") if backend == "postgresql" else (
                    ".tailor/state.db")
                images_workspace(root, options.images, api, state, options.parallelism)
                elapsed, commits = apply(root)
                requests = httpx.get(f"{origin}/_sandbox/stats", timeout=10).json()["total"]
                times.append(elapsed)
            shown = ", ".join(f"{t:.2f}" for t in times)
            print(f"| {options.images} images + model, new | {backend} | {min(times):.2f} s "
                  f"| {shown} | {requests} | {commits} |")
        for backend in ("sqlite", "postgresql") if "captions" in options.parts else ():
            httpx.post(f"{origin}/_sandbox/reset", timeout=30).raise_for_status()
            root = WORK / f"captions-{backend}"
            if backend == "postgresql":
                drop_schema(dsn, "bench_captions")
            state = with_schema(dsn, "bench_captions") if backend == "postgresql" else (
                ".tailor/state.db")
            captions_workspace(root, options.captions, api, state, options.parallelism)
            apply(root)
            before = httpx.get(f"{origin}/_sandbox/stats", timeout=10).json()["total"]
            write_captions(root, options.captions, "second")
            elapsed, commits = apply(root)
            requests = httpx.get(f"{origin}/_sandbox/stats", timeout=10).json()["total"] - before
            print(f"| {options.captions} caption updates | {backend} | {elapsed:.2f} s | "
                  f"{elapsed:.2f} | {requests} | {commits} |")


if __name__ == "__main__":
    main()
