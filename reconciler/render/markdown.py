"""The plan as a pull-request comment: what a reviewer must see first, within a size limit.

GitHub refuses comments over 65,536 characters, so every section is fitted into what is left
of `max_chars`, in priority order: errors, replacements and deletions (never dropped: every
replaced or deleted project, dataset and model is named), warnings, training, drift, details.
What does not fit is counted and said, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from reconciler.addresses import Address
from reconciler.plan import rules
from reconciler.plan.model import Action, Change, Diagnostic, Plan, Severity
from reconciler.render.escape import (
    html_code,
    html_prose,
    html_text,
    md_code,
    md_fence,
    md_text,
)
from reconciler.render.graph import graph_from_plan, render_mermaid
from reconciler.render.planview import (
    NO_CHANGES,
    ImageGroup,
    blocks,
    change_notes,
    conclusion,
    cost_line,
    drift_by_address,
    group_images,
    image_line,
    is_destructive,
    is_training,
    label,
    refusal,
    resource_changes,
    step_lines,
    summary_rows,
    symbol,
    training_family,
    waiting_lines,
)
from reconciler.render.valueview import (
    Bounds,
    Row,
    attribute_lines,
    diff_line,
    drift_rows,
    image_rows,
)

MARKER = "<!-- tailor-plan -->"
"""First line of every comment, so CI can find and update its own comment."""

FULL_LISTING = "run `tailor plan --format json` for all"
VALUE_BOUNDS = Bounds(rows=40, value_chars=300)
"""Of one JSON-object value (a visual schema, a JSON caption): a whole 300-key schema would
crowd every other change out of the comment."""


def render_markdown(plan: Plan, *, header: str, max_chars: int = 65000) -> str:
    head = _head(plan, header)
    budget = max_chars - len(head) - 1

    groups = group_images(plan.changes)
    errors = [d for d in plan.diagnostics if d.severity is Severity.ERROR]
    warnings = [d for d in plan.diagnostics if d.severity is Severity.WARNING]
    sections: dict[str, str] = {}
    builders: list[tuple[str, Callable[[int], str]]] = [
        ("errors", lambda b: _diagnostics("Errors", errors, b)),
        ("destructive", lambda b: _destructive(plan, groups, b)),
        ("warnings", lambda b: _diagnostics("Warnings", warnings, b)),
        ("training", lambda b: _training(plan, b)),
        ("drift", lambda b: _drift(plan, b)),
        ("details", lambda b: _details(plan, groups, b)),
    ]
    for name, build in builders:
        text = build(budget)
        sections[name] = text
        budget -= len(text)
    # The graph comes last in priority: it is the first thing left out when space is short.
    sections["graph"] = _graph(plan, budget)
    order = ("destructive", "training", "drift", "errors", "warnings", "graph", "details")
    text = head + "".join(sections[name] for name in order)
    return _hard_limit(text, max_chars)


def _head(plan: Plan, header: str) -> str:
    lines = [MARKER, f"**{md_text(header)}**", ""]
    if plan.targets:
        targets = ", ".join(md_code(str(t)) for t in plan.targets)
        lines += [f"Targeted to {targets}: changes elsewhere are not shown or applied.", ""]
    waiting = [f"⏳ {md_text(line)}" for line in waiting_lines(plan)]
    if waiting:
        lines += [*waiting, ""]
    if not plan.has_changes:
        lines += [f"✅ {NO_CHANGES}", ""]
        return "\n".join(lines) + "\n"
    title = conclusion(plan)
    refused = refusal(plan)
    if refused:
        title += f" ❌ {refused}"
    lines += [f"**{title}**", "", *_summary_table(plan), ""]
    cost = cost_line(plan)
    if cost is not None:
        lines += [html_text(cost), ""]
    return "\n".join(lines) + "\n"


def _summary_table(plan: Plan) -> list[str]:
    rows = [
        f"| {title} | " + " | ".join(f"{n:,}" for n in counts) + " |"
        for title, counts in summary_rows(plan)
    ]
    return [
        "| | create | update | replace | delete | no-op |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]


# --------------------------------------------------------------------------- sections


def _destructive(plan: Plan, groups: Mapping[Address, ImageGroup], budget: int) -> str:
    """Never cut: if the full lines do not fit, a compact list of addresses is used."""
    changes = [c for c in resource_changes(plan) if is_destructive(c)]
    destroyed = [g for g in groups.values() if g.destructive_count()]
    if not changes and not destroyed:
        return ""
    title = "### ⚠️ Replacements and deletions\n\n"
    full = [_destructive_line(c) for c in changes]
    full += [_image_destruction_line(g) for g in destroyed]
    text = title + "\n".join(full) + "\n\n"
    if len(text) <= budget:
        return text
    compact = [f"- {c.action.value} {md_code(label(c))}" for c in changes]
    compact += [_image_destruction_line(g) for g in destroyed]
    return title + "\n".join(compact) + "\n\n"


def _destructive_line(change: Change) -> str:
    verb = "replace" if change.action is Action.REPLACE else "delete"
    text = f"- ⚠️ **{verb}** {change.kind} {md_code(label(change))}"
    if change.replace_mode is not None:
        text += f" ({change.replace_mode.value.replace('_', ' ')})"
    text += f": {md_text(change.reason.describe())}"
    if change.replaced_by is not None:
        text += f"; replaced_by {md_code(str(change.replaced_by))}"
    if change.requires_replace:
        fields = ", ".join(md_code(f) for f in change.requires_replace)
        text += f"; forced by {fields}"
    return text


def _image_destruction_line(group: ImageGroup) -> str:
    parts = []
    if group.counts[Action.REPLACE]:
        parts.append(f"{group.counts[Action.REPLACE]:,} images to replace")
    if group.counts[Action.DELETE]:
        parts.append(f"{group.counts[Action.DELETE]:,} images to delete")
    return f"- ⚠️ {md_code(str(group.dataset))}: " + ", ".join(parts)


def _diagnostics(title: str, items: Sequence[Diagnostic], budget: int) -> str:
    lines = [_diagnostic_line(d) for d in items]
    return _fit(f"### {title}\n\n", lines, budget, lambda n: f"- … {n:,} more not shown")


def _diagnostic_line(diagnostic: Diagnostic) -> str:
    icon, level = ("❌", "Error") if diagnostic.severity is Severity.ERROR else ("⚠️", "Warning")
    text = f"- {icon} **{level}:** {md_text(diagnostic.summary)}"
    where = []
    if diagnostic.address is not None:
        where.append(md_code(str(diagnostic.address)))
    if diagnostic.location is not None:
        where.append(f"at {md_code(str(diagnostic.location))}")
    if where:
        text += " — " + " ".join(where)
    if diagnostic.detail:
        text += "<br>" + "<br>".join(md_text(line) for line in diagnostic.detail.splitlines())
    if diagnostic.constraint:
        text += f"<br>constraint {md_code(diagnostic.constraint)}"
    return text


def _training(plan: Plan, budget: int) -> str:
    lines = [
        f"- {md_code(str(c.address))}: training starts during apply; "
        f"{rules.training_step_note(training_family(c))}."
        for c in resource_changes(plan)
        if is_training(c)
    ]
    return _fit("### Training\n\n", lines, budget, lambda n: f"- … {n:,} more models")


def _drift(plan: Plan, budget: int) -> str:
    lines = [
        "| " + " | ".join(md_code(cell, table=True) for cell in (str(d.address), *cells)) + " |"
        for items in drift_by_address(plan.drift).values()
        for d in items
        for cells in drift_rows(d.field, d.state, d.live, VALUE_BOUNDS)
    ]
    title = (
        "### Objects changed outside tailor\n\n"
        "| address | field | recorded | live |\n| --- | --- | --- | --- |\n"
    )
    return _fit(title, lines, budget, lambda n: f"| … {n:,} more drifted fields | | | |")


def _graph(plan: Plan, budget: int) -> str:
    """The dependency graph, collapsed, as a ```mermaid block GitHub draws; whole or not at all."""
    if not plan.has_changes:
        return ""
    graph = graph_from_plan(plan)
    if not graph.nodes:
        return ""
    text = _collapsible("Dependency graph", md_fence(render_mermaid(graph).splitlines(), "mermaid"))
    return text if len(text) <= budget else ""


def _details(plan: Plan, groups: Mapping[Address, ImageGroup], budget: int) -> str:
    """Per-change blocks first, then the image lists, which share what is left equally."""
    units = blocks(plan, groups)
    if not units:
        return ""
    title = "### Details\n\n"
    reserve = 200
    remaining = budget - len(title) - reserve
    if remaining <= 0:
        return ""
    parts: list[str] = []
    omitted_changes = 0
    for unit in units:
        if unit.change is None:
            continue
        block = _change_block(unit.change)
        if len(block) <= remaining and not omitted_changes:
            parts.append(block)
            remaining -= len(block)
        else:
            omitted_changes += 1
    shown = [unit.images for unit in units if unit.images is not None]
    omitted_images = 0
    for index, group in enumerate(shown):
        share = remaining // (len(shown) - index)
        block, left_out = _image_block(group, share)
        parts.append(block)
        remaining -= len(block)
        omitted_images += left_out
    tail = []
    if omitted_changes:
        tail.append(f"… {omitted_changes:,} more changes not shown; {FULL_LISTING}")
    if omitted_images:
        tail.append(f"… {omitted_images:,} more image changes not shown; {FULL_LISTING}")
    end = "".join(f"{line}\n\n" for line in tail)
    return title + "".join(parts) + end


def _change_block(change: Change) -> str:
    lines = [diff_line(row) for row in attribute_lines(change, VALUE_BOUNDS)]
    lines += [f"# note: {note}" for note in change_notes(change)]
    steps = step_lines(change)
    if steps:
        lines.append("steps:")
        lines += [f"  {step}" for step in steps]
    summary = (
        f"{html_code(symbol(change))} {change.kind} "
        f"{html_code(label(change))}: {html_prose(change.reason.describe())}"
    )
    return _collapsible(summary, md_fence(lines, "diff") if lines else "")


_IMAGE_PRIORITY = {
    Action.REPLACE: 0,
    Action.DELETE: 1,
    Action.UPDATE: 2,
    Action.CREATE: 3,
    Action.NO_OP: 4,
}
"""Destructive image changes are listed first, so a cut list still shows them."""


def _image_block(group: ImageGroup, budget: int) -> tuple[str, int]:
    """Image lines that fit in `budget`; returns the block and how many were left out."""
    summary = f"images of {html_code(str(group.dataset))}: {html_prose(group.summary())}"
    steps = [f"# {line}" for line in group.step_summary()]
    steps += [f"# note: {line}" for line in group.note_summary()]
    empty = _collapsible(summary, md_fence(steps, "diff"))
    room = budget - len(empty)
    lines: list[str] = []
    shown = 0
    for change in sorted(group.changes, key=lambda c: _IMAGE_PRIORITY[c.action]):
        entry = [image_line(change), *(_indented(r) for r in image_rows(change, VALUE_BOUNDS))]
        size = sum(len(line) + 1 for line in entry)
        if size > room:
            break
        lines += entry
        shown += 1
        room -= size
    left_out = group.total - shown
    if not lines:
        return "", left_out
    return _collapsible(summary, md_fence([*steps, *lines], "diff")), left_out


def _indented(row: Row) -> str:
    """A JSON caption's rows, under its image's line."""
    return diff_line(Row(row.marker, row.text, row.depth + 1))


# --------------------------------------------------------------------------- helpers


def _fit(title: str, lines: Sequence[str], budget: int, more: Callable[[int], str]) -> str:
    """`title` plus as many `lines` as fit, then a line saying how many were left out."""
    if not lines:
        return ""
    room = budget - len(title) - 1 - len(more(len(lines))) - 1
    kept: list[str] = []
    for line in lines:
        if len(line) + 1 > room:
            break
        kept.append(line)
        room -= len(line) + 1
    if not kept and budget < len(title) + len(more(len(lines))) + 2:
        return ""
    if len(kept) < len(lines):
        kept.append(more(len(lines) - len(kept)))
    return title + "\n".join(kept) + "\n\n"


def _collapsible(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}</details>\n\n"


def _hard_limit(text: str, max_chars: int) -> str:
    """Last resort for absurd plans (thousands of deleted models): cut and say so."""
    if len(text) <= max_chars:
        return text
    note = f"\n\n… cut at {max_chars:,} characters; {FULL_LISTING}\n"
    return text[: max(0, max_chars - len(note))] + note
