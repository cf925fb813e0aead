"""SQLite persistence for the sandbox: every resource, every stored file, counters and the clock.

One connection shared by all threads behind one re-entrant lock; a file database uses WAL so a
reader never waits on the journal. Rows travel as plain dicts; the column lists below are the
only names that ever reach SQL text.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]

TABLES: dict[str, tuple[str, ...]] = {
    "projects": (
        "id",
        "project_name",
        "project_description",
        "ip_name",
        "ip_description",
        "ip_medium",
        "ip_type",
        "status",
        "created_at",
        "updated_at",
    ),
    "datasets": (
        "id",
        "project_id",
        "name",
        "caption_prefix",
        "status",
        "upload_type",
        "captions_source",
        "captioned",
        "regen_ends_at",
        "created_at",
        "updated_at",
    ),
    "images": (
        "id",
        "dataset_id",
        "image_name",
        "caption",
        "caption_source",
        "digest",
        "created_at",
        "updated_at",
    ),
    "bulk_jobs": (
        "id",
        "zip_ok",
        "automatic_captioning",
        "total",
        "started_at",
        "ends_at",
        "applied",
    ),
    "bulk_items": (
        "id",
        "dataset_id",
        "ordinal",
        "filename",
        "error_code",
        "error_message",
        "digest",
        "caption",
    ),
    "models": (
        "id",
        "project_id",
        "dataset_id",
        "name",
        "description",
        "origin",
        "phase",
        "training_mode",
        "training_version",
        "generation_prefix",
        "training_parameters",
        "started_at",
        "ends_at",
        "will_fail",
        "stop_ends_at",
        "deleted_checkpoints",
        "created_at",
        "updated_at",
    ),
}

ADDED_COLUMNS: tuple[tuple[str, str, str, str | None], ...] = (
    # (table, column, declaration, SQL run once after adding it to an older database)
    (
        "projects",
        "training_version",
        "TEXT",
        "UPDATE projects SET training_version = 'max' "
        "WHERE id IN (SELECT project_id FROM datasets)",
    ),
    ("projects", "overrides", "TEXT", None),
    ("datasets", "training_version", "TEXT NOT NULL DEFAULT 'max'", None),
    ("datasets", "visual_schema", "TEXT", None),
    ("datasets", "overrides", "TEXT", None),
    ("images", "overrides", "TEXT", None),
    ("models", "overrides", "TEXT", None),
)
"""Columns added after the first release: created on a new database and added to an old one,
so a `.tailor/sandbox.db` of an earlier version opens unchanged. `overrides` holds what a test
seeded beyond Bria's rules (`PUT /_sandbox/objects/...`): fields to set or omit in answers."""

