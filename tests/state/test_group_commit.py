"""Group commit: queued writes share a transaction, off the event loop; a failure is never lost."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from reconciler.errors import StateError
from reconciler.state import group_commit
from reconciler.state.group_commit import GroupCommit
from reconciler.state.model import ResourceEntry
from reconciler.state.sqlite import SqliteStateStore
from reconciler.state.store import StateLock, StateStore


def entry(index: int) -> ResourceEntry:
    return ResourceEntry.for_address(f"p{index}", index)


def test_writes_queued_together_share_one_commit(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    with store.lock("test") as lock:
        writer = GroupCommit(store, lock, window=3600.0)
        for index in range(100):
            writer.submit(lambda s, held, i=index: s.put(held, entry(i)))
        assert store.read().resources == {}, "nothing committed before the window or a flush"
        writer.flush()
        assert writer.commits == 1
        assert len(store.read().resources) == 100
        serial = store.meta().serial
        writer.flush()  # nothing queued: no commit
        assert (writer.commits, store.meta().serial) == (1, serial)
    store.close()


def test_a_write_is_committed_within_the_window_without_a_flush(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    with store.lock("test") as lock:
        writer = GroupCommit(store, lock, window=0.05)
        writer.submit(lambda s, held: s.put(held, entry(1)))
        deadline = time.monotonic() + 10.0
        while not store.read().resources and time.monotonic() < deadline:
            time.sleep(0.01)
        assert list(store.read().resources) == ["p1"]
        assert writer.commits == 1
    store.close()


@pytest.mark.anyio
async def test_waiting_for_durability_leaves_the_event_loop_free(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    lock = store.acquire_lock("test")
    try:
        writer = GroupCommit(store, lock, window=3600.0)

        def slow(s: StateStore, held: StateLock) -> None:
            time.sleep(0.3)  # a slow server: the commit takes its time
            s.put(held, entry(1))

        ticks = 0

        async def other_work() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticking = asyncio.create_task(other_work())
        writer.submit(slow)
        await writer.durable()  # at once, not after the hour-long window
        ticking.cancel()
        assert list(store.read().resources) == ["p1"]
        assert ticks >= 5, "the loop was blocked while the writer committed"
    finally:
        store.release_lock(lock)
        store.close()


def test_a_failed_write_fails_every_later_call_and_spares_its_batch(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    with store.lock("test") as lock:
        writer = GroupCommit(store, lock, window=3600.0)
        writer.submit(lambda s, held: s.put(held, entry(1)))
        writer.submit(lambda s, held: s.complete_intent(held, "no-such-intent", 1))
        writer.submit(lambda s, held: s.put(held, entry(2)))
        with pytest.raises(StateError, match="no pending intent no-such-intent"):
            writer.flush()
        assert sorted(store.read().resources) == ["p1", "p2"], "the good writes are kept"
        with pytest.raises(StateError, match="no pending intent"):
            writer.submit(lambda s, held: s.put(held, entry(3)))
        assert "p3" not in store.read().resources
    store.close()


def test_a_lost_lock_stops_the_writes(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    lock = store.acquire_lock("test")
    writer = GroupCommit(store, lock, window=3600.0)
    writer.submit(lambda s, held: s.put(held, entry(1)))
    SqliteStateStore(tmp_path / "state.db").force_unlock(lock.lock_id)
    with pytest.raises(StateError, match="no longer holds the state lock"):
        writer.flush()
    assert store.read().resources == {}
    store.close()


@pytest.mark.anyio
async def test_one_writer_thread_serves_a_run_and_ends_at_its_last_flush(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread per group cost the event loop a thread start each time (~100 per 200-image
    apply); the writer lingers for the next write instead, and a blocking flush (the end of a
    run) ends it at once, so the process does not wait out the linger."""
    monkeypatch.setattr(group_commit, "LINGER_SECONDS", 60.0)
    started: list[threading.Thread] = []
    write = GroupCommit._write

    def counted(self: GroupCommit) -> None:
        started.append(threading.current_thread())
        write(self)

    monkeypatch.setattr(GroupCommit, "_write", counted)
    store = SqliteStateStore(tmp_path / "state.db")
    lock = store.acquire_lock("test")
    try:
        writer = GroupCommit(store, lock, window=3600.0)
        for index in range(20):
            writer.submit(lambda s, held, i=index: s.put(held, entry(i)))
            await writer.durable()
        assert writer.commits == 20
        assert len(started) == 1
        writer.flush()
        started[0].join(timeout=10.0)
        assert not started[0].is_alive(), "the writer still lingers after the run's flush"
        assert len(store.read().resources) == 20
    finally:
        store.release_lock(lock)
        store.close()


def test_a_write_from_another_thread_never_joins_an_open_transaction(tmp_path: Path) -> None:
    """A write joins the transaction its own thread has open; another thread's write waits
    for it to end and commits on its own (so a rollback here never takes it along)."""
    store = SqliteStateStore(tmp_path / "state.db")
    with store.lock("test") as lock:
        other = threading.Thread(target=lambda: store.put(lock, entry(2)))
        with pytest.raises(RuntimeError), store.transaction(lock):
            store.put(lock, entry(1))
            other.start()
            other.join(0.3)
            assert other.is_alive(), "the other thread's write waits for this transaction"
            raise RuntimeError("roll back")
        other.join(10)
        assert sorted(store.read().resources) == ["p2"]
    store.close()
