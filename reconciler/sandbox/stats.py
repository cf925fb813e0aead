"""Counts of Bria-API requests by method and route template, for tests and benchmarks."""

from __future__ import annotations

import threading
from collections import Counter


class RequestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, method: str, template: str) -> None:
        with self._lock:
            self._counts[f"{method} {template}"] += 1

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            counts = dict(sorted(self._counts.items()))
        return {"total": sum(counts.values()), "requests": counts}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
