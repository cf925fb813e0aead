"""Opening a state store by its location: a SQLite file path or a postgresql:// DSN.

The one module that knows every backend. It sits above the store interface and the backends,
which import the interface, so no module of `state` imports one that imports it back.
"""

from __future__ import annotations

import os
from pathlib import Path

from reconciler.apihost import hide_password
from reconciler.errors import StateError
from reconciler.state.store import StateMissing, StateStore


def is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def open_store(location: str, *, workspace: Path, create: bool = True) -> StateStore:
    """A SQLite file (relative paths resolve against the workspace) or a postgresql:// DSN.

    With create=False a missing SQLite file raises StateMissing instead of being created, so
    commands that only look never leave a `.tailor/` folder behind. (A PostgreSQL schema is
    always prepared: the server is already there.)
    """
    if is_postgres(location):
        from reconciler.state.postgres import PostgresStateStore

        return PostgresStateStore(location)
    if "://" in location:
        raise StateError(
            f"unsupported state location {hide_password(location)!r}",
            hint="use a file path (SQLite, default .tailor/state.db) or postgresql://user@host/db",
        )
    from reconciler.state.sqlite import SqliteStateStore

    path = Path(location)
    path = path if path.is_absolute() else workspace / path
    if not create and not os.path.lexists(path):
        raise StateMissing(
            f"there is no state at {path} yet",
            hint="nothing has been applied in this workspace; run `tailor apply` first",
        )
    return SqliteStateStore(path)
