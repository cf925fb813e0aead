"""The README shows only real commands and options, and the manifest reference is current."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

from reconciler.cli.main import cli
from tests.gitops.ciscripts import tailor_commands

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL_FENCES = {"bash", "sh", "shell", "console", ""}
INLINE = re.compile(r"(?<!`)`(tailor [^`]+)`(?!`)")
PLACEHOLDER = re.compile(r"\[|\||\.\.\.|\b[A-Z][A-Z_]{2,}\b")
"""Synopses such as `tailor plan [PATH] --format text|json` show a shape, not a command."""


def readme_commands() -> list[tuple[str, ...]]:
    text = README.read_text(encoding="utf-8")
    found: list[tuple[str, ...]] = []
    for language, body in FENCE.findall(text):
        if language in SHELL_FENCES:
            found += tailor_commands(body)
    return found


def inline_commands() -> list[tuple[str, ...]]:
    """Commands quoted in the prose (a synopsis with placeholders is left out)."""
    prose = FENCE.sub("", README.read_text(encoding="utf-8"))
    spans = (" ".join(m.split()) for m in INLINE.findall(prose))
    return [tuple(span.split()) for span in spans if not PLACEHOLDER.search(span)]


def resolve(argv: tuple[str, ...]) -> tuple[click.Command, list[str], list[str]]:
    """The command an argv names, the words of its path, and the words left for it."""
    command: click.Command = cli
    words = list(argv[1:])
    path = ["tailor"]
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        name = words.pop(0)
        found = command.get_command(click.Context(command), name)
        assert found is not None, f"{' '.join(argv)}: no command {name!r} in {' '.join(path)}"
        command, path = found, [*path, name]
    return command, path, words


def parse(argv: tuple[str, ...]) -> click.Command:
    """Parse options and arguments as click would, without running the command: an unknown
    command, option or value raises click's usage error."""
    command, path, words = resolve(argv)
    if words in (["--version"], ["--help"]):
        return command
    assert not isinstance(command, click.Group), f"{' '.join(argv)}: names no command"
    command.make_context(" ".join(path), words)
    return command


def test_readme_shows_the_two_setup_commands_first() -> None:
    body = FENCE.findall(README.read_text(encoding="utf-8"))[0][1]
    assert "pip install -e . && tailor apply examples/quickstart --auto-approve" in body
    assert "pip install -e '.[test]' && python -m pytest -n 2" in body


def test_readme_commands_are_real() -> None:
    commands = readme_commands()
    assert len(commands) >= 15
    seen: set[str] = set()
    for argv in commands:
        command = parse(argv)
        seen.add(command.name or "")
    assert seen >= {"validate", "plan", "apply", "import", "force-unlock", "output", "show"}


def test_commands_quoted_in_the_prose_are_real() -> None:
    commands = inline_commands()
    assert len(commands) >= 10
    for argv in commands:
        _command, _path, rest = resolve(argv)
        if rest:  # `tailor destroy` alone in a sentence names the command; with words, it runs
            parse(argv)


def test_parse_rejects_what_click_rejects() -> None:
    with pytest.raises(click.UsageError):
        parse(("tailor", "plan", "--no-such-option"))
    with pytest.raises(click.BadParameter):
        parse(("tailor", "plan", "--format", "yaml"))
    with pytest.raises(AssertionError):
        parse(("tailor", "deploy"))


def command_words() -> list[tuple[str, ...]]:
    words = {
        argv[1:3] if argv[1] in ("state", "sandbox") else argv[1:2]
        for argv in readme_commands() + inline_commands()
    }
    return sorted(w for w in words if not w[0].startswith("-"))


@pytest.mark.parametrize("words", command_words())
def test_each_readme_command_has_help(words: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*words, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")


def load_generator(name: str = "gen_manifest_reference") -> ModuleType:
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_manifest_reference_is_current() -> None:
    import json

    generator = load_generator()
    schema = json.loads((ROOT / "schemas" / "manifest.schema.json").read_text(encoding="utf-8"))
    committed = (ROOT / "docs" / "manifest-reference.md").read_text(encoding="utf-8")
    assert committed == generator.render(schema), (
        "docs/manifest-reference.md is stale: run python scripts/gen_manifest_reference.py"
    )
    assert "docs/manifest-reference.md" in README.read_text(encoding="utf-8")


def test_manifest_reference_names_every_key_of_the_schema() -> None:
    import json

    schema = json.loads((ROOT / "schemas" / "manifest.schema.json").read_text(encoding="utf-8"))
    page = (ROOT / "docs" / "manifest-reference.md").read_text(encoding="utf-8")
    for node in [schema, *schema["$defs"].values()]:
        for key in node.get("properties", {}):
            assert f"| `{key}` |" in page, key


def test_code_map_is_current() -> None:
    generator = load_generator("gen_code_map")
    committed = (ROOT / "docs" / "code-map.md").read_text(encoding="utf-8")
    assert committed == generator.render(), (
        "docs/code-map.md is stale: run python scripts/gen_code_map.py"
    )
    assert "docs/code-map.md" in README.read_text(encoding="utf-8")
    assert "(no docstring)" not in committed
