"""What the text, Markdown and HTML renderers share: symbols, value formatting, counts, image
grouping.

Image changes can number in the thousands, so the text and Markdown renderers show them per
dataset as counts unless asked for every line; the grouping lives here so the two agree on the
numbers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reconciler.addresses import Address, Kind
from reconciler.bria_rules import Family, family_of
from reconciler.plan import rules
from reconciler.plan.cost import apply_cost
from reconciler.plan.model import (
    STEP_ENDPOINTS,
    Action,
    Change,
    Drift,
    Plan,
    Reason,
    ReplaceMode,
    Step,
    StepKind,
    waiting_predecessors,
)
from reconciler.records import record
from reconciler.render.counting import counted
from reconciler.resources import JsonValue
from reconciler.unprintable import visible

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
    text = visible(str(change.address))
    if change.deposed is not None:
        text += f" (deposed object {change.deposed})"
    return text


def headline(change: Change) -> str:
    return f"{label(change)} {_ACTION_PHRASE[change.action]}"


def format_value(value: JsonValue) -> str:
    """JSON spelling, so strings are quoted and null/true/false read as in the plan JSON;
    JSON escapes C0 controls, `visible` the rest (bidi controls, U+2028, C1)."""
    return visible(json.dumps(value, ensure_ascii=False, sort_keys=True))


def is_training(change: Change) -> bool:
    return any(step.kind is StepKind.START_TRAINING for step in change.steps)


def training_family(change: Change) -> Family:
    """The generation a training change trains in, from the model's declared version."""
    version = (change.after or {}).get("training_version")
    return family_of(version if isinstance(version, str) else None)


def change_notes(change: Change) -> tuple[str, ...]:
    """The planner's notes, after how a dataset replace is built; a change that starts a
    training always says what training costs, also when its plan was built without the
    planner's note."""
    notes = change.notes
    if change.replace_path is not None:
        notes = (change.replace_path.describe(), *notes)
    if is_training(change) and not rules.TRAINING_NOTES.intersection(notes):
        return (rules.training_note(training_family(change)), *notes)
    return notes


def is_destructive(change: Change) -> bool:
    return change.action in (Action.REPLACE, Action.DELETE)


_ENDPOINT_USES = Counter(STEP_ENDPOINTS.values())
_SHARED_ENDPOINTS = {
    kind for kind, endpoint in STEP_ENDPOINTS.items()
    if _ENDPOINT_USES[endpoint] > 1
}


def unmarked_forcing(change: Change) -> tuple[str, ...]:
    """Fields in `requires_replace` that no field row marks (e.g. "images")."""
    marked = {fc.field for fc in change.field_changes if fc.forces_replace}
    return tuple(f for f in change.requires_replace if f not in marked)


def step_purpose(step: Step) -> str:
    """What a step is for, when its endpoint alone does not say (several PUTs share a path)."""
    if step.kind not in _SHARED_ENDPOINTS:
        return ""
    text = step.kind.value.replace("_", " ")
    generating = (StepKind.SET_CAPTION_PREFIX, StepKind.SET_VISUAL_SCHEMA)
    if step.kind in generating and step.args.get("generated") is True:
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
        elif step.kind is StepKind.START_TRAINING:
            extras.append(rules.training_step_note(training_family(change)))
        if extras:
            text += "  # " + "; ".join(extras)
        lines.append(text)
    return lines


@dataclass
class ImageGroup:
    """The image changes of one dataset (no-ops left out)."""

    dataset: Address
    changes: list[Change] = field(default_factory=list)
    counts: Counter[Action] = field(default_factory=Counter)
    steps: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)

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
            noun = ""
            if first:
                noun = " image" if count == 1 or action is Action.UPDATE else " images"
            parts.append(f"{marker} {count:,}{noun} {_IMAGE_VERB[action]}")
            first = False
        return ", ".join(parts)

    def step_summary(self) -> list[str]:
        """One line per distinct API step, e.g. "180 x POST /tailored-gen/datasets/{…}/images"."""
        times = "\u00d7"
        return [f"{count:,} {times} {text}" for text, count in sorted(self.steps.items())]

    def note_summary(self) -> list[str]:
        """Each distinct image note once, with how many images it concerns."""
        return [
            f"{note} ({counted(count, 'image')})"
            for note, count in sorted(self.notes.items())
        ]

    def destructive_count(self) -> int:
        return self.counts[Action.REPLACE] + self.counts[Action.DELETE]


