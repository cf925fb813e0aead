"""Apply events and the Hooks protocol: the engine emits, render.progress listens.

Keeping this a plain protocol lets the engine report progress without knowing about terminals.
The results of an apply live here too, so the engine reports them and render tabulates them
without importing each other.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from reconciler.addresses import Address
from reconciler.records import record


class StepOutcome(StrEnum):
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@record
class StepEvent:
    """One step of an apply started, finished, failed or was skipped."""

    address: str
    step: str
    """The step's description as the plan showed it, e.g. "POST /tailored-gen/models"."""
    outcome: StepOutcome
    message: str = ""


@record
class WaitEvent:
    """A wait for Bria's asynchronous work (training, captions, bulk upload) polled."""

    address: str
    what: str
    """What is awaited, e.g. "training" or "bulk upload"."""
    status: str
    progress: float | None = None
    """0.0 to 1.0 when known."""


@record
class RateLimitEvent:
    """Bria answered 429: the client waits `wait_seconds`, then goes on at `per_minute`."""

    per_minute: float | None
    """The client's pace from now on (None: unpaced)."""
    limit: float | None
    """The pace the settings asked for (`requests_per_minute`; None: none set)."""
    wait_seconds: float
    answered: int
    """Requests Bria had answered (429s not counted) on this client so far."""


class Hooks(Protocol):
    def on_step(self, event: StepEvent) -> None: ...

    def on_wait(self, event: WaitEvent) -> None: ...


class NoHooks:
    """Listens to nothing: for library use and tests that do not care about progress."""

    def on_step(self, event: StepEvent) -> None:
        return None

    def on_wait(self, event: WaitEvent) -> None:
        return None


class ResultStatus(StrEnum):
    """How the planned work of one DAG node, or of one address, ended."""

    DONE = "done"
    FAILED = "failed"
    NOT_STARTED = "not started"


@record
class AddressResult:
    """The outcome of everything planned for one address: a row of the apply results table."""

    address: Address
    status: ResultStatus
    message: str = ""
    deposed: int | None = None
    """Set for the row of a deposed object (a replaced model kept, then deleted)."""

    @property
    def label(self) -> str:
        """The address, and which deposed object when the row is about one."""
        if self.deposed is None:
            return str(self.address)
        return f"{self.address} (deposed {self.deposed})"
