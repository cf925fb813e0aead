"""When a call is tried again, and how long to wait first: the bounds and Bria's Retry-After.

Which failures are safe to retry at all (sent or not, idempotent or not) is decided by
`transport.RetryingSender`; this module only says how often and after what wait.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from reconciler.records import record


@record
class RetryPolicy:
    """Bounds on retrying one call: attempts AND wall-clock time, whichever ends first.

    Waits use exponential backoff with full jitter (a uniform draw in
    [0, min(max_delay, base_delay * 2**retry)]), and never less than Bria's Retry-After.
    429 answers are counted apart: they do not use up attempts, and a call keeps retrying
    them (same backoff, its own retry count) until `rate_limit_seconds` have passed since the
    first one; the time spent on them extends `total_seconds`.
    """

    max_attempts: int = 8
    total_seconds: float = 60.0
    base_delay: float = 0.5
    max_delay: float = 10.0
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    rate_limit_seconds: float = 600.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.total_seconds <= 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("total_seconds must be positive and the delays not negative")
        if self.rate_limit_seconds < 0:
            raise ValueError("rate_limit_seconds must not be negative")

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Full-jitter wait before retry number `retry` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** min(retry, 62)))
        return rng.uniform(0.0, ceiling)

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """The wait before a retry: the jittered backoff, raised to Retry-After if Bria sent one."""
        wait = self.backoff(retry, rng)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date; None if absent/bad."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        import email.utils  # only for an HTTP date: ~5 ms of start-up otherwise

        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)
