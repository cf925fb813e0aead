"""Bria's rate limit kept on our side: at most N requests start in any minute, and a 429 slows.

Bria allows 10 requests a minute on the free plan and 60 on starter, and counts them over a
window it does not publish. The client keeps the start times of its last N requests and lets a
request start only when the N-th before it started more than a minute ago (plus headroom): so
a short run (a plan's 3 requests, a small apply) goes at once, a long one averages N a minute,
and no minute, fixed or sliding, ever holds more than N. If Bria still answers 429 it counts
differently (or another client shares the account), and the client falls back, for the rest of
the run, to spacing requests strictly and halving its pace on 429s, winning it back slowly
(additive increase, multiplicative decrease).

The allowance is the workspace's, not the run's: given the workspace's record of recent starts
(recent_starts.py), the pacer counts the last minute's requests of earlier and concurrent
tailor runs to the same API too, so a `plan` and the `apply` right after it never send more
than N in a minute between them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from reconciler.settings import burst_size, burst_span, request_interval

if TYPE_CHECKING:
    from reconciler.client.recent_starts import SharedStarts

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

    Until Bria answers 429, a sliding log: the last `burst_size(rate)` start times are kept,
    and a request starts once the oldest of them is `burst_span(rate)` old (a minute at 98%
    of the rate: settings.PACING_HEADROOM). Waiters are served in arrival order (the lock is
    held while sleeping).

    On the first 429 the pacer spaces requests strictly (`request_interval(rate)` apart) for
    the rest of its life, and the rate halves (down to MIN_PER_MINUTE; at most once per
    SLOWDOWN_ROUND, and never for a request sent before the last slowdown); each request Bria
    answers afterwards wins back RECOVERY_SHARE of the set rate, never more than it (additive
    increase, multiplicative decrease). Without a set rate (`None`: the sandbox) the pacer
    does not wait until a 429 comes; then it starts from half the rate it observed.

    With `shared` (a set rate only), each start is also written to the workspace's record,
    and the sliding log is this run's starts and the record's other ones together.
    """

    def __init__(
        self,
        per_minute: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        shared: SharedStarts | None = None,
    ) -> None:
        if per_minute is not None and per_minute <= 0:
            raise ValueError("requests_per_minute must be positive")
        self.limit = per_minute
        """The set rate (None: none set)."""
        self._ceiling = per_minute
        self._rate = per_minute
        self._clock = clock
        self._sleep = sleep
        self._bursting = per_minute is not None
        """True until the first 429: starts are limited by the sliding log, not spaced."""
        self._burst = burst_size(per_minute) if per_minute else 1
        self._starts: deque[float] = deque(maxlen=self._burst)
        self._next = 0.0
        self._slowed_at = -math.inf
        self._recent: deque[float] = deque(maxlen=OBSERVED_SENDS)
        self._lock = asyncio.Lock()
        self._shared = shared if per_minute is not None else None

    def share(self, shared: SharedStarts) -> None:
        """Count other runs' recent starts from the workspace's record and write this run's
        to it (at a set rate only: an unpaced run keeps none)."""
        if self.limit is not None:
            self._shared = shared

    @property
    def per_minute(self) -> float | None:
        """The rate now: the set one, or lower after Bria's 429s; None when unpaced."""
        return self._rate

    @property
    def bursting(self) -> bool:
        """Whether requests still start as the sliding log allows (no 429 yet)."""
        return self._bursting

    async def acquire(self) -> float:
        """Wait for this request's turn; the monotonic time it may be sent at."""
        if self._rate is None and self._shared is None and not self._lock.locked():
            now = self._clock()  # unpaced: no turn to wait for, nor a lock to take
            self._started(now)
            return now
        async with self._lock:
            if self._shared is None:
                now = self._clock()
                turn = self._turn()
                if turn > now:
                    await self._sleep(turn - now)
                    now = self._clock()
                self._started(now)
                return now
            while True:  # other runs may start requests while this one sleeps
                with self._shared.exchange(self._span()) as others:
                    now = self._clock()
                    offset = self._shared.wall() - now
                    turn = self._turn([t - offset for t in others or ()])
                    if turn <= now:
                        self._started(now)
                        if others is not None:
                            others.append(now + offset)
                        return now
                await self._sleep(turn - now)

    def recent_ages(self) -> tuple[float, ...]:
        """How many seconds ago other runs (the workspace's record) started the requests
        that still count against this pacer's allowance, oldest first: this run's next
        requests wait for them to age (plan/cost.py predicts the time with them)."""
        if self._shared is None or not self._bursting:
            return ()
        with self._shared.exchange(self._span()) as recorded:
            now = self._shared.wall()
            ages = sorted(now - t for t in recorded or ())
        return tuple(ages[: self._burst][::-1])

    def _started(self, now: float) -> None:
        if self._bursting:
            self._starts.append(now)
        elif self._rate is not None:
            self._next = max(now, self._next) + request_interval(self._rate)
        self._recent.append(now)

    def _span(self) -> float:
        """Seconds a start counts against the set rate's allowance."""
        return burst_span(self.limit) if self.limit is not None else 0.0

    def _turn(self, others: list[float] | None = None) -> float:
        """The earliest time the next request may start (0: at once); `others`: other runs'
        starts within the allowance's span, on this pacer's clock."""
        if self._rate is None:
            return 0.0
        if self._bursting:
            log = sorted([*others, *self._starts])[-self._burst :] if others else self._starts
            return log[0] + burst_span(self._rate) if len(log) == self._burst else 0.0
        return self._next

    def limited(self, sent_at: float) -> None:
        """Bria answered 429 to a request sent at `sent_at`: slow down (once per round)."""
        now = self._clock()
        if sent_at < self._slowed_at or now - self._slowed_at < SLOWDOWN_ROUND:
            return
        self._bursting = False
        if self._rate is None:
            self._ceiling = self._observed(now)
            self._rate = self._ceiling
        assert self._rate is not None
        self._rate = max(MIN_PER_MINUTE, self._rate / 2)
        self._slowed_at = now
        self._next = max(self._next, now + request_interval(self._rate))

    def answered(self, sent_at: float) -> None:
        """Bria answered (not 429) a request sent after the last slowdown: speed up a bit."""
        if self._bursting or self._rate is None or self._ceiling is None:
            return
        if sent_at < self._slowed_at:
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
