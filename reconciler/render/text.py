"""The plan as terminal text, in Terraform's shape: drift, then changes, then a count.

Colour codes appear only when the caller says the output is a terminal, so the same function
produces what CI logs and golden files hold.
"""

from __future__ import annotations

from reconciler.plan.model import Change, Plan
from reconciler.render.diagnostics import format_diagnostic
from reconciler.render.planview import (
    ImageGroup,
    blocks,
    change_notes,
    conclusion,
    cost_detail,
    cost_line,
    drift_by_address,
    headline,
    image_line,
    label,
    refusal,
    replace_causes,
    step_lines,
    symbol,
    unmarked_forcing,
    waiting_lines,
)
from reconciler.render.style import Style
from reconciler.render.valueview import Row, attribute_lines, drift_rows, image_rows
from reconciler.unprintable import visible

_INDENT = "      "
_CAUSES_SHOWN = 5
"""Images named under `forces replacement: images` without -v."""


def render_text(
    plan: Plan, *, header: str, color: bool, verbose: bool = False, verb: str = "apply"
) -> str:
    """`header` names the API and the state (the contract wants both on the first line);
    `verb` is the command that carries the plan out (apply, destroy)."""
    style = Style(color)
    out: list[str] = [style(header, "bold")]
    if plan.targets:
        targets = ", ".join(str(t) for t in plan.targets)
        out += ["", f"Targeted to {targets}: changes elsewhere are not shown or applied."]
    if plan.drift:
        out += ["", style("Objects changed outside tailor (recorded → live):", "bold"), ""]
        for address, items in drift_by_address(plan.drift).items():
            out.append(f"  {style.symbol('~')} {visible(str(address))}")
            out.extend(
                f"{_INDENT}{visible(path)}: {state} → {live}"
                for d in items
                for path, state, live in drift_rows(d.field, d.state, d.live)
            )
    unit_lines: list[str] = []
    for block in blocks(plan):
        unit_lines.append("")
        if block.change is not None:
            unit_lines.extend(_change_lines(block.change, block.images, style, verbose))
        elif block.images is not None:
            unit_lines.append(style(f"  # {block.address}: images change", "bold"))
            unit_lines.extend(_image_lines(block.images, style, verbose))
    if unit_lines:
        out += ["", "Tailor will perform the following actions:", *unit_lines]
    if plan.diagnostics:
        ordered = sorted(plan.diagnostics, key=lambda d: d.severity.value)
        out += ["", "\n\n".join(format_diagnostic(d, color=color) for d in ordered)]
    out.append("")
    out.extend(waiting_lines(plan))
    # What the apply costs, then the counts: the last line stays the count, as in Terraform.
    if verbose:
        out.extend(cost_detail(plan))
    cost = cost_line(plan, verb)
    if cost is not None:
        out.append(cost)
    out.append(conclusion(plan))
    refused = refusal(plan)
    if refused:
        out.append(style(refused, "bold_red"))
    return "\n".join(out) + "\n"


def _change_lines(
    change: Change, group: ImageGroup | None, style: Style, verbose: bool
) -> list[str]:
    marker = symbol(change)
    lines = [
        style(f"  # {headline(change)}", "bold"),
        f"{style.symbol(f'{marker:>3}')} {change.kind} {label(change)}",
        f"{_INDENT}reason: {change.reason.describe()}",
    ]
    if change.replaced_by is not None:
        lines.append(f"{_INDENT}replaced_by: {change.replaced_by}")
    forcing = unmarked_forcing(change)
    if forcing:
        lines.append(f"{_INDENT}forces replacement: {', '.join(forcing)}")
        causes = replace_causes(group) if group is not None and "images" in forcing else []
        shown = causes[:_CAUSES_SHOWN]
        if len(causes) > _CAUSES_SHOWN:
            shown.append(f"and {len(causes) - _CAUSES_SHOWN:,} more (-v lists every image)")
        lines.extend(f"{_INDENT}  {cause}" for cause in shown)
    lines.extend(_row_line(row, _INDENT, style) for row in attribute_lines(change))
    lines.extend(f"{_INDENT}note: {visible(note)}" for note in change_notes(change))
    steps = step_lines(change)
    if steps:
        lines.append(f"{_INDENT}steps:")
        lines.extend(f"{_INDENT}  {text}" for text in steps)
    if group is not None:
        lines.extend(_image_lines(group, style, verbose))
    return lines


def _image_lines(group: ImageGroup, style: Style, verbose: bool) -> list[str]:
    lines = [f"{_INDENT}images: {group.summary()}"]
    if verbose:
        for change in group.changes:
            line = image_line(change)
            marker, _, rest = line.partition(" ")
            lines.append(f"{_INDENT}  {style.symbol(marker)} {rest}")
            lines.extend(_row_line(row, f"{_INDENT}      ", style) for row in image_rows(change))
            lines.extend(f"{_INDENT}      {text}" for text in step_lines(change))
            lines.extend(f"{_INDENT}      note: {visible(note)}" for note in change.notes)
    else:
        lines.extend(f"{_INDENT}note: {visible(note)}" for note in group.note_summary())
        summary = group.step_summary()
        if summary:
            lines.append(f"{_INDENT}image steps:")
            lines.extend(f"{_INDENT}  {text}" for text in summary)
    return lines


def _row_line(row: Row, indent: str, style: Style) -> str:
    """Terraform's layout: a whole object's lines indented, each with its marker before it."""
    return f"{indent}{'    ' * row.depth}{style.symbol(row.marker)} {row.text}"
