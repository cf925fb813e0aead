"""Injected unreliability for `/v1` routes: latency, 5xx, 429, dropped and lost responses.

Decisions come from one RNG seeded by `PUT /_sandbox/faults`, so a sequential test sees the
same faults every run. Every request draws the same number of values whatever is enabled, so
turning one fault on does not shift the others.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Action = Literal["none", "rate_limit", "error", "drop", "lose_after_commit"]
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> FaultConfig:
        """Validate a JSON body; fields left out take their defaults (PUT replaces)."""
        values: dict[str, Any] = {}
        for name in ("latency_ms", "error_status", "retry_after_s", "seed"):
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


class FaultInjector:
    """Holds the current fault config and draws a decision per Bria request."""

    def __init__(self, base_latency_ms: int = 0) -> None:
        self._base_latency_ms = base_latency_ms
        self._lock = threading.Lock()
        self._config = FaultConfig()
        self._rng = random.Random(0)

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)

    def is_blocked(self, sha256_hex: str) -> bool:
        return sha256_hex.lower() in self._config.moderation_block

    def training_fails(self, model_id: int) -> bool:
        """Decided once, when training starts, from the seed and the model id."""
        rate = self._config.training_failure_rate
        if rate <= 0.0:
            return False
        return random.Random(f"{self._config.seed}:{model_id}").random() < rate

    def decide(self, method: str) -> Decision:
        with self._lock:
            config = self._config
            draws = [self._rng.random() for _ in range(4)]
        latency = (self._base_latency_ms + config.latency_ms) / 1000.0
        if draws[0] < config.rate_limit_rate:
            return Decision(latency, "rate_limit")
        if draws[1] < config.error_rate:
            return Decision(latency, "error")
        if draws[2] < config.drop_connection_rate:
            return Decision(latency, "drop")
        if method in _WRITE_METHODS and draws[3] < config.lose_response_after_commit_rate:
            return Decision(latency, "lose_after_commit")
        return Decision(latency, "none")
