"""Injected unreliability for `/v1` routes: latency, 5xx, 429, dropped and lost responses.

Decisions come from one RNG seeded by `PUT /_sandbox/faults`, so a sequential test sees the
same faults every run. Every request draws the same number of values whatever is enabled, so
turning one fault on does not shift the others.

`hold_from_request` lets a test SIGKILL a client at an exact point however loaded the machine:
from the Nth request on, nothing is acted on or answered until the faults are set again, and
that `PUT` returns only once the held requests have run (so a rerun never races them).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Action = Literal["none", "rate_limit", "error", "drop", "lose_after_commit"]
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HOLD_MAX_S = 120.0
"""A held request goes on by itself after this long: a forgotten hold never wedges a server."""


class FaultConfigError(ValueError):
    """A field of the faults body is out of range."""


@dataclass(frozen=True)
class FaultConfig:
    """The body of `PUT /_sandbox/faults` (CONTRACT section 8), plus the failure knobs."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    rate_limit_rate: float = 0.0
    retry_after_s: int = 1
    drop_connection_rate: float = 0.0
    lose_response_after_commit_rate: float = 0.0
    seed: int = 0
    training_failure_rate: float = 0.0
    moderation_block: tuple[str, ...] = field(default_factory=tuple)
    hold_from_request: int = 0

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> FaultConfig:
        """Validate a JSON body; fields left out take their defaults (PUT replaces)."""
        values: dict[str, Any] = {}
        for name in ("latency_ms", "error_status", "retry_after_s", "seed", "hold_from_request"):
            if name in body:
                value = body[name]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise FaultConfigError(f"{name} must be a non-negative integer")
                values[name] = value
        for name in (
            "error_rate",
            "rate_limit_rate",
            "drop_connection_rate",
            "lose_response_after_commit_rate",
            "training_failure_rate",
        ):
            if name in body:
                value = body[name]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise FaultConfigError(f"{name} must be a number between 0 and 1")
                if not 0.0 <= float(value) <= 1.0:
                    raise FaultConfigError(f"{name} must be a number between 0 and 1")
                values[name] = float(value)
        if "error_status" in values and not 400 <= values["error_status"] <= 599:
            raise FaultConfigError("error_status must be an HTTP error status (400-599)")
        if "moderation_block" in body:
            block = body["moderation_block"]
            if not isinstance(block, list) or not all(isinstance(x, str) for x in block):
                raise FaultConfigError("moderation_block must be a list of sha256 hex strings")
            values["moderation_block"] = tuple(x.lower() for x in block)
        return cls(**values)

    def to_body(self) -> dict[str, Any]:
        body = asdict(self)
        body["moderation_block"] = list(self.moderation_block)
        return body


@dataclass(frozen=True)
class Decision:
    latency_s: float
    action: Action
    held: bool = False


class FaultInjector:
    """Holds the current fault config and draws a decision per Bria request."""

    def __init__(self, base_latency_ms: int = 0) -> None:
        self._base_latency_ms = base_latency_ms
        self._lock = threading.Lock()
        self._config = FaultConfig()
        self._rng = random.Random(0)
        self._seen = 0
        self._release = threading.Event()
        self._holding = 0
        self._held_done = threading.Condition(self._lock)

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Replace the config; first let held requests go and wait (bounded) until they ran.

        Called from a worker thread (sync routes), never from the event loop they run on.
        """
        with self._lock:
            self._release.set()
            self._held_done.wait_for(lambda: self._holding == 0, timeout=HOLD_MAX_S)
            self._config = config
            self._rng = random.Random(config.seed)
            self._seen = 0
            self._release = threading.Event()

    def is_blocked(self, sha256_hex: str) -> bool:
        return sha256_hex.lower() in self._config.moderation_block

    def training_fails(self, model_id: int) -> bool:
        """Decided once, when training starts, from the seed and the model id."""
        rate = self._config.training_failure_rate
        if rate <= 0.0:
            return False
        return random.Random(f"{self._config.seed}:{model_id}").random() < rate

    def decide(self, method: str) -> Decision:
        """The request's fate; a held one must be passed to `wait_held` and then `done_held`."""
        with self._lock:
            config = self._config
            draws = [self._rng.random() for _ in range(4)]
            self._seen += 1
            held = 0 < config.hold_from_request <= self._seen
            self._holding += held
        latency = (self._base_latency_ms + config.latency_ms) / 1000.0
        decision = self._draw(method, config, draws, latency)
        return Decision(decision.latency_s, decision.action, held)

    async def wait_held(self) -> None:
        """Until the faults are set again (or HOLD_MAX_S passed): polled, the loop stays free."""
        release = self._release
        deadline = time.monotonic() + HOLD_MAX_S
        while not release.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    def done_held(self) -> None:
        with self._lock:
            self._holding -= 1
            self._held_done.notify_all()

    @staticmethod
    def _draw(method: str, config: FaultConfig, draws: list[float], latency: float) -> Decision:
        if draws[0] < config.rate_limit_rate:
            return Decision(latency, "rate_limit")
        if draws[1] < config.error_rate:
            return Decision(latency, "error")
        if draws[2] < config.drop_connection_rate:
            return Decision(latency, "drop")
        if method in _WRITE_METHODS and draws[3] < config.lose_response_after_commit_rate:
            return Decision(latency, "lose_after_commit")
        return Decision(latency, "none")
