"""Bria's plan limits on `/v1` routes: requests per minute (429) and a total quota (403).

Bria documents both answers but no numbers beyond its plan summary (10 or 60 requests a
minute, 1,000 requests in total on the free plan): a 429 has no body and no Retry-After, a 403
is a bare JSON string. The rate is a sliding window of the last 60 s of wall-clock time (not
the simulated clock: a client paces itself by the wall clock): a burst of N passes at once, the
N+1-th within the minute is refused. Only admitted requests fill the window and use the quota;
refusals cost nothing. Tests shorten the window (`window_seconds`) to see several in seconds.
Limits and the quota used are kept in the store's meta table, so a file-backed sandbox (the
CLI's embedded one) keeps them across runs.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from reconciler.sandbox.store import Store

QUOTA_EXCEEDED_MESSAGE = (
    "Quota exceeded: Free users can make up to 1000 requests in total. "
    "Please upgrade your plan to continue using the service."
)
"""Bria's own text, whatever the configured quota (it is the free plan's answer)."""
WINDOW_S = 60.0
_CONFIG_KEY = "limits"
_USED_KEY = "limits:quota_used"

Admission = Literal["ok", "rate_limited", "quota_exceeded"]


class LimitsConfigError(ValueError):
    """A field of the limits body is out of range."""


def _window(body: dict[str, Any]) -> float:
    value = body.get("window_seconds")
    if value is None:
        return WINDOW_S
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= WINDOW_S:
        raise LimitsConfigError(f"window_seconds must be a number in (0, {WINDOW_S:g}], or null")
    return float(value)


def _limit(body: dict[str, Any], name: str, minimum: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise LimitsConfigError(f"{name} must be an integer >= {minimum}, or null for no limit")
    return value


@dataclass(frozen=True)
class LimitsConfig:
    """The body of `PUT /_sandbox/limits`; null (or absent) means unlimited."""

    requests_per_minute: int | None = None
    quota: int | None = None
    window_seconds: float = WINDOW_S
    """The minute `requests_per_minute` counts over: 60 s, shorter only in tests."""

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> LimitsConfig:
        return cls(
            requests_per_minute=_limit(body, "requests_per_minute", 1),
            quota=_limit(body, "quota", 0),
            window_seconds=_window(body),
        )

    def body(self) -> dict[str, Any]:
        return {
            "requests_per_minute": self.requests_per_minute,
            "quota": self.quota,
            "window_seconds": self.window_seconds,
        }


class RequestLimits:
    """Decides, per Bria request, whether the account's plan lets it through."""

    def __init__(
        self,
        store: Store,
        startup: LimitsConfig,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        """`startup` limits, when any is set, replace those the store kept from a past run."""
        self._store = store
        self._startup = startup
        self._now = now
        self._lock = threading.Lock()
        self._window: deque[float] = deque()
        saved = store.meta_get(_CONFIG_KEY)
        self._config = LimitsConfig.from_body(json.loads(saved)) if saved else LimitsConfig()
        self._used = int(store.meta_get(_USED_KEY) or "0")
        if startup != LimitsConfig():
            self.configure(startup)

    @property
    def config(self) -> LimitsConfig:
        return self._config

    def configure(self, config: LimitsConfig, *, quota_used: int | None = None) -> None:
        """New limits (kept in the store); the quota already used stays unless given."""
        with self._lock:
            self._config = config
            if quota_used is not None:
                self._used = quota_used
            self._store.meta_set(_CONFIG_KEY, json.dumps(config.body()))
            self._store.meta_set(_USED_KEY, str(self._used))

    def reset(self) -> None:
        """Back to the startup limits and no use at all (after the store was wiped)."""
        with self._lock:
            self._window.clear()
        self.configure(self._startup, quota_used=0)

    def view(self) -> dict[str, Any]:
        with self._lock:
            self._expire(self._now())
            return {
                **self._config.body(),
                "quota_used": self._used,
                "requests_in_last_minute": len(self._window),
            }

    def _expire(self, now: float) -> None:
        while self._window and now - self._window[0] >= self._config.window_seconds:
            self._window.popleft()

    def admit(self) -> Admission:
        """Count the request if the plan allows it; the quota is checked before the rate."""
        config = self._config
        with self._lock:
            if config.quota is not None and self._used >= config.quota:
                return "quota_exceeded"
            now = self._now()
            if config.requests_per_minute is not None:
                self._expire(now)
                if len(self._window) >= config.requests_per_minute:
                    return "rate_limited"
                self._window.append(now)
            self._used += 1
            if config.quota is not None:
                self._store.meta_set(_USED_KEY, str(self._used))
        return "ok"
