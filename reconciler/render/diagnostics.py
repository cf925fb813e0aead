"""Errors and plan diagnostics as terminal text: summary, then where, then what to do.

The shape (`Error: summary`, `  at FILE:LINE:COL`, `  hint: ...`) is the same for manifest
errors, API errors and plan diagnostics, so users learn one layout.
"""

from __future__ import annotations

from reconciler.errors import Location, TailorError, ValidationFailed
from reconciler.plan.model import Diagnostic, Severity
from reconciler.render.style import Style
from reconciler.unprintable import visible


def _block(
    style: Style,
    *,
    level: str,
    summary: str,
    location: Location | None,
    extra: list[str],
) -> str:
    head_style = "bold_red" if level == "Error" else "bold_yellow"
    lines = [f"{style(level + ':', head_style)} {visible(summary)}"]
    if location is not None:
        lines.append(f"  at {location}")
    lines.extend(f"  {line}" for line in extra)
    return "\n".join(lines)


def format_error(error: TailorError, *, color: bool = False) -> str:
    """One block per problem; a `ValidationFailed` lists every manifest error it holds."""
    style = Style(color)
    if isinstance(error, ValidationFailed):
        parts = [f"{style('Error:', 'bold_red')} {visible(error.message)}"]
        parts.extend(format_error(inner, color=color) for inner in error.errors)
        return "\n\n".join(parts)
    extra = _detail_lines(error.hint, prefix="hint: ")
    return _block(style, level="Error", summary=error.message, location=error.location, extra=extra)


def format_diagnostic(diagnostic: Diagnostic, *, color: bool = False) -> str:
    """A plan finding: which address, where in the manifests, and Bria's constraint id."""
    style = Style(color)
    level = "Error" if diagnostic.severity is Severity.ERROR else "Warning"
    extra: list[str] = []
    if diagnostic.address is not None:
        extra.append(f"address: {visible(str(diagnostic.address))}")
    extra.extend(_detail_lines(diagnostic.detail))
    if diagnostic.constraint:
        extra.append(f"constraint: {diagnostic.constraint}")
    return _block(
        style,
        level=level,
        summary=diagnostic.summary,
        location=diagnostic.location,
        extra=extra,
    )


def _detail_lines(text: str | None, *, prefix: str = "") -> list[str]:
    if not text:
        return []
    lines = text.splitlines()
    pad = " " * len(prefix)
    return [prefix + visible(lines[0]), *(pad + visible(line) for line in lines[1:])]
