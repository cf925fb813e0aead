"""Read-only workspaces and broken states end in one-line errors; plan and output never
create or modify a state or a folder."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.security.conftest import Run, make_workspace, tailor, tailor_env

NO_TOKEN = {k: v for k, v in tailor_env().items() if k != "BRIA_API_TOKEN"}


def _one_line_error(run: Run, *fragments: str) -> None:
    run.assert_refused(*fragments)
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, run.stderr


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def test_plan_never_creates_the_state_or_its_folder(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    target = tmp_path / "new" / "dir" / "state.db"
    for args in (("plan", "--state", str(target)), ("output", "--state", str(target))):
        run = tailor(*args, cwd=root, env=NO_TOKEN)
        run.assert_clean()
        assert run.code == 0, run.output
    assert not (tmp_path / "new").exists()
    assert not (root / ".tailor" / "state.db").exists()


def test_plan_and_output_leave_an_existing_state_unchanged(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    assert tailor("apply", "--auto-approve", cwd=root, env=NO_TOKEN).code == 0
    state = root / ".tailor" / "state.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    before = state.read_bytes()
    for args in (("plan",), ("output",), ("state", "list")):
        assert tailor(*args, cwd=root, env=NO_TOKEN).code == 0
    assert state.read_bytes() == before


@pytest.mark.parametrize(
    "command", [("plan",), ("apply", "--auto-approve"), ("output",), ("state", "list")]
)
def test_a_state_that_is_a_folder(tmp_path: Path, command: tuple[str, ...]) -> None:
    root = make_workspace(tmp_path)
    (root / ".tailor" / "state.db").mkdir(parents=True)
    _one_line_error(tailor(*command, cwd=root, env=NO_TOKEN), "is a folder, not a file")


@pytest.mark.parametrize("command", [("plan",), ("apply", "--auto-approve"), ("output",)])
def test_a_zero_byte_state(tmp_path: Path, command: tuple[str, ...]) -> None:
    root = make_workspace(tmp_path)
    (root / ".tailor").mkdir()
    (root / ".tailor" / "state.db").write_bytes(b"")
    _one_line_error(tailor(*command, cwd=root, env=NO_TOKEN), "is empty (0 bytes)")
    assert (root / ".tailor" / "state.db").stat().st_size == 0


def _without_root_privilege() -> list[str]:
    """Root ignores file modes; the child runs without CAP_DAC_OVERRIDE so that they apply."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be enforced")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]


def _read_only(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if path.is_dir():
            path.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)


def test_an_unreadable_state(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    assert tailor("apply", "--auto-approve", cwd=root, env=NO_TOKEN).code == 0
    (root / ".tailor" / "state.db").chmod(0)
    try:
        run = tailor("plan", cwd=root, env=NO_TOKEN, prefix=_without_root_privilege())
        _one_line_error(run, "state")
    finally:
        (root / ".tailor" / "state.db").chmod(0o644)


@pytest.mark.parametrize(
    "command",
    [
        ("validate",),
        ("plan",),
        ("plan", "--out", "saved.plan"),
        ("apply", "--auto-approve"),
        ("output",),
    ],
)
def test_a_read_only_workspace(tmp_path: Path, command: tuple[str, ...]) -> None:
    root = make_workspace(tmp_path)
    prefix = _without_root_privilege()
    _read_only(root)
    try:
        before = _snapshot(root)
        run = tailor(*command, cwd=root, env=NO_TOKEN, prefix=prefix)
        run.assert_clean()
        if command in (("validate",), ("output",)):
            assert run.code == 0, run.output
        else:
            # The embedded sandbox keeps its database in the workspace: a clear refusal.
            _one_line_error(run, "cannot create")
        assert _snapshot(root) == before
    finally:
        for path in [root, *root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)


def test_a_read_only_checkout_plans_against_an_api_url(tmp_path: Path) -> None:
    """A plan job on a read-only checkout: nothing to write, so nothing fails."""
    from tests.conftest import serve_sandbox

    with serve_sandbox(tmp_path / "served.db") as server:
        root = make_workspace(tmp_path, f"api: {server.origin}/v1\n")
        prefix = _without_root_privilege()
        _read_only(root)
        try:
            before = _snapshot(root)
            run = tailor("plan", "--format", "markdown", cwd=root, prefix=prefix)
            run.assert_clean()
            assert run.code == 0, run.output
            assert _snapshot(root) == before
        finally:
            for path in [root, *root.rglob("*")]:
                if path.is_dir():
                    path.chmod(0o755)
