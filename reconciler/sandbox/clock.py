"""Simulated time: the wall clock plus an offset that tests move forward and a restart keeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache


class Clock:
    """Everything asynchronous in the sandbox is a function of this clock, read when needed."""

    def __init__(
        self,
        offset: float = 0.0,
        *,
        wall: Callable[[], float] = time.time,
        persist: Callable[[float], None] | None = None,
    ) -> None:
        self._offset = offset
        self._wall = wall
        self._persist = persist

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        return self._wall() + self._offset

    def advance(self, seconds: float) -> float:
        """Move simulated time forward; returns the new simulated now."""
        self._offset += seconds
        if self._persist is not None:
            self._persist(self._offset)
        return self.now()

    def reset(self) -> None:
        self._offset = 0.0
        if self._persist is not None:
            self._persist(self._offset)


@lru_cache(maxsize=4096)
def iso(timestamp: float) -> str:
    """Bria-style UTC timestamp with microseconds and a `Z`.

    Cached: listing 200 images formats 400 timestamps, mostly repeats (an image's created_at and
    updated_at, a bulk upload's or clone's shared time), and strftime dominates building the view.
    """
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
