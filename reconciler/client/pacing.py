"""Bria's rate limit kept on our side: every request of a client is spaced, and a 429 slows it.

Bria allows 10 requests a minute on the free plan and 60 on starter, and counts them over a
window it does not publish; so the client spaces requests strictly and, when Bria still answers
429, halves its pace and wins it back slowly (additive increase, multiplicative decrease).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

from reconciler.settings import request_interval

MIN_PER_MINUTE = 1.0
"""The slowest a 429 makes the pacer go."""
SLOWDOWN_ROUND = 60.0
"""Seconds after a slowdown in which further 429s do not slow the pacer again: Bria counts its
limit over a minute, so until that minute has passed they are the same overrun, not proof that
the new pace is too fast (halving on each would collapse the pace to the floor)."""
RECOVERY_SHARE = 0.02
"""After a 429, each answered request wins back this share of the set rate."""
OBSERVED_SENDS = 20
"""Without a set rate, a 429 halves the rate observed over this many last sends."""


class Pacer:
    """Every request of one client passes here first: at most `per_minute` start per minute.

    Strict spacing, `request_interval(rate)` seconds between sends and no burst, because Bria does
    not publish how it counts its window; so the client never exceeds the rate in any window.
    Waiters are served in arrival order (the lock is held while sleeping).

    On a 429 the rate halves (down to MIN_PER_MINUTE; at most once per SLOWDOWN_ROUND, and
    never for a request sent before the last slowdown), and each request Bria answers
    afterwards wins back RECOVERY_SHARE of the set rate, never more than it (additive
    increase, multiplicative decrease). Without a set rate (`None`: the sandbox) the pacer
    does not wait until a 429 comes; then it starts from half the rate it observed.
    """

    def __init__(
        self, per_minute: float | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if per_minute is not None and per_minute <= 0:
            raise ValueError("requests_per_minute must be positive")
        self.limit = per_minute
        """The set rate (None: none set)."""
        self._ceiling = per_minute
        self._rate = per_minute
        self._clock = clock
        self._next = 0.0
        self._slowed_at = -math.inf
        self._recent: list[float] = []
        self._lock = asyncio.Lock()

    @property
    def per_minute(self) -> float | None:
        """The rate now: the set one, or lower after Bria's 429s; None when unpaced."""
        return self._rate

    async def acquire(self) -> float:
        """Wait for this request's turn; the monotonic time it may be sent at."""
        async with self._lock:
            now = self._clock()
            if self._rate is not None and self._next > now:
                await asyncio.sleep(self._next - now)
                now = self._clock()
            if self._rate is not None:
                self._next = max(now, self._next) + request_interval(self._rate)
            self._recent.append(now)
            del self._recent[:-OBSERVED_SENDS]
            return now

    def limited(self, sent_at: float) -> None:
        """Bria answered 429 to a request sent at `sent_at`: slow down (once per round)."""
        now = self._clock()
        if sent_at < self._slowed_at or now - self._slowed_at < SLOWDOWN_ROUND:
            return
        if self._rate is None:
            self._ceiling = self._observed(now)
            self._rate = self._ceiling
        assert self._rate is not None
        self._rate = max(MIN_PER_MINUTE, self._rate / 2)
        self._slowed_at = now
        self._next = max(self._next, now + request_interval(self._rate))

    def answered(self, sent_at: float) -> None:
        """Bria answered (not 429) a request sent after the last slowdown: speed up a bit."""
        if self._rate is None or self._ceiling is None or sent_at < self._slowed_at:
            return
        self._rate = self._rate + self._ceiling * RECOVERY_SHARE
        if self._rate >= self._ceiling:
            self._rate = self.limit if self.limit is not None else None
            if self._rate is None:
                self._ceiling = None

    def _observed(self, now: float) -> float:
        """Requests per minute over the last sends up to now (at least MIN_PER_MINUTE)."""
        span = now - self._recent[0] if self._recent else 0.0
        if span <= 0:
            return 60.0 * 1000  # a first request refused at once: start from a fast pace
        return max(MIN_PER_MINUTE, 60.0 * len(self._recent) / span)
