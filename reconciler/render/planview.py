"""What the text and Markdown renderers share: symbols, value formatting, image grouping.

Image changes can number in the thousands, so both renderers show them per dataset as counts
unless asked for every line; the grouping lives here so the two agree on the numbers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reconciler.addresses import Address, Kind
from reconciler.plan.model import (
    STEP_ENDPOINTS,
    Action,
    Change,
    Drift,
    Plan,
    ReplaceMode,
    Step,
    StepKind,
)
from reconciler.resources import JsonValue

TRAINING_NOTE = "typically 1–3 hours; training is billed by Bria"  # noqa: RUF001
NO_CHANGES = "No changes. Your Bria resources match the manifests."

_ACTION_PHRASE: Mapping[Action, str] = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in-place",
    Action.REPLACE: "must be replaced",
    Action.DELETE: "will be destroyed",
    Action.NO_OP: "is unchanged",
}

_IMAGE_VERB: Mapping[Action, str] = {
    Action.CREATE: "to upload",
    Action.UPDATE: "captions",
    Action.REPLACE: "to replace",
    Action.DELETE: "to delete",
}


def symbol(change: Change) -> str:
    """Terraform's markers; `+/-` is a replace that builds the successor first."""
    if change.action is Action.CREATE:
        return "+"
    if change.action is Action.UPDATE:
        return "~"
    if change.action is Action.DELETE:
        return "-"
    if change.action is Action.REPLACE:
        if change.replace_mode is ReplaceMode.CREATE_BEFORE_DESTROY:
            return "+/-"
        return "-/+"
    return " "


def label(change: Change) -> str:
    """The address as shown, naming a deposed predecessor when the change is about one."""
    text = str(change.address)
    if change.deposed is not None:
        text += f" (deposed object {change.deposed})"
    return text


def headline(change: Change) -> str:
    return f"{label(change)} {_ACTION_PHRASE[change.action]}"


def format_value(value: JsonValue) -> str:
    """JSON spelling, so strings are quoted and null/true/false read as in the plan JSON."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def is_training(change: Change) -> bool:
    return any(step.kind is StepKind.START_TRAINING for step in change.steps)


def is_destructive(change: Change) -> bool:
    return change.action in (Action.REPLACE, Action.DELETE)


_SHARED_ENDPOINTS = {
    kind
    for kind, endpoint in STEP_ENDPOINTS.items()
    if sum(1 for other in STEP_ENDPOINTS.values() if other == endpoint) > 1
}


def step_purpose(step: Step) -> str:
    """What a step is for, when its endpoint alone does not say (several PUTs share a path)."""
    if step.kind not in _SHARED_ENDPOINTS:
        return ""
    text = step.kind.value.replace("_", " ")
    if step.kind is StepKind.SET_CAPTION_PREFIX and step.args.get("generated") is True:
        text += " (generated)"
    return text


def step_lines(change: Change) -> list[str]:
    """Each step's API text with its own note; deferred steps say that they wait."""
    lines: list[str] = []
    for step in change.steps:
        text = step.describe()
        extras: list[str] = []
        purpose = step_purpose(step)
        if purpose:
            extras.append(purpose)
        if step.deferred:
            extras.append("deferred")
        if step.note:
            extras.append(step.note)
        if step.kind is StepKind.START_TRAINING:
            extras.append(TRAINING_NOTE)
        if extras:
            text += "  # " + "; ".join(extras)
        lines.append(text)
    return lines


def attribute_lines(change: Change) -> list[tuple[str, str, str]]:
    """(marker, field, text) rows: every declared field for create/delete, the differing
    ones (with before → after) otherwise."""
    if change.action is Action.CREATE and not change.field_changes and change.after:
        unknown = set(change.unknown_after)
        rows: list[tuple[str, str, str]] = []
        for name, value in change.after.items():
            if name in unknown:
                rows.append(("+", name, "(known after apply)"))
            elif value is not None:
                rows.append(("+", name, format_value(value)))
        return rows
    if change.action is Action.DELETE and not change.field_changes and change.before:
        return [
            ("-", name, format_value(value))
            for name, value in change.before.items()
            if value is not None
        ]
    rows = []
    for fc in change.field_changes:
        after = "(known after apply)" if fc.known_after_apply else format_value(fc.after)
        if fc.before is None and change.action is Action.CREATE:
            text, marker = after, "+"
        else:
            text, marker = f"{format_value(fc.before)} → {after}", "~"
        if fc.forces_replace:
            text += "  # forces replacement"
        rows.append((marker, fc.field, text))
    return rows


