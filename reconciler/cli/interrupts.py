"""SIGINT and SIGTERM while apply or destroy runs: the first stops it, a second aborts it.

The first signal starts no new step and lets the requests in flight finish (at most
GRACE_SECONDS, then they are cancelled); what they did is recorded, the result table is
printed and the command exits 130 (SIGINT) or 143 (SIGTERM). A second signal cancels what is
in flight at once. Either way a rerun finishes the job: creates are journaled before they
are sent, so even a cancelled one is found again by recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reconciler.engine.apply_result import RunControl

GRACE_SECONDS = 30.0
SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Interrupts:
    """The signals an apply received, and the run they stop."""

    control: RunControl
    received: signal.Signals | None = None

    @property
    def exit_code(self) -> int:
        """The shell's convention for a process ended by a signal: 128 + its number."""
        return 128 + int(self.received) if self.received is not None else 0


@contextlib.contextmanager
def stop_on_signals(control: RunControl, note: Callable[[str], None]) -> Iterator[Interrupts]:
    """While the block runs (inside the event loop), SIGINT/SIGTERM go to `control`."""
    loop = asyncio.get_running_loop()
    state = Interrupts(control)

    def handle(received: signal.Signals) -> None:
        if state.received is not None:
            control.abort()
            return
        state.received = received
        control.stop(f"interrupted by {received.name}")
        note(
            f"{received.name}: no new step starts; the requests in flight finish (at most "
            f"{GRACE_SECONDS:.0f} s). Send it again to abort them."
        )
        loop.call_later(GRACE_SECONDS, control.abort)

    installed: list[signal.Signals] = []
    for received in SIGNALS:
        try:
            loop.add_signal_handler(received, handle, received)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread (or no signals here): the default behaviour stays
        installed.append(received)
    try:
        yield state
    finally:
        for received in installed:
            loop.remove_signal_handler(received)
