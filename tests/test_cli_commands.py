"""Every command in the lazy command table loads and has help; unknown commands fail cleanly."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reconciler.cli.main import COMMANDS, cli


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_loads_and_has_help(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["plna"])
    assert result.exit_code != 0
    assert "No such command" in result.output


def test_a_usage_error_exits_1_never_2() -> None:
    """Exit 2 means "changes present" for plan --detailed-exitcode; a typo must not look like it."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", "plan", "--no-such-option"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "No such option" in result.stderr
    assert "Traceback" not in result.stderr
