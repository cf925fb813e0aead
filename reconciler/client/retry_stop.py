"""When every call stops retrying: the caller says the API is gone, or the client sees it.

One call's retries are bounded by its own budget (`RetryPolicy`), but when the API is down
every call in flight would spend that budget finding it out again; apply's circuit breaker
stopped the run only after three of them had (~20 s). Counting the attempts that lost their
connection over all calls sees it in seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from reconciler.client import wire

CONNECTION_LOST: tuple[type[Exception], ...] = (
    wire.ConnectError,
    wire.ConnectTimeout,
    wire.ReadError,
    wire.WriteError,
    wire.CloseError,
    wire.RemoteProtocolError,
)
"""Attempts that found no API to talk to: refused, reset, closed, or no connection in time."""
GONE_AFTER_SECONDS = 3.0
"""The API is gone once attempts have lost their connection one after another, with no
answer between, for this long (a momentary reset of every pooled connection is not)."""


class RetryStop:
    """Set (`stopped`) once no call of a client may retry any more."""

    def __init__(self, at_least: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.stopped = asyncio.Event()
        self.at_least = at_least
        """Lost attempts it takes, besides the time: a call's `max_attempts`, so that one
        call alone never gives up sooner than its own budget."""
        self.in_a_row = 0
        self._since = 0.0
        self._clock = clock
        self._by_caller = False

    def stop(self) -> None:
        """The caller found the API gone (apply's circuit breaker): for good."""
        self._by_caller = True
        self.stopped.set()

    def lost(self) -> None:
        """One more attempt found no API: enough of them, for long enough, and it is gone."""
        now = self._clock()
        if self.in_a_row == 0:
            self._since = now
        self.in_a_row += 1
        if self.in_a_row >= self.at_least and now - self._since >= GONE_AFTER_SECONDS:
            self.stopped.set()

    def answered(self) -> None:
        """Something answered: the API is there, the count starts again (and calls retry
        again, unless the caller stopped them)."""
        if self.in_a_row:
            self.in_a_row = 0
            if not self._by_caller:
                self.stopped.clear()
