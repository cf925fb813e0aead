"""`--state` and `--lock-timeout` mean the same, with the same bounds, in every command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import cli

TAILOR = Path(sys.executable).with_name("tailor")
LOCKING = [
    ("apply", "."),
    ("destroy", "."),
    ("import", "--adopt", "."),
    ("state", "rm", "acme-mascot"),
    ("state", "mv", "acme-mascot", "fox"),
]
"""Every command that takes the state lock."""
READING = [
    ("plan", "."),
    ("state", "list", "."),
    ("state", "show", "acme-mascot", "."),
    ("output", "."),
    ("force-unlock", "0000", "."),
]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One manifest and the embedded sandbox; the commands run in it."""
    for name in ("TAILOR_STATE", "BRIA_API_TOKEN", "BRIA_API_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "tailor.yaml").write_text("api: sandbox\n")
    (tmp_path / "mascot.yaml").write_text(
        "project: acme-mascot\nip: {name: Foxy, description: a fox, type: defined_character, "
        "medium: illustration}\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def tailor(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The console script, so that click's usage errors go through tailor's own exit codes."""
    return subprocess.run(
        [str(TAILOR), *args], cwd=workspace, capture_output=True, text=True, timeout=60,
        env={**os.environ, "CI": ""},
    )


@pytest.mark.parametrize("command", LOCKING, ids=" ".join)
def test_a_lock_timeout_over_an_hour_exits_1_in_every_locking_command(
    workspace: Path, command: tuple[str, ...]
) -> None:
    done = tailor(workspace, *command, "--lock-timeout", "3601")
    assert done.returncode == 1, done.stderr
    assert (
        "Error: Invalid value for '--lock-timeout': 3601.0 is not in the range 0<=x<=3600."
    ) in done.stderr
    assert "Traceback" not in done.stderr
    assert not (workspace / ".tailor").exists()  # refused before anything ran


@pytest.mark.parametrize("value", ["-1", "nan"])
def test_a_negative_or_nan_lock_timeout_exits_1(workspace: Path, value: str) -> None:
    done = tailor(workspace, "apply", ".", "--lock-timeout", value)
    assert done.returncode == 1, done.stderr
    assert f"'--lock-timeout': {float(value)} is not in the range 0<=x<=3600." in done.stderr


def test_an_hour_is_accepted(workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["state", "rm", "acme-mascot", "--lock-timeout", "3600"])
    assert result.exit_code == 1
    assert "there is no state at" in result.output  # got past the option to the state


@pytest.mark.parametrize("command", LOCKING + READING, ids=" ".join)
def test_every_state_command_takes_state(
    workspace: Path, command: tuple[str, ...]
) -> None:
    args = [*command, "--state", "ftp://nowhere/state"]
    if command[0] in ("apply", "destroy"):
        args.append("--auto-approve")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "unsupported state location 'ftp://nowhere/state'" in result.output
