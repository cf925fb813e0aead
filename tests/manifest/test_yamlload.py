"""The hardened YAML loader: positions, refusals, and bounded work on hostile input."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import Location, ManifestError
from reconciler.manifest.yamlload import (
    MAX_ALIASES,
    MAX_MANIFEST_BYTES,
    Position,
    load_yaml_bytes,
    load_yaml_file,
)


def error_of(text: bytes) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        load_yaml_bytes(text, "m.yaml")
    return caught.value


def test_positions_of_values_and_keys() -> None:
    doc = load_yaml_bytes(b"a: 1\nb:\n  - x\n  - {p: 1e-4, q: 0.5}\n", "m.yaml")

    assert doc.data == {"a": 1, "b": ["x", {"p": 0.0001, "q": 0.5}]}
    assert doc.values[("b", 1, "p")] == Position(4, 9)
    assert doc.keys[("b",)] == Position(2, 1)
    assert doc.location(("b", 1, "missing")) == Location("m.yaml", 4, 5)
    assert doc.location(("b",), key=True) == Location("m.yaml", 2, 1)


def test_keys_are_text_even_when_yaml_would_read_them_as_bool_or_int() -> None:
    doc = load_yaml_bytes(b"on: 1\n2: two\n", "m.yaml")
    assert doc.data == {"on": 1, "2": "two"}


def test_merge_keys_and_anchors_within_limits() -> None:
    doc = load_yaml_bytes(b"base: &b {k: 1, z: 9}\nm:\n  <<: *b\n  z: 2\n", "m.yaml")
    assert doc.data["m"] == {"z": 2, "k": 1}


def test_recursive_alias_is_refused() -> None:
    error = error_of(b"a: &a [1, *a]\n")
    assert "recursive alias" in error.message
    assert error.location == Location("m.yaml", 1, 4)


def test_too_many_aliases() -> None:
    text = b"a: &a 1\nb: [" + b", ".join([b"*a"] * (MAX_ALIASES + 1)) + b"]\n"
    error = error_of(text)
    assert "too many YAML aliases" in error.message
    assert error.location is not None and error.location.line == 2


def test_control_character_position() -> None:
    error = error_of(b"a: 1\nb: \x07\n")
    assert error.location == Location("m.yaml", 2, 4)
    assert "U+0007" in error.message


def test_utf8_bom_is_accepted() -> None:
    assert load_yaml_bytes(b"\xef\xbb\xbfa: 1\n", "m.yaml").data == {"a": 1}


def test_python_tags_are_refused() -> None:
    error = error_of(b"a: !!python/object/apply:os.system ['true']\n")
    assert "unsupported YAML tag" in error.message


def test_empty_file_is_none() -> None:
    assert load_yaml_bytes(b"", "m.yaml").data is None


def test_huge_manifest_is_refused_without_opening_it(
    tmp_path: Path, opened_files: list[str]
) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    opened_files.clear()

    with pytest.raises(ManifestError) as caught:
        load_yaml_file(path, "big.yaml")

    assert f"the limit for a YAML file is {MAX_MANIFEST_BYTES:,}" in caught.value.message
    assert str(path) not in opened_files


def test_unreadable_path_is_a_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        load_yaml_file(tmp_path / "missing.yaml", "missing.yaml")
    assert caught.value.location == Location("missing.yaml")


def test_python_scalar_tags_are_refused() -> None:
    error = error_of(b"a: !!python/name:os.system ''\n")
    assert error.location == Location("m.yaml", 1, 4)
