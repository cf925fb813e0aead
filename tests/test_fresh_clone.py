"""The README's two commands, in order, on a fresh clone: the tests pass after the quickstart
ran in the checkout, and every PostgreSQL test runs with no server installed on the machine."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import EXAMPLES, copy_example

ROOT = Path(__file__).resolve().parents[1]


def test_a_copied_example_leaves_the_checkouts_state_behind(tmp_path: Path) -> None:
    example = tmp_path / "quickstart"
    copy_example(EXAMPLES / "quickstart", example)
    (example / ".tailor").mkdir()
    (example / ".tailor" / "state.db").write_bytes(b"what the README's first command left")
    copied = copy_example(example, tmp_path / "copy")
    assert not (copied / ".tailor").exists()
    assert sorted(p.name for p in copied.iterdir()) == sorted(
        p.name for p in example.iterdir() if p.name != ".tailor"
    )


def test_tests_copy_examples_only_through_copy_example() -> None:
    """A plain copytree of examples/ takes along whatever `tailor apply examples/...` left."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path != ROOT / "tests" / "conftest.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bcopytree\(", line)
    ]
    assert offenders == [], "use tests.conftest.copy_example"
