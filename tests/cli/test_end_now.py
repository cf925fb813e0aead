"""A read-only command ends its process without Python's finalisation (`main.end_now`), yet as
a normal exit would for everything outside: the whole output, the exit code, atexit handlers.
Each case runs the console entry point in a fresh process, its output a pipe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, copy_example

_LAUNCHER = """
import atexit, sys
from pathlib import Path
marks = Path(sys.argv[1])
class Finalised:
    def __del__(self):
        with marks.open("a") as out:
            out.write("finalised\\n")
kept = Finalised()
atexit.register(lambda: marks.open("a").write("atexit\\n"))
sys.argv = ["tailor", *sys.argv[2:]]
from reconciler.cli.main import main
main()
"""
"""`kept` is freed only by finalisation (module teardown): its mark says whether it ran."""


def _run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    marks = tmp_path / "marks"
    completed = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(marks), *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return completed, marks.read_text().splitlines() if marks.exists() else []


def test_validate_skips_finalisation_but_not_output_code_or_atexit(tmp_path: Path) -> None:
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    completed, marks = _run(tmp_path, "validate", str(workspace))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip(), "validate's report reached the pipe"
    assert marks == ["atexit"]


def test_findings_keep_their_exit_code_and_message(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    completed, marks = _run(tmp_path, "validate", str(missing))
    assert completed.returncode == 1
    assert "nowhere does not exist" in completed.stdout
    assert marks == ["atexit"]


def test_a_closed_output_pipe_takes_the_normal_exit(tmp_path: Path) -> None:
    """Output that cannot be flushed is reported by Python's own exit, as before."""
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    marks = tmp_path / "marks"
    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait(timeout=30)
    completed = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(marks), "validate", str(workspace)],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert reader.stdin is not None
    reader.stdin.close()
    assert completed.returncode != 0
    assert marks.read_text().splitlines() == ["atexit", "finalised"]


def test_other_commands_exit_normally(tmp_path: Path) -> None:
    completed, marks = _run(tmp_path, "--version")
    assert completed.returncode == 0
    assert "tailor" in completed.stdout
    assert marks == ["atexit", "finalised"]


def test_a_plan_with_changes_keeps_its_exit_code_and_whole_output(
    tmp_path: Path, sandbox_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--detailed-exitcode` 2, and the plan's last line, through the early end. The API is
    a sandbox over a socket: the in-process one runs on worker threads, and a thread still
    ending takes the normal exit."""
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    (workspace / "tailor.yaml").write_text(f"api: {sandbox_server}\n", encoding="utf-8")
    monkeypatch.setenv("BRIA_API_TOKEN", "test-token-end-now")
    completed, marks = _run(tmp_path, "plan", str(workspace), "--detailed-exitcode")
    assert completed.returncode == 2, completed.stderr
    assert "Plan:" in completed.stdout
    assert marks == ["atexit"]


def test_an_apply_ends_at_once_with_everything_recorded(
    tmp_path: Path, sandbox_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A successful apply has committed its writes and closed the state before it returns:
    its process skips finalisation too, and the next plan finds nothing left to do."""
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    (workspace / "tailor.yaml").write_text(f"api: {sandbox_server}\n", encoding="utf-8")
    monkeypatch.setenv("BRIA_API_TOKEN", "test-token-end-now")
    completed, marks = _run(tmp_path, "apply", "--auto-approve", str(workspace))
    assert completed.returncode == 0, completed.stderr
    assert marks == ["atexit"]
    (tmp_path / "marks").unlink()
    again, _ = _run(tmp_path, "plan", str(workspace), "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
