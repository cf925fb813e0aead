"""The state store interface every backend implements, and the lock that guards writes.

    store = open_store(settings.state, workspace=root)   # state.factory: SQLite or DSN
    doc = store.read()                  # consistent snapshot, no lock needed
    meta = store.meta()                 # (lineage, serial): cheap, for stale saved plans
    with store.lock("apply", timeout=0) as lock:        # LockError names the holder
        intent = store.record_intent(lock, addr, "create", {"name": ...})  # before the POST
        store.put(lock, ResourceEntry.for_address(addr, remote_id))       # after it
        store.complete_intent(lock, intent, remote_id)
        with store.transaction(lock):   # many writes, one commit, one serial bump
            ...

Rules every backend keeps (checked by `reconciler.state.conformance`):
- Every write is granular (one row) and needs the lock handle of *this* store; writing with a
  released, foreign or force-unlocked lock is a StateError. Each commit bumps the serial once;
  `transaction(lock)` groups writes (e.g. `state mv` of a dataset and its images) into one.
  Reads need no lock and see committed data, except inside an open transaction of the same
  store, where they also see its own writes. The lineage never changes.
- `remove` is idempotent (an absent address changes nothing, not even the serial).
- The journal: `record_intent` before an API create, then `complete_intent` (with the remote
  id) or `discard_intent`; `pending_intents()` (also `read().intents`) lists the rest, oldest
  first, for the engine to recover by name; `pending_intents(under=[addr])` only those at or
  below an address, for state surgery that must not strand them. Finished intents are pruned
  when a lock is taken.
- `lock(operation, timeout=s)` fails fast (timeout 0) or polls every 0.1 s up to `timeout`;
  the LockError names user@host, pid, operation, since and the lock id for `force-unlock`.
  `acquire_lock`/`release_lock` are the same without a `with` block. SQLite takes over a lock
  whose process is dead on this host (the warning is in `StateLock.warnings`); PostgreSQL holds
  a session advisory lock the server frees when the holder's connection dies.
- `record_digest(lock, dataset, remote_id, digest, images)` keeps a completed dataset's content
  digest; `read().digests` holds it while the dataset's remote id and image rows are as they
  were when it was recorded (any put or remove of one of them voids it). No serial bump.
- `binding()` is None until `bind(lock, api)` records the API the state belongs to; binding
  again replaces it. Binding does not bump the serial.
- The store never sees the API token; DSN passwords are redacted in `location` and messages.
"""

from __future__ import annotations

import getpass
import os
import socket
import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from reconciler.errors import LockError, StateError
from reconciler.records import record
from reconciler.resources import JsonValue
from reconciler.state.model import Intent, ResourceEntry, StateDocument, StateMeta


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@record
class LockInfo:
    """Who holds the lock, recorded so that the run that is refused can say who to wait for."""

    lock_id: str
    user: str
    host: str
    pid: int
    operation: str
    since: str
    """ISO 8601, UTC."""

    @classmethod
    def for_this_process(cls, operation: str) -> LockInfo:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "unknown"
        return cls(
            lock_id=str(uuid.uuid4()),
            user=user,
            host=socket.gethostname(),
            pid=os.getpid(),
            operation=operation,
            since=utc_now(),
        )

    def holder(self) -> str:
        return f"{self.user}@{self.host} pid {self.pid} for {self.operation} since {self.since}"


@dataclass(eq=False)
class StateLock:
    """A held lock. Writes take it as proof; it is valid only for the store that issued it."""

    info: LockInfo
    warnings: list[str] = field(default_factory=list)
    """E.g. that a stale lock of a dead process was taken over; the caller decides how to say it."""
    released: bool = False

    @property
    def lock_id(self) -> str:
        return self.info.lock_id


def locked_error(holder: LockInfo, *, waited: float = 0.0) -> LockError:
    waited_text = f" (waited {waited:g} s)" if waited > 0 else ""
    return LockError(
        f"state is locked by {holder.holder()} (lock id {holder.lock_id}){waited_text}",
        hint=f"wait, or run `tailor force-unlock {holder.lock_id}` if that run is gone",
    )


def unknown_lock_error(lock_id: str, current: LockInfo | None) -> StateError:
    if current is None:
        return StateError(f"cannot force-unlock {lock_id}: the state is not locked")
    return StateError(
        f"cannot force-unlock {lock_id}: the state is locked by {current.holder()} "
        f"under a different lock id ({current.lock_id})",
        hint="check the lock id in the error message of the run that was refused",
    )


class StateStore(Protocol):
    """What the engine and the CLI use; `reconciler.state.conformance` checks every backend."""

    location: str
    """For display; a DSN's password is redacted."""

    def read(self, *, defer_trusted_images: bool = False) -> StateDocument:
        """The whole state in one snapshot. `defer_trusted_images` leaves the image rows of
        completed datasets with a valid digest in the store until first used, which must be
        while the store is open (a no-change plan never uses them)."""
        ...

    def meta(self) -> StateMeta: ...

    def binding(self) -> str | None:
        """The API the state belongs to (`api_identity` of the run that bound it), or None
        for a state never written, or written before states recorded it."""
        ...

    def pending_intents(self, *, under: Sequence[str] | None = None) -> tuple[Intent, ...]:
        """Oldest first; with `under` (canonical addresses), only intents at or below one."""
        ...

    def lock(
        self, operation: str, *, timeout: float = 0.0
    ) -> AbstractContextManager[StateLock]: ...

    def acquire_lock(self, operation: str, *, timeout: float = 0.0) -> StateLock:
        """The lock without a `with` block, for callers that span it over several scopes."""
        ...

    def release_lock(self, lock: StateLock) -> None: ...

    def transaction(self, lock: StateLock) -> AbstractContextManager[None]: ...

    def put(self, lock: StateLock, entry: ResourceEntry) -> None: ...

    def remove(self, lock: StateLock, address: str) -> None: ...

    def record_digest(
        self, lock: StateLock, address: str, remote_id: int, digest: str, images: int
    ) -> None:
        """Record a completed dataset's content digest (only while exactly `images` image rows
        lie below it); any later write of one of them voids it (`read().digests` holds only
        the valid ones). The serial stays."""
        ...

    def bind(self, lock: StateLock, api: str) -> None:
        """Record (or, for `tailor state rebind`, replace) the API the state belongs to."""
        ...

    def record_intent(
        self, lock: StateLock, address: str, operation: str, details: dict[str, JsonValue]
    ) -> str: ...

    def complete_intent(self, lock: StateLock, intent_id: str, remote_id: int | None) -> None: ...

    def discard_intent(self, lock: StateLock, intent_id: str) -> None: ...

    def current_lock(self) -> LockInfo | None: ...

    def force_unlock(self, lock_id: str) -> None: ...

    def close(self) -> None: ...


class StateMissing(StateError):
    """No state exists at the location yet (nothing was applied); only with create=False."""
