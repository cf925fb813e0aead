"""Golden-file comparison: any difference fails; `TAILOR_UPDATE_GOLDEN=1` rewrites the files."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


def updating() -> bool:
    return os.environ.get("TAILOR_UPDATE_GOLDEN") == "1"


def check_golden(path: Path, actual: str) -> None:
    """Compare `actual` with the file at `path` byte for byte (UTF-8, no newline translation)."""
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; run with TAILOR_UPDATE_GOLDEN=1 to create it")
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    fromfile=str(path),
                    tofile="rendered",
                )
            )[:80]
        )
        pytest.fail(f"rendered output differs from {path.name}:\n{diff}")


def golden(name: str) -> Path:
    return GOLDEN_DIR / name
