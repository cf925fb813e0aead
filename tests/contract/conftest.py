"""Helpers for the contract audit's tests: the CLI in-process (click's runner) on copies of
the examples, with the embedded sandbox unless a test serves one."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import cli
from tests.conftest import EXAMPLES, copy_example

TOKEN = "tok-audit-SECRET-5d1e0b7a"
"""Recognisable, so a scan of every output and file can prove it never leaks."""


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_process(*args: str, env: dict[str, str] | None = None) -> Ran:
    """`tailor ARGS` as its own process: exit codes as a shell sees them (click's usage
    errors are mapped to 1 by the entry point, which click's runner does not call)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BRIA_", "TAILOR_"))}
    done = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def run(*args: str, env: dict[str, str] | None = None) -> Ran:
    """`tailor ARGS` in this process; the environment holds no BRIA_/TAILOR_ setting but `env`."""
    base = {"BRIA_API_TOKEN": "", "BRIA_API_URL": "", "TAILOR_STATE": ""}
    result = CliRunner().invoke(cli, list(args), env={**base, **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return Ran(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    """A fresh copy of examples/quickstart (embedded sandbox)."""
    return copy_example(EXAMPLES / "quickstart", tmp_path / "qs")
