"""The plan as the comparators write it: changes, drift and findings in walk order.

The comparators append here and never read it back, except `note`, which adds a sentence to a
change already written. `builder.build_plan` then runs the whole-plan passes over it, sorts it
and makes the `Plan`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from reconciler.addresses import Address
from reconciler.errors import Location
from reconciler.plan.model import Change, Diagnostic, Drift, Severity
from reconciler.resources import JsonValue


@dataclass
class DraftPlan:
    changes: list[Change] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def note(self, address: Address, text: str) -> None:
        """Add a sentence to the current (not deposed) change of `address`."""
        for index, change in enumerate(self.changes):
            if change.address == address and change.deposed is None:
                self.changes[index] = replace(change, notes=(*change.notes, text))
                return

    def error(
        self,
        summary: str,
        address: Address | None,
        location: Location | None = None,
        *,
        detail: str = "",
        constraint: str | None = None,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(Severity.ERROR, summary, detail, address, location, constraint)
        )

    def warn(
        self,
        summary: str,
        address: Address | None,
        location: Location | None = None,
        *,
        detail: str = "",
    ) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, summary, detail, address, location))

    def add_drift(
        self, address: Address, found: Iterable[tuple[str, JsonValue, JsonValue]]
    ) -> None:
        for name, state, seen in found:
            self.drift.append(Drift(address, name, state, seen))

    def gone(self, address: Address) -> None:
        """Drift for a recorded object that no longer exists at Bria."""
        self.drift.append(Drift(address, "exists", True, False))
