"""The lock between real processes: one winner, a refusal naming it, and dead holders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli.main import cli
from reconciler.errors import LockError
from reconciler.state.factory import open_store

HOLDER = Path(__file__).with_name("lock_holder.py")
ROOT = Path(__file__).resolve().parents[2]


def _start(location: str, workspace: Path) -> subprocess.Popen[str]:
    """A process that tries the lock and, if it wins, holds it until its stdin closes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, str(HOLDER), location, str(workspace)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _first_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line:
        process.wait(timeout=30)
        raise AssertionError(process.stderr.read() if process.stderr else "no output")
    return line


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def location(request: pytest.FixtureRequest) -> Iterator[str]:
    name = "sqlite_location" if request.param == "sqlite" else "postgres_location"
    value: str = request.getfixturevalue(name)
    open_store(value, workspace=Path(".")).close()  # both processes find the tables ready
    yield value


def test_two_processes_one_wins_and_the_other_names_it(location: str, tmp_path: Path) -> None:
    racers = [_start(location, tmp_path) for _ in range(2)]
    try:
        # Both answer before either is let go, so the loser tried while the winner held it.
        lines = [_first_line(racer) for racer in racers]
    finally:
        for racer in racers:
            assert racer.stdin is not None
            racer.stdin.close()
            racer.wait(timeout=30)
    lines = [
        f"{line}\n{racer.stdout.read() if racer.stdout else ''}"
        for line, racer in zip(lines, racers, strict=True)
    ]
    winners = [(line, r) for line, r in zip(lines, racers, strict=True) if r.returncode == 0]
    losers = [(line, r) for line, r in zip(lines, racers, strict=True) if r.returncode == 3]
    assert len(winners) == 1 and len(losers) == 1, lines
    winner_lock_id = winners[0][0].split()[1]
    refusal = losers[0][0]
    assert refusal.startswith("REFUSED state is locked by"), refusal
    assert f"pid {winners[0][1].pid} for apply" in refusal
    assert winner_lock_id in refusal
    assert f"tailor force-unlock {winner_lock_id}" in refusal


def _kill_holder(location: str, workspace: Path) -> str:
    holder = _start(location, workspace)
    line = _first_line(holder)
    assert line.startswith("LOCKED "), line
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    return line.removeprefix("LOCKED ")


def test_sqlite_lock_of_a_dead_process_is_taken_over_with_a_warning(
    sqlite_location: str, tmp_path: Path
) -> None:
    dead_lock_id = _kill_holder(sqlite_location, tmp_path)
    store = open_store(sqlite_location, workspace=tmp_path)
    try:
        stale = store.current_lock()
        assert stale is not None and stale.lock_id == dead_lock_id
        with store.lock("apply") as lock:
            assert len(lock.warnings) == 1
            assert "stale state lock" in lock.warnings[0]
            assert dead_lock_id in lock.warnings[0]
    finally:
        store.close()


@pytest.mark.parametrize(
    "command",
    [["import", "acme/models/light", "42", "--path"], ["state", "rm", "acme", "--path"]],
    ids=["import", "state rm"],
)
def test_commands_say_when_they_took_over_a_dead_process_lock(
    command: list[str], sqlite_location: str, tmp_path: Path
) -> None:
    dead_lock_id = _kill_holder(sqlite_location, tmp_path)
    result = CliRunner().invoke(cli, [*command, str(tmp_path)])
    assert "warning: took over a stale state lock" in result.stderr, result.output
    assert dead_lock_id in result.stderr


def test_sqlite_lock_of_another_host_is_not_taken_over(
    sqlite_location: str, tmp_path: Path
) -> None:
    import sqlite3

    open_store(sqlite_location, workspace=tmp_path).close()
    with sqlite3.connect(sqlite_location) as conn:
        conn.execute(
            "INSERT INTO tailor_lock (name, lock_id, holder_user, host, pid, operation, since) "
            "VALUES ('state', 'abc', 'alice', 'ci-runner', 4242, 'apply', '2026-01-01T00:00')"
        )
    store = open_store(sqlite_location, workspace=tmp_path)
    try:
        with pytest.raises(LockError) as raised, store.lock("plan"):
            pass
        assert "locked by alice@ci-runner pid 4242 for apply" in str(raised.value)
        store.force_unlock("abc")
        with store.lock("plan") as lock:
            assert lock.warnings == []
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_lock_is_freed_when_the_holders_connection_dies(
    postgres_location: str, tmp_path: Path
) -> None:
    open_store(postgres_location, workspace=tmp_path).close()
    dead_lock_id = _kill_holder(postgres_location, tmp_path)
    store = open_store(postgres_location, workspace=tmp_path)
    try:
        with store.lock("apply", timeout=10) as lock:
            assert lock.lock_id != dead_lock_id
            assert store.current_lock() == lock.info
    finally:
        store.close()
