"""The command line a Terraform, kubectl or git user expects (issue 17), one test per
convention, each driving the real `tailor` entry point in a subprocess: environment, TTY and
exit-code behaviour are only real there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, copy_example

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = EXAMPLES / "quickstart"
ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT", "TMPDIR")
"""The only variables a test's `tailor` inherits: no BRIA_*, TAILOR_*, colour or TERM
settings leak in from the machine that runs the suite."""


def tailor(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k in ENV_KEEP}
    return subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **(env or {})},
        cwd=cwd,
    )


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    """A copy of examples/quickstart (on the embedded sandbox; state in the copy)."""
    target = tmp_path / "quickstart"
    copy_example(QUICKSTART, target)
    return target


# ------------------------------------------------------------------ validate in one pass


def test_validate_reports_schema_reference_and_file_problems_at_once(quickstart: Path) -> None:
    manifest = quickstart / "mascot.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("images/v1/*.png", "images/v2/*.png")  # matches nothing
    text = text.replace("training_version: light", "training_version: lite")  # schema
    text = text.replace("dataset: v1", "dataset: v2")  # an unknown dataset
    manifest.write_text(text, encoding="utf-8")

    result = tailor("validate", quickstart)

    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if not line.startswith("  ")]
    assert [p.split(": ", 2)[1] for p in problems[:-1]] == [
        "datasets.v1.images[0]",
        "models.light.dataset",
        "models.light.training_version",
    ]
    lines = [int(p.split(":")[1]) for p in problems[:-1]]
    assert lines == sorted(lines)
    assert problems[-1] == "3 errors found; nothing was sent to Bria."


# ------------------------------------------------------------------ inputs almost right


def test_whitespace_only_token_is_an_unset_token(quickstart: Path) -> None:
    # A loopback API: were the blank token taken as set, the plan would fail fast offline.
    (quickstart / "tailor.yaml").write_text("api: http://127.0.0.1:9/v1\n")
    result = tailor("plan", quickstart, env={"BRIA_API_TOKEN": "  \n"})
    assert result.returncode == 1
    assert "BRIA_API_TOKEN is not set" in result.stderr


def test_non_ascii_key_is_refused_saying_so(quickstart: Path) -> None:
    manifest = quickstart / "mascot.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("project: acme-mascot", "project: café"),
        encoding="utf-8",
    )
    result = tailor("validate", quickstart)
    assert result.returncode == 1
    assert "project: 'café' is not a valid key: 'é' is not an ASCII character" in result.stdout
    assert "ASCII letters (a-z, A-Z)" in result.stdout

    address = tailor("state", "show", "café/models/light", quickstart)
    assert address.returncode == 1
    assert "'é' is not an ASCII character" in address.stderr


def test_no_manifests_error_names_the_subfolders_that_have_them(tmp_path: Path) -> None:
    copy_example(QUICKSTART, tmp_path / "projects" / "mascot")
    result = tailor("validate", tmp_path / "projects", cwd=tmp_path)
    assert result.returncode == 1
    assert "there are manifests in subfolders: " in result.stdout
    assert str(tmp_path / "projects" / "mascot") in result.stdout

    nothing = tailor("validate", tmp_path / "projects" / "mascot" / "images")
    assert "no manifests in the workspace: expected" in nothing.stdout