@dataclass
class ImageGroup:
    """The image changes of one dataset (no-ops left out)."""

    dataset: Address
    changes: list[Change] = field(default_factory=list)
    counts: Counter[Action] = field(default_factory=Counter)
    steps: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return len(self.changes)

    def summary(self) -> str:
        """E.g. "+ 180 images to upload, - 3 to delete, ~ 2 captions"."""
        parts: list[str] = []
        first = True
        for action, marker in (
            (Action.CREATE, "+"),
            (Action.REPLACE, "-/+"),
            (Action.DELETE, "-"),
            (Action.UPDATE, "~"),
        ):
            count = self.counts[action]
            if not count:
                continue
            noun = " images" if first and action is not Action.UPDATE else ""
            if first and action is Action.UPDATE:
                noun = " image"
            parts.append(f"{marker} {count:,}{noun} {_IMAGE_VERB[action]}")
            first = False
        return ", ".join(parts)

    def step_summary(self) -> list[str]:
        """One line per distinct API step, e.g. "180 x POST /tailored-gen/datasets/{…}/images"."""
        times = "\u00d7"
        return [f"{count:,} {times} {text}" for text, count in sorted(self.steps.items())]

    def destructive_count(self) -> int:
        return self.counts[Action.REPLACE] + self.counts[Action.DELETE]


def image_line(change: Change) -> str:
    """One line per image for verbose and detail views."""
    text = f"{symbol(change)} {change.address.key}"
    if change.deposed is not None:
        text += f" (deposed object {change.deposed})"
    details = [
        f"{fc.field}: {format_value(fc.before)} → {format_value(fc.after)}"
        for fc in change.field_changes
        if change.action is not Action.CREATE
    ]
    if change.action is Action.CREATE and change.after:
        path = change.after.get("path")
        if isinstance(path, str):
            details.append(path)
    if details:
        text += "  (" + "; ".join(details) + ")"
    return text


def group_images(changes: Iterable[Change]) -> dict[Address, ImageGroup]:
    groups: dict[Address, ImageGroup] = {}
    for change in changes:
        if change.kind is not Kind.IMAGE or change.action is Action.NO_OP:
            continue
        parent = change.address.parent
        assert parent is not None  # an image address always has its dataset
        group = groups.setdefault(parent, ImageGroup(parent))
        group.changes.append(change)
        group.counts[change.action] += 1
        for step in change.steps:
            group.steps[step.describe()] += 1
    return groups


def resource_changes(plan: Plan) -> list[Change]:
    """Projects, datasets and models that change (images are grouped separately)."""
    return [c for c in plan.changes if c.kind is not Kind.IMAGE and c.action is not Action.NO_OP]


@dataclass(frozen=True)
class Block:
    """One unit both renderers show: a changing resource (with its dataset's images), or a
    dataset whose only changes are its images (`change` is None)."""

    address: Address
    change: Change | None
    images: ImageGroup | None


def blocks(plan: Plan) -> list[Block]:
    """Blocks in address order; a deposed predecessor never carries the images."""
    groups = group_images(plan.changes)
    result: list[Block] = []
    for change in sorted(resource_changes(plan), key=lambda c: c.sort_key()):
        group = None
        if change.kind is Kind.DATASET and change.deposed is None:
            group = groups.pop(change.address, None)
        result.append(Block(change.address, change, group))
    result.extend(Block(address, None, group) for address, group in groups.items())
    result.sort(key=lambda b: (b.address.sort_key(), b.change is None))
    return result


def drift_by_address(drift: Iterable[Drift]) -> dict[Address, list[Drift]]:
    grouped: dict[Address, list[Drift]] = {}
    for item in sorted(drift, key=lambda d: (d.address.sort_key(), d.field)):
        grouped.setdefault(item.address, []).append(item)
    return grouped


def plan_line(plan: Plan) -> str:
    s = plan.summary
    return (
        f"Plan: {s.create} to create, {s.update} to update, {s.replace} to replace, "
        f"{s.delete} to delete."
    )
