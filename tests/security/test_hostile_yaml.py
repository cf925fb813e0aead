"""Hostile YAML ends in a located error: nesting is capped, also through aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import Location, ManifestError
from reconciler.manifest.yamlload import MAX_DEPTH, load_yaml_bytes
from tests.security.conftest import assert_all_refused, every_command, make_workspace, tailor


def _error(text: str) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        load_yaml_bytes(text.encode(), "m.yaml")
    return caught.value


def test_flow_nesting_is_capped_at_its_position() -> None:
    error = _error("a: " + "[" * 400 + "]" * 400)
    assert error.location == Location("m.yaml", 1, 4 + MAX_DEPTH - 1)
    assert f"nested more than {MAX_DEPTH} levels" in error.message


def test_block_nesting_is_capped() -> None:
    text = "\n".join("  " * i + f"k{i}:" for i in range(400)) + " 1\n"
    error = _error(text)
    assert error.location is not None and error.location.line == MAX_DEPTH


def test_nesting_up_to_the_cap_loads() -> None:
    depth = MAX_DEPTH - 1  # the document's own mapping is one level
    loaded = load_yaml_bytes(("a: " + "[" * depth + "]" * depth).encode(), "m.yaml")
    assert isinstance(loaded.data["a"], list)


def test_aliases_cannot_stack_past_the_cap() -> None:
    text = "x: &b0 [1]\n" + "\n".join(
        f"y{i}: &b{i} " + "[" * 10 + f"*b{i - 1}" + "]" * 10 for i in range(1, 12)
    )
    assert f"nested more than {MAX_DEPTH} levels" in _error(text).message


@pytest.mark.parametrize("name", ["mascot.yaml", "tailor.yaml"])
def test_a_deep_file_is_refused_by_every_command(tmp_path: Path, name: str) -> None:
    root = make_workspace(tmp_path)
    (root / name).write_text("project: " + "[" * 400 + "]" * 400 + "\n")
    assert len((root / name).read_bytes()) < 1024
    runs = every_command(root)
    assert_all_refused(runs, f"{name}:1:", f"nested more than {MAX_DEPTH} levels")
    tailor("graph", cwd=root).assert_refused(f"nested more than {MAX_DEPTH} levels")