for _table, _column, _declaration, _backfill in ADDED_COLUMNS:
    TABLES[_table] = (*TABLES[_table], _column)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    name TEXT PRIMARY KEY, data BLOB NOT NULL, declared_size INTEGER, content_type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY, project_name TEXT NOT NULL, project_description TEXT NOT NULL,
    ip_name TEXT, ip_description TEXT, ip_medium TEXT NOT NULL, ip_type TEXT NOT NULL,
    status TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS datasets (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, name TEXT NOT NULL,
    caption_prefix TEXT NOT NULL, status TEXT NOT NULL, upload_type TEXT NOT NULL,
    captions_source TEXT, captioned INTEGER NOT NULL, regen_ends_at REAL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS datasets_by_project ON datasets (project_id);
CREATE TABLE IF NOT EXISTS images (
    id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL, image_name TEXT NOT NULL,
    caption TEXT NOT NULL, caption_source TEXT, digest TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS images_by_dataset ON images (dataset_id, id);
CREATE INDEX IF NOT EXISTS images_by_digest ON images (digest);
CREATE TABLE IF NOT EXISTS bulk_jobs (
    id INTEGER PRIMARY KEY, zip_ok INTEGER NOT NULL, automatic_captioning INTEGER NOT NULL,
    total INTEGER NOT NULL, started_at REAL NOT NULL, ends_at REAL NOT NULL,
    applied INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bulk_items (
    id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL, ordinal INTEGER NOT NULL,
    filename TEXT NOT NULL, error_code INTEGER, error_message TEXT, digest TEXT, caption TEXT
);
CREATE INDEX IF NOT EXISTS bulk_items_by_dataset ON bulk_items (dataset_id, ordinal);
CREATE INDEX IF NOT EXISTS bulk_items_by_digest ON bulk_items (digest);
CREATE TABLE IF NOT EXISTS models (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, dataset_id INTEGER,
    name TEXT NOT NULL, description TEXT NOT NULL, origin TEXT NOT NULL, phase TEXT NOT NULL,
    training_mode TEXT, training_version TEXT, generation_prefix TEXT NOT NULL,
    training_parameters TEXT NOT NULL, started_at REAL, ends_at REAL,
    will_fail INTEGER NOT NULL, stop_ends_at REAL, deleted_checkpoints TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS models_by_project ON models (project_id);
CREATE INDEX IF NOT EXISTS models_by_dataset ON models (dataset_id);
"""


@dataclass(frozen=True)
class StoredFile:
    """Bytes on the file host; `declared_size` stands in for bytes too big to really hold."""

    name: str
    data: bytes
    declared_size: int | None
    content_type: str

    @property
    def size(self) -> int:
        return self.declared_size if self.declared_size is not None else len(self.data)


def _columns(table: str, names: Iterable[str]) -> list[str]:
    allowed = TABLES[table]
    chosen = list(names)
    for name in chosen:
        if name not in allowed:
            raise KeyError(f"{table} has no column {name}")
    return chosen


def _where(table: str, where: dict[str, Any]) -> tuple[str, list[Any]]:
    """` WHERE a = ? AND b = ?` (empty without conditions) and its parameters."""
    names = _columns(table, where)
    if not names:
        return "", []
    return " WHERE " + " AND ".join(f"{name} = ?" for name in names), [where[n] for n in names]


class Store:
    """All sandbox state. `transaction()` holds the lock; everything else takes it briefly."""

    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        target = path if path is not None else ":memory:"
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        if path is not None:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._add_columns()

    def _add_columns(self) -> None:
        for table, column, declaration, backfill in ADDED_COLUMNS:
            present = {row["name"] for row in self._rows(f"PRAGMA table_info({table})")}
            if column not in present:
                self._run(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
                if backfill is not None:
                    self._run(backfill)

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything inside commits together or not at all; nesting joins the outer one."""
        with self._lock:
            if self._depth == 0:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._conn.execute("COMMIT")

    def _run(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, tuple(params))

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        with self._lock:
            return [dict(row) for row in self._conn.execute(sql, tuple(params)).fetchall()]

    # ---- counters, clock, meta -------------------------------------------------------------

    def meta_get(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def meta_set(self, key: str, value: str) -> None:
        self._run(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def next_id(self, kind: str) -> int:
        """Ids come from one counter per kind, start at 1 and are never reused."""
        return self.reserve_ids(kind, 1)[0]

    def reserve_ids(self, kind: str, count: int) -> list[int]:
        """`count` consecutive fresh ids in one step (bulk uploads, clones)."""
        with self.transaction():
            first = int(self.meta_get(f"counter:{kind}") or "0") + 1
            self.meta_set(f"counter:{kind}", str(first + count - 1))
            return list(range(first, first + count))

    # ---- generic rows ------------------------------------------------------------------------

    def insert(self, table: str, row: Row) -> None:
        self.insert_many(table, [row])

    def insert_many(self, table: str, rows: list[Row]) -> None:
        if not rows:
            return
        names = _columns(table, rows[0])
        marks = ", ".join("?" for _ in names)
        with self._lock:
            self._conn.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
                [tuple(row[name] for name in names) for row in rows],
            )

    def update(self, table: str, key: int, changes: Row) -> None:
        self.update_many(table, [(key, changes)])

    def update_many(self, table: str, changes: list[tuple[int, Row]]) -> None:
        """`(id, changes)` pairs in one statement; every `changes` names the same columns."""
        if not changes or not changes[0][1]:
            return
        names = _columns(table, changes[0][1])
        assignments = ", ".join(f"{name} = ?" for name in names)
        with self._lock:
            self._conn.executemany(
                f"UPDATE {table} SET {assignments} WHERE id = ?",
                [(*(row[name] for name in names), key) for key, row in changes],
            )

    def get(self, table: str, key: int) -> Row | None:
        rows = self._rows(f"SELECT * FROM {table} WHERE id = ?", (key,))
        return rows[0] if rows else None

    def select(self, table: str, *, limit: int | None = None, **where: Any) -> list[Row]:
        """Rows matching every `column=value`, ascending id."""
        clause, params = _where(table, where)
        sql = f"SELECT * FROM {table}{clause} ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self._rows(sql, params)

    def count(self, table: str, **where: Any) -> int:
        clause, params = _where(table, where)
        return int(self._rows(f"SELECT COUNT(*) AS n FROM {table}{clause}", params)[0]["n"])

    def count_by(self, table: str, column: str, values: Iterable[int]) -> dict[int, int]:
        """`column value -> row count` for many values in one query."""
        (name,) = _columns(table, [column])
        chosen = list(values)
        if not chosen:
            return {}
        marks = ", ".join("?" for _ in chosen)
        rows = self._rows(
            f"SELECT {name} AS k, COUNT(*) AS n FROM {table} WHERE {name} IN ({marks}) "
            f"GROUP BY {name}",
            chosen,
        )
        return {int(row["k"]): int(row["n"]) for row in rows}

    def delete(self, table: str, **where: Any) -> None:
        """Rows matching every `column=value`; at least one condition (use `wipe` for all)."""
        if not where:
            raise ValueError("delete needs a condition")
        clause, params = _where(table, where)
        self._run(f"DELETE FROM {table}{clause}", params)

    def digest_in_use(self, digest: str) -> bool:
        """An image, or a bulk upload not yet applied, still needs this stored image."""
        rows = self._rows(
            "SELECT 1 FROM images WHERE digest = ? UNION ALL "
            "SELECT 1 FROM bulk_items JOIN bulk_jobs ON bulk_jobs.id = bulk_items.dataset_id "
            "WHERE bulk_items.digest = ? AND bulk_jobs.applied = 0 LIMIT 1",
            (digest, digest),
        )
        return bool(rows)

    def failed_bulk_items(self, dataset_id: int, first: int) -> list[Row]:
        """The failed ones among the first `first` items of a dataset's bulk upload, in order."""
        return self._rows(
            "SELECT * FROM (SELECT * FROM bulk_items WHERE dataset_id = ? ORDER BY id LIMIT ?) "
            "WHERE error_code IS NOT NULL ORDER BY id",
            (dataset_id, first),
        )

    # ---- file host ---------------------------------------------------------------------------

    def put_file(
        self, name: str, data: bytes, *, content_type: str, declared_size: int | None = None
    ) -> None:
        self._run(
            "INSERT INTO files (name, data, declared_size, content_type) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET data = excluded.data, "
            "declared_size = excluded.declared_size, content_type = excluded.content_type",
            (name, data, declared_size, content_type),
        )

    def has_file(self, name: str) -> bool:
        return bool(self._rows("SELECT 1 FROM files WHERE name = ?", (name,)))

    def get_file(self, name: str) -> StoredFile | None:
        rows = self._rows("SELECT * FROM files WHERE name = ?", (name,))
        if not rows:
            return None
        row = rows[0]
        return StoredFile(
            name=str(row["name"]),
            data=bytes(row["data"]),
            declared_size=row["declared_size"],
            content_type=str(row["content_type"]),
        )

    def delete_files(self, names: Iterable[str]) -> None:
        with self._lock:
            self._conn.executemany("DELETE FROM files WHERE name = ?", [(n,) for n in names])

    def wipe(self) -> None:
        """Empty every table: the state of a brand-new sandbox."""
        with self.transaction():
            for table in ("meta", "files", *TABLES):
                self._run(f"DELETE FROM {table}")
