"""Attribute values as the text and Markdown renderers show them: one line per scalar, key by key
for JSON objects (a FIBO dataset's visual schema, an image's JSON caption).

A schema is a nested document of dozens of keys: printed as one JSON string, a change to one
palette entry is a 2,000-character line nobody can review. Two objects are compared leaf by
leaf, each difference a row with its path (`visual_schema.style.palette[1]`); an object facing
a non-object (a schema added, a caption that was text) is shown whole, pretty, on its own lines.
Lists are matched element by element on their canonical JSON (a longest common subsequence), so
one colour put first in a palette is one added row, not every later colour changed: a removed
element keeps the index it had, an added or changed one has the index it will have.
Every row passes through `visible`, and the renderers put rows only into code (a fence, a
`<pre>`), so keys and values from outside tailor stay inert.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from difflib import SequenceMatcher

from reconciler.plan.model import Action, Change, FieldChange
from reconciler.records import record
from reconciler.render.planview import format_value
from reconciler.resources import JsonValue
from reconciler.unprintable import visible

KNOWN_AFTER_APPLY = "(known after apply)"
ABSENT = "(absent)"
"""A key one side of a drifted object does not have."""
INLINE_WIDTH = 60
"""A whole object stays on its row when it is flat and this short (`parameters = {"rank": 32}`)."""
AUTO_SUFFIX = "_auto"
"""`caption_prefix_auto`, `visual_schema_auto`: true means Bria generates the value at apply
(the field table's `generated_when` rows follow this spelling; a test holds them to it)."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*", re.ASCII)


@record
class Row:
    """One line of an attribute listing; `depth` indents the lines of a whole object."""

    marker: str
    """`+`, `-`, `~`, or a space (an object's closing brace, a "more lines" note)."""
    text: str
    depth: int = 0


@record
class Bounds:
    """How much of one value a size-limited renderer (Markdown) shows; None: all of it."""

    rows: int | None = None
    value_chars: int | None = None


UNBOUNDED = Bounds()


class _Missing:
    """The side of a leaf difference that has no such key or index."""


_MISSING = _Missing()
Side = JsonValue | _Missing


def is_object(value: object) -> bool:
    return isinstance(value, dict)


def diff_line(row: Row) -> str:
    """A row in a `diff` code block: the marker first, so GitHub colours the line."""
    return f"{row.marker} {'    ' * row.depth}{row.text}"


def child_path(path: str, key: str | int) -> str:
    """`style.palette[1]`; a key that is not a plain name is quoted: `style["a b"]`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _NAME.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def leaf_changes(path: str, before: Side, after: Side) -> Iterator[tuple[str, Side, Side]]:
    """(path, before, after) for every leaf that differs, in sorted key order. Types count:
    `true` is not `1`, as in the JSON the planner compared."""
    if _same(before, after):
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            yield from leaf_changes(
                child_path(path, key), before.get(key, _MISSING), after.get(key, _MISSING)
            )
    elif isinstance(before, list) and isinstance(after, list):
        yield from _list_changes(path, before, after)
    else:
        yield path, before, after


def _list_changes(
    path: str, before: list[JsonValue], after: list[JsonValue]
) -> Iterator[tuple[str, Side, Side]]:
    """Elements only one side has are added or removed; where a run of elements was replaced
    by another, they are paired in order and compared (a changed object key by key)."""
    matcher = SequenceMatcher(None, _canonical(before), _canonical(after), autojunk=False)
    for tag, old_from, old_to, new_from, new_to in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(old_to - old_from, new_to - new_from)
        for offset in range(paired):
            yield from leaf_changes(
                child_path(path, new_from + offset),
                before[old_from + offset],
                after[new_from + offset],
            )
        for index in range(old_from + paired, old_to):
            yield child_path(path, index), before[index], _MISSING
        for index in range(new_from + paired, new_to):
            yield child_path(path, index), _MISSING, after[index]


def _canonical(values: list[JsonValue]) -> list[str]:
    """Each element as sorted, compact JSON: equal text is an equal element (`true` is not
    `1`, nor `1.0`)."""
    return [
        json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        for value in values
    ]


def _same(a: Side, b: Side) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _shown(value: JsonValue, bounds: Bounds) -> str:
    text = format_value(value)
    limit = bounds.value_chars
    if limit is not None and len(text) > limit:
        return text[:limit] + f"… ({len(text):,} characters)"
    return text


def _inline(value: JsonValue) -> bool:
    """Flat and short enough to stay on its row: legacy parameters keep their one line."""
    if not isinstance(value, dict | list):
        return True
    items = value.values() if isinstance(value, dict) else value
    flat = not any(isinstance(item, dict | list) for item in items)
    return flat and len(format_value(value)) <= INLINE_WIDTH


def pretty_lines(value: JsonValue) -> list[str]:
    """An object's or list's inside as indented JSON (sorted keys, as `format_value`), without
    its brackets."""
    lines = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2).splitlines()
    return [visible(line[2:]) for line in lines[1:-1]]


def _brackets(value: JsonValue) -> tuple[str, str]:
    """A list shown whole keeps its own brackets, as JSON and Terraform write it."""
    return ("[", "]") if isinstance(value, list) else ("{", "}")


def _bounded(rows: list[Row], bounds: Bounds, what: str) -> list[Row]:
    limit = bounds.rows
    if limit is None or len(rows) <= limit:
        return rows
    left = len(rows) - limit
    note = f"# … {left:,} more {what}{'s' * (left != 1)} (`tailor plan --format json` has all)"
    return [*rows[:limit], Row(" ", note, rows[limit].depth)]


def value_rows(
    name: str,
    before: JsonValue,
    after: JsonValue | None,
    *,
    marker: str = "~",
    known_after_apply: bool = False,
    suffix: str = "",
    bounds: Bounds = UNBOUNDED,
) -> list[Row]:
    """The rows of one field. `before`/`after` are the sides shown (for a created or deleted
    field pass the same value twice with marker `+`/`-`); `suffix` ends the last row."""
    listing = marker in ("+", "-")
    if is_object(before) and is_object(after) and not listing and not known_after_apply:
        leaves = [
            _leaf_row(path, old, new, bounds, suffix)
            for path, old, new in leaf_changes(name, before, after)
        ]
        if leaves:
            return _bounded(leaves, bounds, "changed key")
    new_text = KNOWN_AFTER_APPLY if known_after_apply else None
    old_whole = not _inline(before)
    new_whole = new_text is None and not _inline(after) and not listing
    if not old_whole and not new_whole:
        if listing:
            return [Row(marker, f"{visible(name)} = {_shown(before, bounds)}{suffix}")]
        shown_after = new_text or _shown(after, bounds)
        return [Row(marker, f"{visible(name)} = {_shown(before, bounds)} → {shown_after}{suffix}")]
    rows: list[Row] = []
    old_open, old_close = _brackets(before)
    new_open, new_close = _brackets(after)
    if old_whole:
        opening = f"{visible(name)} = {old_open}"
        inner = [Row("-" if not listing else marker, line, 1) for line in pretty_lines(before)]
        closing = old_close if listing else f"{old_close} → {new_text or _shown(after, bounds)}"
        if new_whole:  # both sides whole: a cleared value replaced by another one
            closing = f"{old_close} → {new_open}"
    else:
        opening = f"{visible(name)} = {_shown(before, bounds)} → {new_open}"
        inner, closing = [], new_close
    rows.append(Row(marker, opening))
    rows += _bounded(inner, bounds, "line")
    if new_whole:
        if old_whole:
            rows.append(Row(" ", closing))
        rows += _bounded([Row("+", line, 1) for line in pretty_lines(after)], bounds, "line")
        closing = new_close
    rows.append(Row(" ", closing + suffix))
    return rows


def _leaf_row(path: str, before: Side, after: Side, bounds: Bounds, suffix: str) -> Row:
    """A forced replace is said on every row, as for `parameters.rank`."""
    if isinstance(before, _Missing):
        assert not isinstance(after, _Missing)
        return Row("+", f"{visible(path)} = {_shown(after, bounds)}{suffix}")
    if isinstance(after, _Missing):
        return Row("-", f"{visible(path)} = {_shown(before, bounds)}{suffix}")
    old, new = _shown(before, bounds), _shown(after, bounds)
    return Row("~", f"{visible(path)} = {old} → {new}{suffix}")


def generated_fields(attributes: Mapping[str, JsonValue]) -> set[str]:
    """Fields Bria fills in during apply: `caption_prefix` when `caption_prefix_auto` is true,
    `visual_schema` when `visual_schema_auto` is."""
    return {
        name.removesuffix(AUTO_SUFFIX)
        for name, value in attributes.items()
        if name.endswith(AUTO_SUFFIX) and value is True
    }


def attribute_lines(change: Change, bounds: Bounds = UNBOUNDED) -> list[Row]:
    """Every declared field for create/delete, the differing ones (with before → after)
    otherwise; JSON objects key by key."""
    if change.action is Action.CREATE and not change.field_changes and change.after:
        unknown = set(change.unknown_after) | generated_fields(change.after)
        rows: list[Row] = []
        for name, value in change.after.items():
            if name in unknown:
                rows.append(Row("+", f"{visible(name)} = {KNOWN_AFTER_APPLY}"))
            elif value is not None:
                rows += value_rows(name, value, value, marker="+", bounds=bounds)
        return rows
    if change.action is Action.DELETE and not change.field_changes and change.before:
        rows = []
        for name, value in change.before.items():
            if value is not None:
                rows += value_rows(name, value, value, marker="-", bounds=bounds)
        return rows
    rows = []
    for fc in change.field_changes:
        suffix = "  # forces replacement" if fc.forces_replace else ""
        if fc.before is None and change.action is Action.CREATE and not fc.known_after_apply:
            rows += value_rows(
                fc.field, fc.after, fc.after, marker="+", suffix=suffix, bounds=bounds
            )
        elif fc.before is None and change.action is Action.CREATE:
            rows.append(Row("+", f"{visible(fc.field)} = {KNOWN_AFTER_APPLY}{suffix}"))
        else:
            rows += _change_rows(fc, suffix, bounds)
    return rows


def _change_rows(fc: FieldChange, suffix: str, bounds: Bounds) -> list[Row]:
    return value_rows(
        fc.field,
        fc.before,
        fc.after,
        known_after_apply=fc.known_after_apply,
        suffix=suffix,
        bounds=bounds,
    )


def has_object(fc: FieldChange) -> bool:
    return is_object(fc.before) or is_object(fc.after)


def image_rows(change: Change, bounds: Bounds = UNBOUNDED) -> list[Row]:
    """The JSON-object fields of an image change (a FIBO caption), shown under its line."""
    if change.action is Action.CREATE:
        return []
    rows: list[Row] = []
    for fc in change.field_changes:
        if has_object(fc):
            rows += _change_rows(fc, "", bounds)
    return rows


def drift_rows(
    name: str, state: JsonValue, live: JsonValue, bounds: Bounds = UNBOUNDED
) -> list[tuple[str, str, str]]:
    """(field, recorded, live) cells: a drifted object key by key (`visual_schema.mood`), a
    key only one side has shown as `(absent)`."""
    if not (is_object(state) and is_object(live)):
        if isinstance(state, dict | list) or isinstance(live, dict | list):
            return [(name, _shown(state, bounds), _shown(live, bounds))]
        return [(name, format_value(state), format_value(live))]
    return [
        (
            path,
            ABSENT if isinstance(old, _Missing) else _shown(old, bounds),
            ABSENT if isinstance(new, _Missing) else _shown(new, bounds),
        )
        for path, old, new in leaf_changes(name, state, live)
    ]


def object_rows(rows: Sequence[Row]) -> list[str]:
    return [diff_line(row) for row in rows]
