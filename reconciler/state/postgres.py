"""State in PostgreSQL (psycopg 3), for teams whose laptops and CI runners share one state.

`postgresql://user:pass@host/db?schema=NAME`: the tables live in schema NAME (default `public`,
created if missing), so one database can hold the states of several workspaces, one schema
each. The lock is a session-level advisory lock keyed by the schema: the server releases it
when the holder's connection dies, however the run ended. Who holds it is recorded in
`tailor_lock` together with the server pid of the holding session; `force_unlock` ends that
session (pg_terminate_backend), which is the only way to free a session lock from outside.
Writes go through the lock's own connection, so a run that lost its lock cannot write.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg

from reconciler.apihost import hide_password
from reconciler.errors import StateError
from reconciler.state.sqlbase import Executor, Row, SqlStateStore, SqlValue, lock_info_from_row
from reconciler.state.store import LockInfo, StateLock, unknown_lock_error

_LOCK_NAME = "state"
_LOCK_CLASS = 0x7461696C  # "tail": the first key of tailor's advisory locks
_SETUP_OBJECT = 0  # second key used while creating tables (transaction-level)
_SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_CONNECT_TIMEOUT_S = 10
_TERMINATE_WAIT_S = 5.0


def split_schema(dsn: str) -> tuple[str, str]:
    """Take our `schema` parameter out of the DSN (libpq would refuse it)."""
    parts = urlsplit(dsn)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for key, value in query if key == "schema"]
    schema = schemas[-1] if schemas else "public"
    if not _SCHEMA_RE.match(schema):
        raise StateError(
            f"schema {schema!r} in the state DSN is not a plain identifier",
            hint="use letters, digits and underscores, e.g. ?schema=tailor_mascot",
        )
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


class _PgExecutor(Executor):
    def __init__(self, conn: psycopg.Connection[tuple[SqlValue, ...]]) -> None:
        self._conn = conn

    def _execute(
        self, sql: str, params: Sequence[SqlValue]
    ) -> psycopg.Cursor[tuple[SqlValue, ...]]:
        return self._conn.execute(sql.replace("?", "%s").encode(), tuple(params))

    def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        return self._execute(sql, params).rowcount

    def one(self, sql: str, params: Sequence[SqlValue] = ()) -> Row | None:
        row = self._execute(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        return self._execute(sql, params).fetchall()  # the default row factory gives tuples


class PostgresStateStore(SqlStateStore):
    def __init__(self, dsn: str) -> None:
        conninfo, schema = split_schema(dsn)
        super().__init__(hide_password(dsn), prefix=f'"{schema}".')
        self.schema = schema
        self._conninfo = conninfo
        self._lock_object = zlib.crc32(f"tailor-state:{schema}".encode()) & 0x7FFFFFFF
        self._conn = self._connect()
        self._lock_conns: dict[str, psycopg.Connection[tuple[SqlValue, ...]]] = {}
        self._spare: psycopg.Connection[tuple[SqlValue, ...]] | None = None
        with self._transaction(self._conn) as ex:
            ex.one("SELECT pg_advisory_xact_lock(?, ?)", (_LOCK_CLASS, _SETUP_OBJECT))
            if ex.one("SELECT 1 FROM pg_namespace WHERE nspname = ?", (schema,)) is None:
                ex.run(f'CREATE SCHEMA "{schema}"')
            self._initialise(ex)

    def _connect(self) -> psycopg.Connection[tuple[SqlValue, ...]]:
        try:
            return psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=_CONNECT_TIMEOUT_S,
                application_name="tailor",
                # A lock lives as long as its session: notice a vanished peer within ~1 min.
                keepalives=1,
                keepalives_idle=30,
                keepalives_interval=10,
                keepalives_count=3,
            )
        except psycopg.Error as error:
            raise StateError(
                f"cannot connect to the state at {self.location}: {self._clean(error)}"
            ) from None

    def _main(self) -> psycopg.Connection[tuple[SqlValue, ...]]:
        """The store's own connection for reads, opened again if the server dropped it."""
        if self._conn.closed:
            self._conn = self._connect()
        return self._conn

    def _clean(self, error: BaseException) -> str:
        """psycopg's text, with the DSN's password hidden should it ever appear."""
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        password = urlsplit(self._conninfo).password
        return text.replace(password, "***") if password else text

    @contextmanager
    def _transaction(
        self, conn: psycopg.Connection[tuple[SqlValue, ...]], *, read_only: bool = False
    ) -> Iterator[Executor]:
        try:
            with conn.transaction():
                if read_only:
                    conn.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield _PgExecutor(conn)
        except psycopg.Error as error:
            raise StateError(
                f"cannot use the state at {self.location}: {self._clean(error)}"
            ) from None

    def _snapshot(self) -> AbstractContextManager[Executor]:
        return self._transaction(self._main(), read_only=True)

    @contextmanager
    def _write_transaction(self, lock: StateLock) -> Iterator[Executor]:
        lost = StateError(
            f"this run no longer holds the state lock {lock.lock_id} (its session ended, "
            "e.g. by force-unlock); nothing more was written",
            hint="run plan again to see what the state now records",
        )
        conn = self._lock_conns.get(lock.lock_id)
        if conn is None or conn.closed:
            self._forget_held(lock.lock_id)
            raise lost
        try:
            with self._transaction(conn) as ex:
                yield ex
        except StateError:
            if conn.closed:
                self._forget_held(lock.lock_id)
                raise lost from None
            raise

    def _holder(self, ex: Executor) -> tuple[LockInfo | None, int | None]:
        """The recorded holder and the server pid that really holds the advisory lock."""
        row = ex.one(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 2 "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (_LOCK_CLASS, self._lock_object),
        )
        holding_pid = int(row[0]) if row is not None and row[0] is not None else None
        recorded = ex.one(
            "SELECT lock_id, holder_user, host, pid, operation, since, backend_pid "
            f"FROM {self._t('lock')} WHERE name = ?",
            (_LOCK_NAME,),
        )
        if recorded is None or holding_pid is None or recorded[6] != holding_pid:
            return None, holding_pid
        return lock_info_from_row(recorded), holding_pid

    def _try_lock(self, operation: str) -> StateLock | LockInfo | None:
        conn = self._spare if self._spare is not None and not self._spare.closed else None
        conn = conn or self._connect()
        self._spare = None
        got = False
        try:
            row = conn.execute(
                b"SELECT pg_try_advisory_lock(%s, %s)", (_LOCK_CLASS, self._lock_object)
            ).fetchone()
            got = bool(row and row[0])
            if got:
                mine = LockInfo.for_this_process(operation)
                with self._transaction(conn) as ex:
                    ex.run(f"DELETE FROM {self._t('lock')} WHERE name = ?", (_LOCK_NAME,))
                    ex.run(
                        f"INSERT INTO {self._t('lock')} (name, lock_id, holder_user, host, "
                        "pid, operation, since, backend_pid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            _LOCK_NAME, mine.lock_id, mine.user, mine.host, mine.pid,
                            mine.operation, mine.since, conn.info.backend_pid,
                        ),
                    )
                self._lock_conns[mine.lock_id] = conn
                return StateLock(mine)
        except psycopg.Error as error:
            raise StateError(
                f"cannot lock the state at {self.location}: {self._clean(error)}"
            ) from None
        finally:
            if not got:
                self._spare = conn  # ready for the next attempt of a waiting acquire_lock
            elif conn not in self._lock_conns.values():
                conn.close()  # taken but not recorded: ending the session frees the lock
        return self._named_holder()

    def _after_lock_attempts(self) -> None:
        if self._spare is not None:
            self._spare.close()
            self._spare = None

    def _named_holder(self) -> LockInfo | None:
        """The holder, allowing it a moment to record itself after taking the lock."""
        for _ in range(5):
            with self._transaction(self._main()) as ex:
                holder, holding_pid = self._holder(ex)
            if holder is not None or holding_pid is None:
                return holder
            time.sleep(0.05)
        return None

    def _unlock(self, lock: StateLock) -> None:
        conn = self._lock_conns.pop(lock.lock_id, None)
        if conn is None or conn.closed:
            return
        try:
            conn.execute(
                f"DELETE FROM {self._t('lock')} WHERE name = %s AND lock_id = %s".encode(),
                (_LOCK_NAME, lock.lock_id),
            )
        except psycopg.Error:
            pass  # the session ends below, which frees the advisory lock anyway
        finally:
            conn.close()

    def current_lock(self) -> LockInfo | None:
        with self._reading() as ex:
            holder, _ = self._holder(ex)
        return holder

    def force_unlock(self, lock_id: str) -> None:
        with self._mutex:
            with self._transaction(self._main()) as ex:
                holder, holding_pid = self._holder(ex)
                if holder is None or holder.lock_id != lock_id:
                    raise unknown_lock_error(lock_id, holder)
                row = ex.one("SELECT pg_terminate_backend(?)", (holding_pid,))
                if row is None or not row[0]:
                    raise StateError(
                        f"cannot end the session (server pid {holding_pid}) that holds lock "
                        f"{lock_id}",
                        hint="ask a database administrator to run "
                        f"SELECT pg_terminate_backend({holding_pid})",
                    )
            self._wait_until_free(lock_id)
            self._forget_held(lock_id)
            self._lock_conns.pop(lock_id, None)

    def _wait_until_free(self, lock_id: str) -> None:
        deadline = time.monotonic() + _TERMINATE_WAIT_S
        while time.monotonic() < deadline:
            with self._transaction(self._main()) as ex:
                _, holding_pid = self._holder(ex)
                if holding_pid is None:
                    ex.run(
                        f"DELETE FROM {self._t('lock')} WHERE name = ? AND lock_id = ?",
                        (_LOCK_NAME, lock_id),
                    )
                    return
            time.sleep(0.05)
        raise StateError(f"the session holding lock {lock_id} did not end within 5 s")

    def _close_connections(self) -> None:
        for conn in self._lock_conns.values():
            conn.close()
        self._lock_conns.clear()
        self._conn.close()
