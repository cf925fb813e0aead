"""State store speed: 12,000 image entries put one commit each (as the engine records steps),
the same in one transaction, then read() of the whole state.

    python benchmarks/state_store.py [--count 12000] [--state LOCATION]

LOCATION defaults to a fresh SQLite file in a temporary folder; a postgresql://...?schema=NAME
DSN measures PostgreSQL (use a throwaway schema: the benchmark fills it).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from reconciler.state.factory import open_store
from reconciler.state.model import ResourceEntry
from reconciler.state.store import StateStore


def _entries(count: int, dataset: str) -> list[ResourceEntry]:
    return [
        ResourceEntry.for_address(
            f"bench/datasets/{dataset}/images/img-{i:05d}.png",
            100_000 + i,
            {"name": f"img-{i:05d}.png", "sha256": f"{i:064x}", "caption": f"image {i}"},
        )
        for i in range(count)
    ]


def _measure(store: StateStore, count: int) -> None:
    with store.lock("benchmark") as lock:
        store.put(lock, ResourceEntry.for_address("bench", 1))
        store.put(lock, ResourceEntry.for_address("bench/datasets/a", 2))
        store.put(lock, ResourceEntry.for_address("bench/datasets/b", 3))
        started = time.perf_counter()
        for entry in _entries(count, "a"):
            store.put(lock, entry)
        single = time.perf_counter() - started
        started = time.perf_counter()
        with store.transaction(lock):
            for entry in _entries(count, "b"):
                store.put(lock, entry)
        grouped = time.perf_counter() - started
    started = time.perf_counter()
    doc = store.read()
    reading = time.perf_counter() - started
    started = time.perf_counter()
    recorded = doc.recorded()
    converting = time.perf_counter() - started
    print(f"state: {store.location}")
    print(f"put x{count}, one commit each:   {single:.2f} s ({count / single:,.0f}/s)")
    print(f"put x{count}, one transaction:   {grouped:.2f} s ({count / grouped:,.0f}/s)")
    print(f"read() of {len(doc.resources)} entries:      {reading:.2f} s")
    print(f"recorded() of {len(recorded)} entries:  {converting:.2f} s")
    print(f"serial after: {doc.serial}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=12_000)
    parser.add_argument("--state", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        location = args.state or str(Path(folder) / "state.db")
        store = open_store(location, workspace=Path(folder))
        try:
            _measure(store, args.count)
        finally:
            store.close()


if __name__ == "__main__":
    main()
