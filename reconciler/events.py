"""Apply events and the Hooks protocol: the engine emits, render.progress listens.

Keeping this a plain protocol lets the engine report progress without knowing about terminals.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class StepOutcome(StrEnum):
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class StepEvent:
    address: str
    step: str
    """The step's description as the plan showed it, e.g. "POST /tailored-gen/models"."""
    outcome: StepOutcome
    message: str = ""


@dataclass(frozen=True)
class WaitEvent:
    address: str
    what: str
    """What is awaited, e.g. "training" or "bulk upload"."""
    status: str
    progress: float | None = None
    """0.0 to 1.0 when known."""


class Hooks(Protocol):
    def on_step(self, event: StepEvent) -> None: ...

    def on_wait(self, event: WaitEvent) -> None: ...


class NoHooks:
    """Listens to nothing: for library use and tests that do not care about progress."""

    def on_step(self, event: StepEvent) -> None:
        return None

    def on_wait(self, event: WaitEvent) -> None:
        return None
