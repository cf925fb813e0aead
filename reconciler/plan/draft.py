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
from reconciler.plan.model import (
    Action,
    Change,
    Diagnostic,
    Drift,
    Reason,
    Severity,
    Step,
    UnchangedImages,
)
from reconciler.resources import JsonValue, RecordedResource


@dataclass
class DraftPlan:
    """The plan while the comparisons fill it in."""

    changes: list[Change] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unchanged: list[UnchangedImages] = field(default_factory=list)
    """Completed datasets' images held as a count (`plan/compare/unchanged.py`)."""

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def materialise_unchanged(self) -> None:
        """Every image as its own change again: for the passes that pick changes one by
        one (`--target`, objects refresh could not read)."""
        for group in self.unchanged:
            self.changes.extend(group.changes())
        self.unchanged.clear()

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

    def remove(
        self,
        rec: RecordedResource,
        *,
        by_parent: bool,
        steps: tuple[Step, ...] = (),
        notes: tuple[str, ...] = (),
    ) -> None:
        """A recorded resource goes: removed from the manifests, or taken along by its
        parent's delete. The flag tells apply what to do; the reason only tells people."""
        self.add(
            Change(
                address=rec.address,
                action=Action.DELETE,
                reason=Reason.PARENT_DELETED if by_parent else Reason.REMOVED_FROM_MANIFEST,
                before=dict(rec.attributes),
                steps=steps,
                notes=notes,
                remote_id=rec.remote_id,
                deleted_with_parent=by_parent,
            )
        )

    def gone(self, address: Address) -> None:
        """Drift for a recorded object that no longer exists at Bria."""
        self.drift.append(Drift(address, "exists", True, False))
