"""`training_version: 3.2` as the contract spells it: YAML reads 3.2 and 2.3 unquoted as
numbers, and the error says so (with the quoted spelling) instead of "3.2 is not one of
max, light, 3.2, 2.3, fibo"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.conftest import run


@pytest.mark.parametrize(("written", "shown"), [("3.2", "3.2"), ("2.3", "2.3"), ("3.20", "3.2")])
def test_an_unquoted_version_number_is_told_to_be_quoted(
    quickstart: Path, written: str, shown: str
) -> None:
    manifest = quickstart / "mascot.yaml"
    text = manifest.read_text()
    assert "    training_version: max" in text
    version = f"    training_version: {written}"
    manifest.write_text(text.replace("    training_version: max", version))
    result = run("validate", str(quickstart))
    assert result.code == 1
    assert "mascot.yaml:13:23: datasets.v1.training_version:" in result.stdout
    assert f"write it in quotes: '{shown}'" in result.stdout


def test_the_quoted_spelling_validates(quickstart: Path) -> None:
    manifest = quickstart / "mascot.yaml"
    text = manifest.read_text().replace("    training_version: max", "    training_version: '3.2'")
    manifest.write_text(text)
    assert run("validate", str(quickstart)).code == 0


def test_a_number_where_a_key_or_name_goes_is_told_to_be_quoted(quickstart: Path) -> None:
    manifest = quickstart / "mascot.yaml"
    text = manifest.read_text().replace("project: acme-mascot", "project: 2027")
    manifest.write_text(text.replace("display_name: Acme Mascot", "display_name: 1.5"))
    result = run("validate", str(quickstart))
    assert result.code == 1
    assert "mascot.yaml:2:10: project: input should be a valid string, not 2027" in result.stdout
    assert "write it in quotes: '2027'" in result.stdout
    assert "write it in quotes: '1.5'" in result.stdout
