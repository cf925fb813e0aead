"""Declared-fields-only diffs: server-owned values never show up as changes or drift.

Only the rows of `rules.FIELD_RULES` are compared, and only the fields the user declared:
an omitted caption prefix, an automatic caption or an undeclared training parameter is Bria's
to choose.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.addresses import Kind
from reconciler.plan.model import FieldChange
from reconciler.plan.rules import FieldRule, Rule, rules_for
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
    auto_prefix = kind is Kind.DATASET and desired.get("caption_prefix_auto") is True
    for row in rules_for(kind):
        if row.name not in desired:
            continue
        after = desired[row.name]
        before = current.get(row.name)
        if row.name == "caption_prefix_auto":
            continue
        if row.name == "caption_prefix" and auto_prefix:
            if current.get("caption_prefix_auto") is not True:
                changes.append(
                    FieldChange(
                        "caption_prefix",
                        before,
                        None,
                        known_after_apply=True,
                        forces_replace=_forces(row, frozen),
                    )
                )
            continue
        if row.unset_means_unmanaged and after is None:
            continue
        if row.name == "parameters" and isinstance(after, dict):
            old = before if isinstance(before, dict) else {}
            for key in sorted(set(old) | set(after)):
                if old.get(key) != after.get(key):
                    changes.append(
                        FieldChange(
                            f"parameters.{key}",
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
        if row.name == "parameters" and isinstance(state, dict) and isinstance(seen, dict):
            for key in sorted(seen):
                if state.get(key) != seen[key]:
                    found.append((f"parameters.{key}", state.get(key), seen[key]))
            continue
        if state != seen:
            found.append((row.name, state, seen))
    return tuple(found)
