"""What the SQLite and PostgreSQL stores share: the tables, the statements, and the rules.

Tables (names prefixed `tailor_`; JSON kept as text so both backends store the same bytes):
    tailor_meta       one row: lineage, serial, format_version
    tailor_resources  one row per address: kind, remote_id, parent, attributes, deposed
    tailor_intents    the journal: pending until completed or discarded
    tailor_lock       who holds the lock (PostgreSQL also holds a session advisory lock)
    tailor_binding    one row: the API the state belongs to (absent until the first write)
    tailor_digests    per completed dataset: the digest of its content as applied, with the
                      count, newest write and id sum of its image rows then (see `digests`)

A backend supplies connections, a read snapshot, a write transaction that proves it still
holds the lock, and the lock itself. Everything else (granular writes, serial bumps once per
commit, the journal) lives here once.
"""
# size: the statements and the rules both backends share; h14g groups its commits here

from __future__ import annotations

import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import overload

from reconciler.addresses import Address, AddressError, Kind
from reconciler.errors import LockError, StateError
from reconciler.resources import JsonValue
from reconciler.state.model import (
    DeferredResources,
    EntryRow,
    Intent,
    ResourceEntry,
    StateDocument,
    StateMeta,
    dump_json,
    entry_from_row,
    load_json_object,
)
from reconciler.state.store import LockInfo, StateLock, locked_error, utc_now

FORMAT_VERSION = 1
LOCK_POLL_SECONDS = 0.1
SqlValue = str | int | float | bytes | None
Row = tuple[SqlValue, ...]


class Executor(ABC):
    """The three things the shared code asks of a DB cursor; `?` marks a parameter."""

    @abstractmethod
    def run(self, sql: str, params: Sequence[SqlValue] = ()) -> int:
        """Execute; return the number of rows changed."""

    @abstractmethod
    def one(self, sql: str, params: Sequence[SqlValue] = ()) -> Row | None: ...

    @abstractmethod
    def all(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]: ...


def schema_statements(prefix: str) -> list[str]:
    """DDL valid in both SQLite and PostgreSQL; `prefix` qualifies the table names."""
    return [
        f"""CREATE TABLE IF NOT EXISTS {prefix}tailor_meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            lineage TEXT NOT NULL,
            serial BIGINT NOT NULL,
            format_version INTEGER NOT NULL,
            created_at TEXT NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}tailor_resources (
            address TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            remote_id BIGINT NOT NULL,
            parent TEXT,
            attributes TEXT NOT NULL,
            deposed TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}tailor_intents (
            intent_id TEXT PRIMARY KEY,
            address TEXT NOT NULL,
            operation TEXT NOT NULL,
            details TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            status TEXT NOT NULL,
            remote_id BIGINT,
            finished_at TEXT)""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}tailor_lock (
            name TEXT PRIMARY KEY,
            lock_id TEXT NOT NULL,
            holder_user TEXT NOT NULL,
            host TEXT NOT NULL,
            pid BIGINT NOT NULL,
            operation TEXT NOT NULL,
            since TEXT NOT NULL,
            backend_pid BIGINT)""",
        f"""CREATE TABLE IF NOT EXISTS {prefix}tailor_binding (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            api TEXT NOT NULL,
            bound_at TEXT NOT NULL)""",
        # Added after format 1 shipped: created on open, so older states gain it empty (a
        # dataset without a digest is planned image by image, as before).
        f"""CREATE TABLE IF NOT EXISTS {prefix}tailor_digests (
            address TEXT PRIMARY KEY,
            remote_id BIGINT NOT NULL,
            digest TEXT NOT NULL,
            images BIGINT NOT NULL,
            images_updated TEXT,
            images_ids BIGINT)""",
    ]


def lock_info_from_row(row: Row) -> LockInfo:
    lock_id, user, host, pid, operation, since = row[:6]
    return LockInfo(
        lock_id=str(lock_id),
        user=str(user),
        host=str(host),
        pid=int(pid or 0),
        operation=str(operation),
        since=str(since),
    )


