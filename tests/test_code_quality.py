"""The linters are part of the test command, so the README's one command checks everything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", "reconciler", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = _run("mypy", "--strict", "reconciler")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.fail("lint-imports is not installed; install the test extra")
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_nothing_reads_the_shared_folder() -> None:
    """The project stands alone: no code or test may reach into ../shared at run time."""
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("reconciler", "tests", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if "../shared" in path.read_text(encoding="utf-8")
        and path.name != "test_code_quality.py"
    ]
    assert offenders == []
