"""Modules a newcomer can trust: a first docstring line that says what each is for, and a size
that fits in one reading unless the module says at its top why it needs more.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reconciler"
LINE_LIMIT = 450
SIZE_MARKER = "# size: "
"""The one-line reason a module over the limit gives, in its header (between the docstring and
the first statement), e.g. `# size: one method per endpoint; splitting scatters the API`."""


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _size_reason(source: str) -> str | None:
    """The reason after SIZE_MARKER in the module's header, or None."""
    tree = ast.parse(source)
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    header_end = body[0].lineno - 1 if body else len(source.splitlines())
    for line in source.splitlines()[:header_end]:
        if line.startswith(SIZE_MARKER):
            return line.removeprefix(SIZE_MARKER).strip()
    return None


def _opens_with_purpose(source: str) -> bool:
    """Whether the module docstring exists and its first line is not empty."""
    doc = ast.get_docstring(ast.parse(source), clean=False)
    return doc is not None and bool(doc.split("\n", 1)[0].strip())


def test_every_module_starts_its_docstring_with_what_it_is_for() -> None:
    """The code map shows each module's first docstring paragraph: an empty first line (or no
    docstring) leaves a newcomer a blank row, or a row that starts mid-thought."""
    offenders = [
        str(path.relative_to(PACKAGE.parent))
        for path in _modules()
        if not _opens_with_purpose(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "a module docstring must start on its first line with its purpose"


def test_no_module_is_over_the_line_limit_without_a_reason_at_its_top() -> None:
    offenders = []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        reason = _size_reason(source)
        if lines > LINE_LIMIT and (reason is None or len(reason.split()) < 4):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}: {lines} lines")
    assert offenders == [], (
        f"over {LINE_LIMIT} lines: split at a natural seam, or say why not in a line "
        f"`{SIZE_MARKER}<reason>` between the module docstring and its first statement"
    )


def test_the_checks_catch_what_they_name() -> None:
    """A marker below the first statement does not count; a docstring opening with a blank
    line, or none at all, is caught."""
    header = '"""Doc."""\n# size: one method per endpoint of the API\nimport os\n'
    late = '"""Doc."""\nimport os\n# size: one method per endpoint of the API\n'
    assert _size_reason(header) == "one method per endpoint of the API"
    assert _size_reason(late) is None
    assert _opens_with_purpose('"""Doc.\n\nMore."""\n')
    assert not _opens_with_purpose('"""\nDoc."""\n')
    assert not _opens_with_purpose("import os\n")