def check_entry(entry: ResourceEntry) -> None:
    """Refuse entries whose kind or parent contradicts their address: the planner trusts them."""
    try:
        address = Address.parse(entry.address)
    except AddressError as error:
        raise StateError(f"cannot record {entry.address!r}: {error.message}") from None
    parent = str(address.parent) if address.parent is not None else None
    if str(address) != entry.address or address.kind != entry.kind or parent != entry.parent:
        raise StateError(
            f"cannot record {entry.address}: kind {entry.kind} and parent {entry.parent} "
            f"do not match the address (expected {address.kind} under {parent})"
        )


@dataclass
class _OpenTransaction:
    executor: Executor
    lock: StateLock
    thread: int
    """The thread that opened it (and holds the store's mutex until it ends)."""
    dirty: bool = False


class SqlStateStore(ABC):
    """The StateStore protocol over SQL; subclasses provide connections and the lock."""

    location: str

    def __init__(self, location: str, prefix: str) -> None:
        self.location = location
        self._prefix = prefix
        self._mutex = threading.RLock()
        self._open: _OpenTransaction | None = None
        self._held: dict[str, StateLock] = {}

    # ------------------------------------------------------------------ backend hooks

    @abstractmethod
    def _snapshot(self) -> AbstractContextManager[Executor]:
        """A read-only transaction that sees one committed state."""

    @abstractmethod
    def _write_transaction(self, lock: StateLock) -> AbstractContextManager[Executor]:
        """A transaction that commits on success, after proving `lock` is still the holder."""

    @abstractmethod
    def _try_lock(self, operation: str) -> StateLock | LockInfo | None:
        """Take the lock once: the new lock, else the holder (None if it cannot be named)."""

    @abstractmethod
    def _unlock(self, lock: StateLock) -> None:
        """Give the lock back; must not fail when it was force-unlocked meanwhile."""

    @abstractmethod
    def current_lock(self) -> LockInfo | None: ...

    @abstractmethod
    def force_unlock(self, lock_id: str) -> None: ...

    @abstractmethod
    def _close_connections(self) -> None: ...

    # ------------------------------------------------------------------ helpers

    def _t(self, name: str) -> str:
        return f"{self._prefix}tailor_{name}"

    def _initialise(self, executor: Executor) -> None:
        for statement in schema_statements(self._prefix):
            executor.run(statement)
        executor.run(
            f"CREATE INDEX IF NOT EXISTS tailor_resources_parent ON {self._t('resources')} "
            "(parent)"
        )
        executor.run(
            f"CREATE INDEX IF NOT EXISTS tailor_intents_status ON {self._t('intents')} "
            "(status, recorded_at)"
        )
        executor.run(
            f"INSERT INTO {self._t('meta')} (id, lineage, serial, format_version, created_at) "
            "VALUES (1, ?, 0, ?, ?) ON CONFLICT (id) DO NOTHING",
            (str(uuid.uuid4()), FORMAT_VERSION, utc_now()),
        )
        row = executor.one(f"SELECT format_version FROM {self._t('meta')} WHERE id = 1")
        found = row[0] if row is not None else None
        if not isinstance(found, int) or found > FORMAT_VERSION:
            raise StateError(
                f"the state at {self.location} has format {found!r}, which this tailor "
                f"(format {FORMAT_VERSION}) cannot use",
                hint="upgrade tailor before using this state",
            )

    def _check_held(self, lock: StateLock) -> None:
        if lock.released or self._held.get(lock.lock_id) is not lock:
            raise StateError(
                "writing the state needs the state lock held by this store "
                f"(lock {lock.lock_id} is {'released' if lock.released else 'not from here'})"
            )

    @contextmanager
    def _reading(self) -> Iterator[Executor]:
        """A snapshot; inside an open transaction, that transaction (it sees its own writes)."""
        with self._mutex:
            if self._open is not None:
                yield self._open.executor
                return
            with self._snapshot() as ex:
                yield ex

    def _writing(self, lock: StateLock) -> AbstractContextManager[_OpenTransaction]:
        """The transaction to write in: this thread's open one, joined as it is (a group
        commit's many writes enter no context of their own), else a new one."""
        joined = self._open
        if joined is not None and joined.thread == threading.get_ident():
            if joined.lock is not lock:
                raise StateError("a state transaction is open under a different lock")
            return nullcontext(joined)
        return self._written(lock)

    @contextmanager
    def _written(self, lock: StateLock) -> Iterator[_OpenTransaction]:
        with self.transaction(lock):
            assert self._open is not None
            yield self._open

    # ------------------------------------------------------------------ reads

    def read(self, *, defer_trusted_images: bool = False) -> StateDocument:
        """One snapshot. The image rows of completed datasets with a valid digest are kept
        as rows (`DeferredResources`): a plan that trusts the digest never converts them.
        `defer_trusted_images` leaves them in the store (30,000 rows are most of a read), as
        a count, fetched on first use while the store is open (`_TrustedImages`)."""
        with self._reading() as ex:
            meta = self._read_meta(ex)
            columns = "SELECT address, kind, remote_id, parent, attributes, deposed "
            if not defer_trusted_images:
                stored = ex.all(f"{columns}FROM {self._t('resources')}")
            else:
                stored = ex.all(f"{columns}FROM {self._t('resources')} WHERE kind <> 'image'")
            entries: dict[str, ResourceEntry] = {}
            images: list[EntryRow] = []
            for row in stored:
                if row[1] == "image":
                    images.append(row)
                else:
                    entry = entry_from_row(row)
                    entries[entry.address] = entry
            valid = self._valid_digests(ex, entries)
            digests = {address: digest for address, (digest, _) in valid.items()}
            trusted = [a for a in digests if entries[a].attributes.get("completed") is True]
            if defer_trusted_images:
                others = f" AND (parent IS NULL OR parent NOT IN ({', '.join('?' * len(trusted))}))"
                images.extend(
                    ex.all(
                        f"{columns}FROM {self._t('resources')} WHERE kind = 'image'"
                        + (others if trusted else ""),
                        trusted,
                    )
                )
            intents = self._pending(ex)
        unread: dict[str, list[EntryRow]] = {address: [] for address in trusted}
        for image in images:
            group = unread.get(str(image[3])) if unread else None
            if group is None:
                entry = entry_from_row(image)
                entries[entry.address] = entry
            else:
                group.append(image)
        if not trusted:
            return StateDocument(meta.lineage, meta.serial, entries, intents, digests)
        rows: Mapping[str, Sequence[EntryRow]] = unread
        if defer_trusted_images:
            left = _TrustedImages(self, entries, {a: digests[a] for a in trusted})
            rows = {address: left.rows_of(address, valid[address][1]) for address in trusted}
        resources = DeferredResources(entries, rows)
        return StateDocument(meta.lineage, meta.serial, resources, intents, digests)

    def _trusted_image_rows(
        self, entries: Mapping[str, ResourceEntry], digests: Mapping[str, str]
    ) -> dict[str, list[EntryRow]]:
        """The image rows of the datasets `read` left in the store, by dataset; refused when
        any of their digests no longer holds (an image row written since that read)."""
        with self._reading() as ex:
            now = self._valid_digests(ex, entries)
            if any(now.get(address, ("", 0))[0] != digest for address, digest in digests.items()):
                raise StateError(
                    "the state changed while tailor was reading it (another run wrote to it)",
                    hint="run the command again",
                )
            rows = ex.all(
                "SELECT address, kind, remote_id, parent, attributes, deposed "
                f"FROM {self._t('resources')} WHERE kind = 'image' "
                f"AND parent IN ({', '.join('?' * len(digests))})",
                list(digests),
            )
        found: dict[str, list[EntryRow]] = {address: [] for address in digests}
        for row in rows:
            found[str(row[3])].append(row)
        return found

    def meta(self) -> StateMeta:
        with self._reading() as ex:
            return self._read_meta(ex)

    def pending_intents(self, *, under: Sequence[str] | None = None) -> tuple[Intent, ...]:
        with self._reading() as ex:
            return self._pending(ex, under)

    def binding(self) -> str | None:
        with self._reading() as ex:
            row = ex.one(f"SELECT api FROM {self._t('binding')} WHERE id = 1")
        return str(row[0]) if row is not None else None

    def _valid_digests(
        self, ex: Executor, resources: Mapping[str, ResourceEntry]
    ) -> dict[str, tuple[str, int]]:
        """The content digests that still describe their dataset, with its image row count:
        recorded for its current remote id, and its image rows unchanged since (the same
        count, newest write and id sum). Any write of an image row since, by any tailor or
        by hand, voids the digest."""
        rows = ex.all(
            "SELECT d.address, d.remote_id, d.digest, d.images, d.images_updated, "
            "d.images_ids, a.n, a.updated, a.ids "
            f"FROM {self._t('digests')} d LEFT JOIN (SELECT parent, count(*) AS n, "
            "max(updated_at) AS updated, sum(remote_id) AS ids "
            f"FROM {self._t('resources')} WHERE kind = 'image' AND parent IN "
            f"(SELECT address FROM {self._t('digests')}) GROUP BY parent) a "
            "ON a.parent = d.address"
        )
        found: dict[str, tuple[str, int]] = {}
        for address, remote_id, digest, images, updated, ids, n, now_updated, now_ids in rows:
            entry = resources.get(str(address))
            if entry is None or entry.kind is not Kind.DATASET or entry.remote_id != remote_id:
                continue
            if (int(n or 0), now_updated, now_ids) == (images, updated, ids):
                found[str(address)] = (str(digest), int(n or 0))
        return found

    def _read_meta(self, ex: Executor) -> StateMeta:
        row = ex.one(f"SELECT lineage, serial FROM {self._t('meta')} WHERE id = 1")
        if row is None:
            raise StateError(f"the state at {self.location} has no lineage record")
        return StateMeta(str(row[0]), int(row[1] or 0))

    def _pending(self, ex: Executor, under: Sequence[str] | None = None) -> tuple[Intent, ...]:
        where = ""
        params: list[SqlValue] = []
        if under is not None:
            if not under:
                return ()
            # "a/datasets/v1" covers "a/datasets/v1/images/x", not "a/datasets/v10": a prefix
            # test up to the "/" (substr, not LIKE, whose wildcards image names may contain).
            where = " AND (" + " OR ".join(
                ["address = ? OR substr(address, 1, ?) = ?"] * len(under)
            ) + ")"
            for address in under:
                params += [address, len(address) + 1, f"{address}/"]
        rows = ex.all(
            "SELECT intent_id, address, operation, details, recorded_at "
            f"FROM {self._t('intents')} WHERE status = 'pending'{where} "
            "ORDER BY recorded_at, intent_id",
            params,
        )
        return tuple(
            Intent(str(i), str(a), str(o), load_json_object(str(d)), str(r))
            for i, a, o, d, r in rows
        )

    # ------------------------------------------------------------------ lock

    @contextmanager
    def lock(self, operation: str, *, timeout: float = 0.0) -> Iterator[StateLock]:
        held = self.acquire_lock(operation, timeout=timeout)
        try:
            yield held
        finally:
            self.release_lock(held)

    def acquire_lock(self, operation: str, *, timeout: float = 0.0) -> StateLock:
        """Take the lock, polling until `timeout` seconds have passed (0: fail at once)."""
        if timeout < 0:
            raise StateError(f"lock timeout must be 0 or more seconds, not {timeout}")
        deadline = time.monotonic() + timeout
        try:
            while True:
                with self._mutex:
                    outcome = self._try_lock(operation)
                    if isinstance(outcome, StateLock):
                        self._held[outcome.lock_id] = outcome
                if isinstance(outcome, StateLock):
                    try:
                        self._prune_finished_intents(outcome)
                    except BaseException:
                        self.release_lock(outcome)
                        raise
                    return outcome
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if outcome is None:
                        raise LockError(
                            f"the state at {self.location} is locked by another session",
                            hint="wait for the other run to finish",
                        )
                    raise locked_error(outcome, waited=timeout)
                time.sleep(min(LOCK_POLL_SECONDS, remaining))
        finally:
            with self._mutex:
                self._after_lock_attempts()

    @abstractmethod
    def _after_lock_attempts(self) -> None:
        """Free what repeated attempts kept ready (PostgreSQL: the spare connection)."""

    def release_lock(self, lock: StateLock) -> None:
        if lock.released:
            return
        with self._mutex:
            lock.released = True
            self._held.pop(lock.lock_id, None)
            self._unlock(lock)

    def _forget_held(self, lock_id: str) -> None:
        """This store's own handle for a lock that was force-unlocked: no longer valid."""
        held = self._held.pop(lock_id, None)
        if held is not None:
            held.released = True

    # ------------------------------------------------------------------ writes

    @contextmanager
    def transaction(self, lock: StateLock) -> Iterator[None]:
        """Group writes into one commit and one serial bump; nested use joins the outer one."""
        with self._mutex:
            if self._open is not None:
                if self._open.lock is not lock:
                    raise StateError("a state transaction is open under a different lock")
                yield
                return
            self._check_held(lock)
            with self._write_transaction(lock) as ex:
                self._open = _OpenTransaction(ex, lock, threading.get_ident())
                try:
                    yield
                    if self._open.dirty:
                        ex.run(f"UPDATE {self._t('meta')} SET serial = serial + 1 WHERE id = 1")
                finally:
                    self._open = None

    def put(self, lock: StateLock, entry: ResourceEntry) -> None:
        check_entry(entry)
        with self._writing(lock) as txn:
            txn.executor.run(
                f"INSERT INTO {self._t('resources')} "
                "(address, kind, remote_id, parent, attributes, deposed, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET "
                "kind = excluded.kind, remote_id = excluded.remote_id, "
                "parent = excluded.parent, attributes = excluded.attributes, "
                "deposed = excluded.deposed, updated_at = excluded.updated_at",
                (
                    entry.address,
                    str(entry.kind),
                    entry.remote_id,
                    entry.parent,
                    dump_json(dict(entry.attributes)),
                    dump_json(list(entry.deposed)),
                    utc_now(),
                ),
            )
            txn.dirty = True

    def record_digest(
        self, lock: StateLock, address: str, remote_id: int, digest: str, images: int
    ) -> None:
        """Record a completed dataset's content digest beside the image rows it describes
        now, if there are exactly `images` of them: their count, newest write and id sum are
        kept with it, so that a later write of any of them (which `read` notices) voids it.
        Not a change of what tailor owns: the serial stays."""
        with self._writing(lock) as txn:
            txn.executor.run(f"DELETE FROM {self._t('digests')} WHERE address = ?", (address,))
            txn.executor.run(
                f"INSERT INTO {self._t('digests')} "
                "(address, remote_id, digest, images, images_updated, images_ids) "
                "SELECT ?, ?, ?, count(*), max(updated_at), sum(remote_id) "
                f"FROM {self._t('resources')} WHERE parent = ? AND kind = 'image' "
                "HAVING count(*) = ?",
                (address, remote_id, digest, address, images),
            )

    def bind(self, lock: StateLock, api: str) -> None:
        """Record the API the state belongs to. Not a change of what tailor owns, so the
        serial stays (a saved plan made against the same API is still current)."""
        with self._writing(lock) as txn:
            txn.executor.run(
                f"INSERT INTO {self._t('binding')} (id, api, bound_at) VALUES (1, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET api = excluded.api, bound_at = excluded.bound_at",
                (api, utc_now()),
            )

    def remove(self, lock: StateLock, address: str) -> None:
        """Forget one address (idempotent: forgetting an absent address changes nothing)."""
        with self._writing(lock) as txn:
            changed = txn.executor.run(
                f"DELETE FROM {self._t('resources')} WHERE address = ?", (str(address),)
            )
            txn.executor.run(
                f"DELETE FROM {self._t('digests')} WHERE address = ?", (str(address),)
            )
            txn.dirty = txn.dirty or changed > 0

    def record_intent(
        self, lock: StateLock, address: str, operation: str, details: dict[str, JsonValue]
    ) -> str:
        intent_id = str(uuid.uuid4())
        with self._writing(lock) as txn:
            txn.executor.run(
                f"INSERT INTO {self._t('intents')} "
                "(intent_id, address, operation, details, recorded_at, status) "
                "VALUES (?, ?, ?, ?, ?, 'pending')",
                (intent_id, str(address), operation, dump_json(details), utc_now()),
            )
            txn.dirty = True
        return intent_id

    def complete_intent(self, lock: StateLock, intent_id: str, remote_id: int | None) -> None:
        self._finish_intent(lock, intent_id, "completed", remote_id)

    def discard_intent(self, lock: StateLock, intent_id: str) -> None:
        self._finish_intent(lock, intent_id, "discarded", None)

    def _finish_intent(
        self, lock: StateLock, intent_id: str, status: str, remote_id: int | None
    ) -> None:
        with self._writing(lock) as txn:
            changed = txn.executor.run(
                f"UPDATE {self._t('intents')} SET status = ?, remote_id = ?, finished_at = ? "
                "WHERE intent_id = ? AND status = 'pending'",
                (status, remote_id, utc_now(), intent_id),
            )
            if changed == 0:
                raise StateError(f"no pending intent {intent_id} in the state")
            txn.dirty = True

    def _prune_finished_intents(self, lock: StateLock) -> None:
        """Keep the journal short: a new run no longer needs the last run's finished intents."""
        with self._mutex, self._write_transaction(lock) as ex:
            ex.run(f"DELETE FROM {self._t('intents')} WHERE status <> 'pending'")

    def close(self) -> None:
        with self._mutex:
            for held in list(self._held.values()):
                self.release_lock(held)
            self._close_connections()


