"""The hardened YAML loader: positions, refusals, and bounded work on hostile input."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.errors import Location, ManifestError
from reconciler.manifest.yamlload import (
    MAX_ALIASES,
    MAX_MANIFEST_BYTES,
    LoadedYaml,
    Position,
    _compose,
    _compose_with,
    _describe_yaml_error,
    _FastLoader,
    _Loader,
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


# ------------------------------------------------------------------ libyaml beside pure Python

FRAGMENTS = st.sampled_from(
    [
        *("a", "b", ": ", ":", "- ", "-", "- - ", "  - ", "\n", "\n  ", "  ", " ", "\t", "?", "? "),
        *("&x ", "*x", "*x ", "&a [1]", "<<: ", "<<: *x\n", "{", "}", "[", "]", ", ", "#", "# c"),
        *("'q'", "'", '"', '"d\\u00e9"', '"\\t"', "\\", "1e-4", "0x1F", "0o17", "1_000", ".inf"),
        *("-.5", "12:30", "on", "~", "=", "@", "`", "a:b", "http://x", "---", "--- |\n", "..."),
        *("!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!map ", "!!seq ", "!!", "!x "),
        *("!<tag:yaml.org,2002:str> ", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "|", ">-", ">+\n"),
        *("|2\n", "key: |\n  text\n", "\r\n", "\r", "\x85", "\u2028", "\u2029", "\ufeff"),
        *("é", "\u00a0", "\U0001f600", "\x00", "\x01", "\x7f", "\ud7ff", "\ue000", "\ufffe"),
    ]
)
"""Pieces of YAML, of its odd corners most: joined at random they find where libyaml and
Python's parser disagree (`_PYTHON_ONLY` lists what they found)."""


def loaded(compose: Callable[[str, str], LoadedYaml], text: str) -> object:
    """The loaded document (data with its types, value and key positions), or the problem's
    class name."""
    try:
        doc = compose(text, "m.yaml")
    except Exception as error:  # any problem: compared by its class
        return type(error).__name__
    return (repr(doc.data), doc.values, doc.keys)


def python_parser(text: str, name: str) -> LoadedYaml:
    return _compose_with(_Loader, text, name)


@settings(max_examples=2000, deadline=None)
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_a_manifest_loads_as_the_python_parser_loads_it(text: str) -> None:
    assert loaded(_compose, text) == loaded(python_parser, text)


@pytest.mark.skipif(_FastLoader is None, reason="PyYAML built without libyaml")
def test_libyaml_loads_every_yaml_file_of_the_project_as_python_does() -> None:
    project = Path(__file__).resolve().parents[2]
    files = [
        path
        for folder in ("examples", "tests", "docs", ".ci")
        for path in sorted((project / folder).rglob("*.y*ml"))
    ]
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
        fast = loaded(partial(_compose_with, _FastLoader), text)
        assert fast == loaded(python_parser, text) or isinstance(fast, str), path


def test_a_problem_is_reported_as_the_python_parser_words_it() -> None:
    error = error_of(b"a: [1, 2\nb: 3\n")
    with pytest.raises(yaml.YAMLError) as python:
        _compose_with(_Loader, "a: [1, 2\nb: 3\n", "m.yaml")
    assert error.message == _describe_yaml_error(python.value)  # type: ignore[arg-type]
