"""Bria's values into the state: a refresh-only plan's drift, and a normal apply's drift on what
it leaves alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from reconciler.addresses import Address
from reconciler.engine.ledger import Ledger
from reconciler.plan.model import Action, Drift, Plan
from reconciler.resources import JsonValue


def record_drift(ledger: Ledger, drift: Sequence[Drift]) -> int:
    """Take Bria's values for `drift` into the state, changing nothing at Bria: all of a
    refresh-only plan's, or those `drift_apply_leaves` picks for a normal apply.

    Returns how many addresses were updated. An object gone at Bria leaves the state. With
    no drift it returns at once: every apply calls it, and a flush blocks on the writer."""
    if not drift:
        return 0
    touched: set[Address] = set()
    for item in drift:
        entry = ledger.get(item.address)
        if entry is None:
            continue
        touched.add(item.address)
        if item.field == "exists":
            ledger.remove_tree(item.address)
            continue
        attributes: dict[str, JsonValue] = dict(entry.attributes)
        if item.field.startswith("parameters."):
            current = attributes.get("parameters")
            parameters = dict(current) if isinstance(current, dict) else {}
            parameters[item.field.split(".", 1)[1]] = item.live
            attributes["parameters"] = parameters
        else:
            attributes[item.field] = item.live
        ledger.put(replace(entry, attributes=attributes))
    ledger.flush()
    return len(touched)


def drift_apply_leaves(plan: Plan) -> list[Drift]:
    """Drift on objects this apply sends nothing for (an `auto` schema or prefix edited in the
    Console, a field tailor does not manage): no step records Bria's value, so apply takes it
    into the state, as Terraform saves its refresh. Otherwise every later plan reports it again
    until a refresh-only apply. Objects gone at Bria are left to their create."""
    acting = {c.address for c in plan.changes if c.action is not Action.NO_OP}
    return [d for d in plan.drift if d.field != "exists" and d.address not in acting]