class _TrustedImages:
    """The image rows a read left in the store (`defer_trusted_images`): each dataset's as
    a sequence of its known length, all fetched together when one is first iterated."""

    def __init__(
        self,
        store: SqlStateStore,
        entries: Mapping[str, ResourceEntry],
        digests: Mapping[str, str],
    ) -> None:
        self._store = store
        self._entries = entries
        self._digests = digests
        self._fetched: dict[str, list[EntryRow]] | None = None

    def rows_of(self, address: str, count: int) -> _DeferredRows:
        return _DeferredRows(self, address, count)

    def fetch(self, address: str) -> list[EntryRow]:
        if self._fetched is None:
            self._fetched = self._store._trusted_image_rows(self._entries, self._digests)
        return self._fetched[address]


class _DeferredRows(Sequence[EntryRow]):
    """One dataset's image rows left in the store: counted without fetching them."""

    def __init__(self, source: _TrustedImages, address: str, count: int) -> None:
        self._source = source
        self._address = address
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[EntryRow]:
        return iter(self._source.fetch(self._address))

    @overload
    def __getitem__(self, index: int) -> EntryRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[EntryRow]: ...

    def __getitem__(self, index: int | slice) -> EntryRow | Sequence[EntryRow]:
        return self._source.fetch(self._address)[index]