def image_line(change: Change) -> str:
    """One line per image for verbose and detail views."""
    text = f"{symbol(change)} {visible(change.address.key)}"
    if change.deposed is not None:
        text += f" (deposed object {change.deposed})"
    details = [
        f"{fc.field}: see below"  # a JSON object, key by key (`valueview.image_rows`)
        if isinstance(fc.before, dict) or isinstance(fc.after, dict)
        else f"{fc.field}: {format_value(fc.before)} → {format_value(fc.after)}"
        for fc in change.field_changes
        if change.action is not Action.CREATE
    ]
    if change.action is Action.CREATE and change.after:
        path = change.after.get("path")
        if isinstance(path, str):
            details.append(visible(path))
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
        group = groups.get(parent)
        if group is None:  # not setdefault: that would build three Counters per image
            group = groups[parent] = ImageGroup(parent)
        group.changes.append(change)
        group.counts[change.action] += 1
        for step in change.steps:
            group.steps[step.describe()] += 1
        for note in change.notes:
            group.notes[note] += 1
    return groups


SUMMARY_ACTIONS = (Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE, Action.NO_OP)


def summary_rows(plan: Plan) -> list[tuple[str, list[int]]]:
    """The counts table of the Markdown and HTML pages: one row for projects, datasets and
    models, one for images, each counting changes per action in SUMMARY_ACTIONS order."""
    resources: Counter[Action] = Counter()
    images: Counter[Action] = Counter()
    for change in plan.changes:
        (images if change.kind is Kind.IMAGE else resources)[change.action] += 1
    images[Action.NO_OP] += plan.unchanged_image_count
    return [
        ("projects, datasets, models", [resources[a] for a in SUMMARY_ACTIONS]),
        ("images", [images[a] for a in SUMMARY_ACTIONS]),
    ]


def resource_changes(plan: Plan) -> list[Change]:
    """Projects, datasets and models that change (images are grouped separately)."""
    return [c for c in plan.changes if c.kind is not Kind.IMAGE and c.action is not Action.NO_OP]


@record
class Block:
    """One unit both renderers show: a changing resource (with its dataset's images), or a
    dataset whose only changes are its images (`change` is None)."""

    address: Address
    change: Change | None
    images: ImageGroup | None


def blocks(plan: Plan, groups: Mapping[Address, ImageGroup] | None = None) -> list[Block]:
    """Blocks in address order; a deposed predecessor never carries the images. Pass the
    result of `group_images` when you already have it (it walks every image change)."""
    groups = dict(group_images(plan.changes) if groups is None else groups)
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
    """`Plan: 3 to create (and 6 images to upload), 0 to update, ...`: projects, datasets and
    models are what the user declared and counts; images are said apart (the JSON plan keeps
    counting every change, images included)."""
    resources: Counter[Action] = Counter()
    images: Counter[Action] = Counter()
    for change in plan.changes:
        (images if change.kind is Kind.IMAGE else resources)[change.action] += 1
    parts = []
    for action in (Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE):
        text = f"{resources[action]:,} to {action.value}"
        if images[action]:
            verb = "with new captions" if action is Action.UPDATE else _IMAGE_VERB[action]
            text += f" (and {counted(images[action], 'image')} {verb})"
        parts.append(text)
    return f"Plan: {', '.join(parts)}."


def waiting_lines(plan: Plan) -> list[str]:
    """Replaced models no step of this plan deletes, because their successor has not trained
    yet: said, so that a later plan's delete is no surprise."""
    lines = []
    for change in plan.changes:
        waiting = waiting_predecessors(change)
        if waiting:
            old = "old model (id" if len(waiting) == 1 else "old models (ids"
            lines.append(
                f"{len(waiting)} {old} {', '.join(map(str, waiting))}) will be deleted once "
                f"{change.address} has trained (by the first apply after that)."
            )
    return lines


