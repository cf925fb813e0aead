"""The embedded default: one SQLite file (`.tailor/state.db`), WAL mode, explicit transactions.

The lock is a row naming its holder. SQLite cannot tell when a holder died, so a lock held by
a process that no longer runs on this same host is taken over, with a warning on the new
lock; a lock from another host stays until `tailor force-unlock`.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from reconciler.errors import StateError
from reconciler.state.sqlbase import Executor, Row, SqlStateStore, SqlValue, lock_info_from_row
from reconciler.state.store import LockInfo, StateLock, unknown_lock_error

_LOCK_NAME = "state"
_BUSY_TIMEOUT_MS = 10_000


class _SqliteExecutor(Executor):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        return self._conn.execute(sql, tuple(params)).rowcount

    def one(self, sql: str, params: Sequence[SqlValue] = ()) -> Row | None:
        row = self._conn.execute(sql, tuple(params)).fetchone()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        rows: list[Row] = self._conn.execute(sql, tuple(params)).fetchall()  # already tuples
        return rows


def pid_is_running(pid: int) -> bool:
    """Whether a process with this pid exists on this host (a zombie-free approximation)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. PermissionError: it exists but belongs to someone else
        return True
    return True


def _check_file(path: Path) -> None:
    """What SQLite would misread: a folder, or a 0-byte file it would take for a new state."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise StateError(f"cannot open the state file {path}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise StateError(
            f"the state {path} is a folder, not a file",
            hint="point state: (or --state, TAILOR_STATE) at a file such as .tailor/state.db",
        )
    if not stat.S_ISREG(info.st_mode):
        raise StateError(f"the state {path} is not a regular file")
    if info.st_size == 0:
        raise StateError(
            f"the state file {path} is empty (0 bytes): it was truncated, or is not a state",
            hint="restore it from a backup; delete it only if nothing was ever applied with it",
        )


class SqliteStateStore(SqlStateStore):
    def __init__(self, path: Path) -> None:
        super().__init__(str(path), prefix="")
        self.path = path
        _check_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                str(path), timeout=_BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                check_same_thread=False,
            )
            self._conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        except (OSError, sqlite3.Error) as error:
            raise StateError(f"cannot open the state file {path}: {error}") from None
        self._ex = _SqliteExecutor(self._conn)
        with self._transaction("BEGIN IMMEDIATE") as ex:
            self._initialise(ex)

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[Executor]:
        try:
            self._conn.execute(begin)
        except sqlite3.Error as error:
            raise StateError(f"cannot use the state file {self.path}: {error}") from None
        try:
            yield self._ex
        except BaseException as error:
            self._rollback()
            if isinstance(error, sqlite3.Error):
                raise StateError(f"cannot use the state file {self.path}: {error}") from None
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback()
            raise StateError(f"cannot write the state file {self.path}: {error}") from None

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def _snapshot(self) -> AbstractContextManager[Executor]:
        return self._transaction("BEGIN")

    @contextmanager
    def _write_transaction(self, lock: StateLock) -> Iterator[Executor]:
        with self._transaction("BEGIN IMMEDIATE") as ex:
            row = ex.one("SELECT lock_id FROM tailor_lock WHERE name = ?", (_LOCK_NAME,))
            if row is None or row[0] != lock.lock_id:
                self._forget_held(lock.lock_id)
                raise StateError(
                    f"this run no longer holds the state lock {lock.lock_id} "
                    "(it was force-unlocked or taken over); nothing more was written",
                    hint="run plan again to see what the state now records",
                )
            yield ex

    def _lock_row(self, ex: Executor) -> LockInfo | None:
        row = ex.one(
            "SELECT lock_id, holder_user, host, pid, operation, since FROM tailor_lock "
            "WHERE name = ?",
            (_LOCK_NAME,),
        )
        return lock_info_from_row(row) if row is not None else None

    def _try_lock(self, operation: str) -> StateLock | LockInfo | None:
        mine = LockInfo.for_this_process(operation)
        warnings: list[str] = []
        with self._transaction("BEGIN IMMEDIATE") as ex:
            holder = self._lock_row(ex)
            if holder is not None:
                if not self._is_stale(holder):
                    return holder
                warnings.append(
                    f"took over a stale state lock: {holder.holder()} (lock id "
                    f"{holder.lock_id}) is no longer running on this host"
                )
                ex.run("DELETE FROM tailor_lock WHERE name = ?", (_LOCK_NAME,))
            ex.run(
                "INSERT INTO tailor_lock "
                "(name, lock_id, holder_user, host, pid, operation, since) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    _LOCK_NAME, mine.lock_id, mine.user, mine.host, mine.pid,
                    mine.operation, mine.since,
                ),
            )
        return StateLock(mine, warnings)

    @staticmethod
    def _is_stale(holder: LockInfo) -> bool:
        if holder.host != socket.gethostname() or holder.pid == os.getpid():
            return False
        return not pid_is_running(holder.pid)

    def _after_lock_attempts(self) -> None:
        """Each attempt is its own short transaction: nothing is kept between them."""

    def _unlock(self, lock: StateLock) -> None:
        try:
            with self._transaction("BEGIN IMMEDIATE") as ex:
                ex.run(
                    "DELETE FROM tailor_lock WHERE name = ? AND lock_id = ?",
                    (_LOCK_NAME, lock.lock_id),
                )
        except StateError:
            # The row names a lock that is gone; the next run on this host takes it over.
            pass

    def current_lock(self) -> LockInfo | None:
        with self._reading() as ex:
            return self._lock_row(ex)

    def force_unlock(self, lock_id: str) -> None:
        with self._mutex, self._transaction("BEGIN IMMEDIATE") as ex:
            holder = self._lock_row(ex)
            if holder is None or holder.lock_id != lock_id:
                raise unknown_lock_error(lock_id, holder)
            ex.run("DELETE FROM tailor_lock WHERE name = ? AND lock_id = ?", (_LOCK_NAME, lock_id))
        self._forget_held(lock_id)

    def _close_connections(self) -> None:
        self._conn.close()
