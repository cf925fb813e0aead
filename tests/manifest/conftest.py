"""Workspaces built in tmp_path from small YAML strings and images drawn with Pillow."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

from reconciler.cli.main import cli

GOOD_MANIFEST = """\
project: acme
ip:
  type: defined_character
  medium: illustration
  name: Foxy
  description: An orange fox
datasets:
  v1:
    images:
      - images/*.png
models:
  light:
    dataset: v1
    training_version: light
"""


def write_image(
    path: Path,
    size: tuple[int, int] = (256, 256),
    fmt: str = "PNG",
    color: tuple[int, int, int] = (200, 120, 40),
) -> Path:
    """A solid-colour image: tiny on disk and quick to make."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format=fmt)
    return path


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(content), encoding="utf-8")


def run_validate(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["validate", str(root), *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def good_workspace(tmp_path: Path) -> Path:
    write_files(tmp_path, {"acme.yaml": GOOD_MANIFEST})
    write_image(tmp_path / "images" / "a.png")
    write_image(tmp_path / "images" / "b.png", color=(10, 20, 30))
    return tmp_path


_opened: list[str] | None = None


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _opened is not None and args and isinstance(args[0], str | bytes):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed; it records only while a test asks


@pytest.fixture
def opened_files() -> Iterator[list[str]]:
    """Every file path opened (builtins.open, Path.open, Pillow) while the test runs."""
    global _opened
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None
