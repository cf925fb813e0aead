"""`tailor plan --out FILE` never destroys what is there: a manifest, an image or any file
that is not a saved plan is refused before the plan is made (exit 1, the file unchanged),
and so is a new *.yaml beside the manifests, which the next command would read as one.
A saved plan is replaced, as a new plan of the same workspace should be."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.contract.conftest import run


def test_a_saved_plan_is_replaced(quickstart: Path) -> None:
    out = quickstart.parent / "tailor.plan"
    assert run("plan", str(quickstart), "--out", str(out)).code == 0
    first = json.loads(out.read_text())
    assert run("plan", str(quickstart), "--out", str(out)).code == 0
    assert json.loads(out.read_text())["format_version"] == first["format_version"]


@pytest.mark.parametrize(
    "victim", ["mascot.yaml", "tailor.yaml", "images/v1/fox-01.png", "images/v1/fox-01.txt"]
)
def test_a_file_of_the_workspace_is_never_overwritten(quickstart: Path, victim: str) -> None:
    target = quickstart / victim
    before = target.read_bytes()
    result = run("plan", str(quickstart), "--out", str(target))
    assert result.code == 1
    assert "is not a saved plan" in result.stderr
    assert str(target) in result.stderr
    assert target.read_bytes() == before
    assert "Tailor will perform" not in result.stdout  # refused before planning


def test_any_other_file_that_is_not_a_plan_is_kept(quickstart: Path) -> None:
    notes = quickstart.parent / "notes.txt"
    notes.write_text("my notes\n")
    result = run("plan", str(quickstart), "--out", str(notes))
    assert result.code == 1
    assert notes.read_text() == "my notes\n"


@pytest.mark.parametrize("name", ["plan.yaml", "plan.yml"])
def test_a_new_manifest_name_in_the_workspace_is_refused(quickstart: Path, name: str) -> None:
    result = run("plan", str(quickstart), "--out", str(quickstart / name))
    assert result.code == 1
    assert "would be read as a manifest" in result.stderr
    assert not (quickstart / name).exists()
    assert run("validate", str(quickstart)).code == 0


def test_a_folder_or_a_missing_folder_is_refused_before_planning(quickstart: Path) -> None:
    for out in (quickstart.parent, quickstart.parent / "no-such-dir" / "tailor.plan"):
        result = run("plan", str(quickstart), "--out", str(out))
        assert result.code == 1
        assert str(out) in result.stderr
        assert "Tailor will perform" not in result.stdout
    assert not (quickstart.parent / "no-such-dir").exists()


@pytest.mark.parametrize("dropped", ["state", "live_fingerprint"])
def test_a_plan_file_without_its_state_is_not_a_plan_rather_than_stale(
    quickstart: Path, dropped: str
) -> None:
    """A hand-edited or truncated plan used to be judged on defaults and called "stale"."""
    out = quickstart.parent / "tailor.plan"
    assert run("plan", str(quickstart), "--out", str(out)).code == 0
    data = json.loads(out.read_text())
    del data[dropped]
    out.write_text(json.dumps(data))
    before = _files(quickstart / ".tailor")
    result = run("apply", str(out))
    assert result.code == 1
    assert f"not a valid tailor plan: it has no {dropped}" in result.stderr
    assert "stale" not in result.output
    assert _files(quickstart / ".tailor") == before


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
