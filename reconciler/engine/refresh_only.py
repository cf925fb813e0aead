"""Applying a refresh-only plan (`tailor plan --refresh-only`): Bria's values into the state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from reconciler.addresses import Address
from reconciler.engine.ledger import Ledger
from reconciler.plan.model import Drift
from reconciler.resources import JsonValue


def record_drift(ledger: Ledger, drift: Sequence[Drift]) -> int:
    """A refresh-only apply: take Bria's values into the state, change nothing at Bria.

    Returns how many addresses were updated. An object gone at Bria leaves the state."""
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
