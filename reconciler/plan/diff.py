"""Declared-fields-only diffs: server-owned values never show up as changes or drift.

Only the rows of the field table (`plan/fields.py`) are compared, and only the fields the user
declared: an omitted caption prefix, an automatic caption or an undeclared training parameter is
Bria's to choose. How a row compares (key by key, generated at apply, a flag) is the row's own
attribute, so this module names no field.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.addresses import Kind
from reconciler.plan.fields import FieldRule, Rule, rules_for
from reconciler.plan.model import FieldChange
from reconciler.resources import JsonValue


def _forces(row: FieldRule, frozen: bool) -> bool:
    return row.rule is Rule.FORCES_REPLACE or (frozen and row.rule is Rule.FROZEN_WHEN_COMPLETED)


def diff_attributes(
    kind: Kind,
    current: Mapping[str, JsonValue],
    desired: Mapping[str, JsonValue],
    *,
    frozen: bool = False,
) -> tuple[FieldChange, ...]:
    """The declared fields of `desired` that differ from `current`, in table order.

    `frozen` (a completed dataset, or an image in one) makes content fields force a replace.
    """
    changes: list[FieldChange] = []
    for row in rules_for(kind):
        if row.name not in desired:
            continue
        after = desired[row.name]
        before = current.get(row.name, row.absent_means)
        if row.flag_for is not None:
            continue
        if row.generated_when is not None and desired.get(row.generated_when) is True:
            if current.get(row.generated_when) is not True:
                changes.append(
                    FieldChange(
                        row.name,
                        before,
                        None,
                        known_after_apply=True,
                        forces_replace=_forces(row, frozen),
                    )
                )
            continue
        if row.unset_means_unmanaged and after is None:
            continue
        if row.per_key and isinstance(after, dict):
            old = before if isinstance(before, dict) else {}
            for key in sorted(set(old) | set(after)):
                if old.get(key) != after.get(key):
                    changes.append(
                        FieldChange(
                            f"{row.name}.{key}",
                            old.get(key),
                            after.get(key),
                            forces_replace=_forces(row, frozen),
                        )
                    )
            continue
        if before != after:
            forces = _forces(row, frozen)
            changes.append(FieldChange(row.name, before, after, forces_replace=forces))
    return tuple(changes)


def drift_fields(
    kind: Kind, recorded: Mapping[str, JsonValue], live: Mapping[str, JsonValue]
) -> tuple[tuple[str, JsonValue, JsonValue], ...]:
    """(field, recorded, live) for every live-observable declared field that moved outside
    tailor. Fields tailor never set (None with `unset_means_unmanaged`) cannot drift."""
    found: list[tuple[str, JsonValue, JsonValue]] = []
    for row in rules_for(kind):
        if not row.live or row.name not in recorded or row.name not in live:
            continue
        state = recorded[row.name]
        seen = live[row.name]
        if row.unset_means_unmanaged and state is None:
            continue
        if row.per_key and isinstance(state, dict) and isinstance(seen, dict):
            for key in sorted(seen):
                if state.get(key) != seen[key]:
                    found.append((f"{row.name}.{key}", state.get(key), seen[key]))
            continue
        if state != seen:
            found.append((row.name, state, seen))
    return tuple(found)