def replace_causes(group: ImageGroup) -> list[str]:
    """The images whose own change rebuilds a completed dataset ("fox-01.png: caption"), as
    opposed to the images only carried over into the new dataset."""
    causes = []
    for change in group.changes:
        fields = [_FIELD_WORD.get(fc.field, fc.field) for fc in change.field_changes]
        if fields:
            causes.append(f"{change.address.key}: {', '.join(fields)}")
        elif change.reason is not Reason.CASCADE and change.action is Action.CREATE:
            causes.append(f"{change.address.key}: added")
        elif change.reason is not Reason.CASCADE and change.action is Action.DELETE:
            causes.append(f"{change.address.key}: removed")
    return causes


_FIELD_WORD = {"sha256": "content"}
"""How an image's compared field is named to the user."""


def refusal(plan: Plan) -> str | None:
    """The sentence each renderer adds when the plan has errors; None when it has none."""
    if not plan.errors:
        return None
    return f"Apply is refused while the plan has {counted(len(plan.errors), 'error')}."


def duration_text(seconds: float) -> str:
    """16.3 -> "16 s"; 212 -> "3.5 min"; 7200 -> "2 h"."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60, 1):g} min"
    return f"{round(seconds / 3600, 1):g} h"


def cost_line(plan: Plan, verb: str = "apply") -> str | None:
    """What the apply spends: `Apply makes 212 requests: about 3.1 min at 60 requests/minute.`
    (the time the pace holds them back); None when the plan changes nothing. `verb` is the
    command that carries it out: a destroy's plan says `Destroy makes ...`."""
    if not plan.has_changes:
        return None
    runner = verb.capitalize()
    cost = apply_cost(plan)
    count = ("at least " if cost.at_least else "") + counted(cost.total, "request")
    seconds = cost.seconds(plan.requests_per_minute)
    if seconds is None or plan.requests_per_minute is None:
        return f"{runner} makes {count} to Bria (not paced: no requests_per_minute is set)."
    pace = f"{round(plan.requests_per_minute, 2):g} requests/minute"
    if seconds == 0:
        return f"{runner} makes {count} to Bria: within a minute's allowance at {pace}, no wait."
    earlier = ""
    if cost.waits_for_earlier(plan.requests_per_minute):
        verb = "counts" if len(cost.earlier) == 1 else "count"
        earlier = f" ({counted(len(cost.earlier), 'request')} of the last minute {verb} too)"
    return f"{runner} makes {count} to Bria: about {duration_text(seconds)} at {pace}{earlier}."


def cost_detail(plan: Plan) -> list[str]:
    """`plan -v`: what the refresh cost and where the apply's requests go."""
    lines: list[str] = []
    if plan.refresh_requests is not None:
        lines.append(f"This plan's refresh made {counted(plan.refresh_requests, 'request')}.")
    if not plan.has_changes:
        return lines
    cost = apply_cost(plan)
    parts = [
        f"{cost.refresh} to refresh again",
        f"{counted(cost.steps, 'step')}",
        f"{counted(cost.reads, 'listing')} before creates and after bulk uploads",
    ]
    if cost.polls:
        parts.append(f"{counted(cost.polls, 'wait')} for Bria (one poll each at least)")
    lines.append("Apply's requests: " + ", ".join(parts) + ".")
    return lines


def conclusion(plan: Plan) -> str:
    """The last line of a plan: the counts, or that nothing (or only drift) will change."""
    if plan.refresh_only:
        count = len(drift_by_address(plan.drift))
        if not count:
            return NO_CHANGES
        return (
            f"Refresh only: {counted(count, 'object')} changed outside tailor. "
            "Applying this plan saved with --out records their live values in the state."
        )
    if not plan.has_changes:
        return NO_CHANGES
    return plan_line(plan)
