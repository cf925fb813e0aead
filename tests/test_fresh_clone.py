"""The README's two commands, in order, on a fresh clone: the tests pass after the quickstart
ran in the checkout, and every PostgreSQL test runs with no server installed on the machine."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, copy_example

ROOT = Path(__file__).resolve().parents[1]


def test_a_copied_example_leaves_the_checkouts_state_behind(tmp_path: Path) -> None:
    example = tmp_path / "quickstart"
    copy_example(EXAMPLES / "quickstart", example)
    (example / ".tailor").mkdir()
    (example / ".tailor" / "state.db").write_bytes(b"what the README's first command left")
    copied = copy_example(example, tmp_path / "copy")
    assert not (copied / ".tailor").exists()
    assert sorted(p.name for p in copied.iterdir()) == sorted(
        p.name for p in example.iterdir() if p.name != ".tailor"
    )


def test_tests_copy_examples_only_through_copy_example() -> None:
    """A plain copytree of examples/ takes along whatever `tailor apply examples/...` left."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path != ROOT / "tests" / "conftest.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\bcopytree\(", line)
    ]
    assert offenders == [], "use tests.conftest.copy_example"


@pytest.mark.slow
def test_postgres_tests_start_their_own_server_when_none_is_configured(tmp_path: Path) -> None:
    """With TAILOR_TEST_POSTGRES_DSN unset the `postgres_dsn` fixture starts pgserver's
    PostgreSQL in the run's temporary folder (under CI=true a skip would be a failure)."""
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import psycopg\n\n"
        "def test_probe(postgres_dsn):\n"
        "    with psycopg.connect(postgres_dsn) as conn:\n"
        "        print('DATA', conn.execute('SHOW data_directory').fetchone()[0])\n"
        "        print('USER', conn.execute('SELECT current_user').fetchone()[0])\n"
    )
    unset = ("TAILOR_TEST_POSTGRES_DSN", "PYTEST_XDIST_WORKER")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env["CI"] = "true"
    base = tmp_path / "run"
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-s", "-p", "tests.conftest",
            "-p", "no:cacheprovider", "--basetemp", str(base), "--rootdir", str(tmp_path),
            str(probe),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"DATA {base / 'pgserver'}" in done.stdout
    assert "USER tailor" in done.stdout
    assert "1 passed" in done.stdout
