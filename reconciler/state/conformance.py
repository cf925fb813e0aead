"""The behaviour every state backend must show, written once and run against each backend.

Each check takes a `StoreFactory`: a callable that opens a NEW handle on the SAME, initially
empty state (two handles stand for two runs). Checks raise AssertionError with a message on
failure, so a test runner reports them like any assertion. `tests/state` runs `CHECKS` for
SQLite and PostgreSQL; a new backend is done when they all pass.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from reconciler.addresses import Address, Kind
from reconciler.errors import LockError, StateError
from reconciler.state.model import ResourceEntry
from reconciler.state.store import StateLock, StateStore

StoreFactory = Callable[[], StateStore]

PROJECT = ResourceEntry.for_address("acme-mascot", 1, {"name": "Acme Mascot"})
DATASET = ResourceEntry.for_address("acme-mascot/datasets/v1", 3, {"caption_prefix": "a fox"})
IMAGE = ResourceEntry.for_address(
    "acme-mascot/datasets/v1/images/fox-01.png",
    11,
    {"name": "fox-01.png", "sha256": "ab" * 32, "caption": "a fox"},
)
MODEL = ResourceEntry.for_address(
    "acme-mascot/models/light", 5, {"training_version": "light", "dataset": "v1"}
)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _raises(kind: type[Exception], action: Callable[[], object]) -> Exception:
    try:
        action()
    except kind as error:
        return error
    raise AssertionError(f"expected {kind.__name__}")


def check_new_state_is_empty(make_store: StoreFactory) -> None:
    store = make_store()
    doc = store.read()
    _check(doc.serial == 0, f"a new state starts at serial 0, not {doc.serial}")
    _check(not doc.resources and not doc.intents, "a new state holds nothing")
    _check(len(doc.lineage) == 36, f"lineage should be a uuid, got {doc.lineage!r}")
    _check(store.meta() == doc.meta, "meta() agrees with read()")
    _check(store.current_lock() is None, "a new state is not locked")


def check_put_and_read_round_trip(make_store: StoreFactory) -> None:
    store = make_store()
    with store.lock("apply") as lock:
        for entry in (PROJECT, DATASET, IMAGE, MODEL):
            store.put(lock, entry)
    doc = make_store().read()
    _check(doc.serial == 4, f"four committed writes make serial 4, not {doc.serial}")
    _check(dict(doc.resources) == {e.address: e for e in (PROJECT, DATASET, IMAGE, MODEL)},
           f"read back what was put: {doc.resources}")
    recorded = {str(r.address): r for r in doc.recorded()}
    image = recorded[IMAGE.address]
    _check(image.kind is Kind.IMAGE and image.remote_id == 11, "image kind and remote id")
    _check(image.parent == Address.parse(DATASET.address), "image parent is its dataset")
    _check(image.attributes["sha256"] == "ab" * 32, "image content hash kept")
    _check([str(r.address) for r in doc.recorded()] == [
        PROJECT.address, DATASET.address, IMAGE.address, MODEL.address
    ], "recorded() is in address order")


def check_lineage_is_fixed(make_store: StoreFactory) -> None:
    first = make_store()
    lineage = first.meta().lineage
    with first.lock("apply") as lock:
        first.put(lock, PROJECT)
    _check(make_store().meta().lineage == lineage, "lineage never changes")
    _check(first.meta().serial == 1, "the write bumped the serial")


def check_writes_are_granular(make_store: StoreFactory) -> None:
    store = make_store()
    with store.lock("apply") as lock:
        for entry in (PROJECT, DATASET, MODEL):
            store.put(lock, entry)
        renamed = ResourceEntry.for_address(MODEL.address, 6, {"description": "new"})
        store.put(lock, renamed)
        store.remove(lock, DATASET.address)
        before = store.meta().serial
        store.remove(lock, "acme-mascot/datasets/never-there")
        _check(store.meta().serial == before, "forgetting an absent address changes nothing")
    doc = store.read()
    _check(doc.serial == 5, f"every committed write bumps the serial once, got {doc.serial}")
    _check(set(doc.resources) == {PROJECT.address, MODEL.address}, "only the removed one left")
    _check(doc.resources[MODEL.address] == renamed, "put replaces the one entry in place")
    _check(doc.resources[PROJECT.address] == PROJECT, "the other entries are untouched")


def check_deposed_ids(make_store: StoreFactory) -> None:
    store = make_store()
    with store.lock("apply") as lock:
        store.put(lock, ResourceEntry.for_address(MODEL.address, 9, deposed=(5, 7)))
    recorded = store.read().recorded()[0]
    _check(recorded.deposed == (5, 7), f"deposed ids kept in order, got {recorded.deposed}")
    _check(recorded.remote_id == 9, "the successor's id is the remote id")


def check_transaction_bumps_once_and_rolls_back(make_store: StoreFactory) -> None:
    store = make_store()
    with store.lock("state mv") as lock:
        with store.transaction(lock):
            for entry in (PROJECT, DATASET, IMAGE):
                store.put(lock, entry)
        _check(store.meta().serial == 1, "one transaction, one serial bump")
        try:
            with store.transaction(lock):
                store.remove(lock, PROJECT.address)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    doc = store.read()
    _check(doc.serial == 1 and PROJECT.address in doc.resources,
           "a failed transaction leaves the state as it was")


def check_reads_in_a_transaction_see_its_writes(make_store: StoreFactory) -> None:
    store, other = make_store(), make_store()
    with store.lock("apply") as lock, store.transaction(lock):
        store.put(lock, PROJECT)
        _check(PROJECT.address in store.read().resources, "a transaction reads its own writes")
        _check(store.meta().serial == 0, "the serial moves only at commit")
        _check(not other.read().resources, "others see nothing before the commit")
    _check(PROJECT.address in other.read().resources, "others see the commit")


def check_intent_journal(make_store: StoreFactory) -> None:
    store = make_store()
    with store.lock("apply") as lock:
        created = store.record_intent(lock, MODEL.address, "create", {"name": "light"})
        dropped = store.record_intent(lock, DATASET.address, "create", {"name": "v1"})
        pending = make_store().pending_intents()
        _check([i.intent_id for i in pending] == [created, dropped],
               "pending intents are visible to other runs, oldest first")
        _check(pending[0].details == {"name": "light"} and pending[0].operation == "create",
               "intent details kept")
        store.complete_intent(lock, created, 5)
        store.discard_intent(lock, dropped)
        _raises(StateError, lambda: store.complete_intent(lock, created, 5))
        _raises(StateError, lambda: store.discard_intent(lock, "no-such-intent"))
        left = store.record_intent(lock, IMAGE.address, "upload", {"sha256": "ab"})
    doc = store.read()
    _check([i.intent_id for i in doc.intents] == [left], "only the unfinished intent is pending")
    with store.lock("apply"):
        pass
    _check([i.intent_id for i in store.pending_intents()] == [left],
           "a new lock prunes finished intents but keeps pending ones")


def check_pending_intents_under_an_address(make_store: StoreFactory) -> None:
    store = make_store()
    with store.lock("apply") as lock:
        image = store.record_intent(lock, IMAGE.address, "create", {"name": "fox-01.png"})
        model = store.record_intent(lock, MODEL.address, "create", {"name": "light"})
        v10 = store.record_intent(lock, "acme-mascot/datasets/v10", "create", {"name": "v10"})
        sibling = store.record_intent(lock, "acme-mascot-2", "create", {"name": "two"})
        done = store.record_intent(lock, f"{DATASET.address}/images/b.png", "create", {})
        store.complete_intent(lock, done, 12)
        with store.transaction(lock):
            inside = store.record_intent(lock, f"{DATASET.address}/images/c.png", "create", {})
            seen = [i.intent_id for i in store.pending_intents(under=[DATASET.address])]
            _check(seen == [image, inside], f"a transaction sees its own intents: {seen}")
    other = make_store()

    def ids(*under: str) -> list[str]:
        return [i.intent_id for i in other.pending_intents(under=list(under))]

    _check(ids(DATASET.address) == [image, inside],
           "under a dataset: its pending image intents, not v10's nor finished ones")
    _check(ids(PROJECT.address) == [image, model, v10, inside],
           "under a project: everything below it, not the project 'acme-mascot-2'")
    _check(ids(IMAGE.address) == [image], "an address covers itself")
    _check(ids(MODEL.address, "acme-mascot-2") == [model, sibling], "several addresses, in order")
    _check(ids("acme-mascot/datasets/v_") == [], "'_' is a plain character, not a wildcard")
    _check(ids() == [], "under no address: none")
    _check(len(other.pending_intents()) == 5, "without `under`: every pending intent")


def check_writes_need_the_lock(make_store: StoreFactory) -> None:
    store = make_store()
    other = make_store()
    with store.lock("apply") as lock:
        _raises(StateError, lambda: other.put(lock, PROJECT))
    _raises(StateError, lambda: store.put(lock, PROJECT))
    _raises(StateError, lambda: store.record_intent(lock, PROJECT.address, "create", {}))
    _check(store.read().serial == 0, "refused writes change nothing")


def check_lock_is_exclusive_and_names_holder(make_store: StoreFactory) -> None:
    first, second = make_store(), make_store()
    with first.lock("apply") as lock:
        error = _raises(LockError, lambda: second.lock("plan").__enter__())
        text = str(error)
        info = lock.info
        for part in (f"{info.user}@{info.host}", f"pid {info.pid}", "for apply",
                     info.lock_id, "force-unlock"):
            _check(part in text, f"the lock error names {part!r}: {text}")
        _check(second.current_lock() == info, "current_lock() shows the holder")
    with second.lock("plan") as again:
        _check(again.lock_id != lock.lock_id, "each lock has its own id")
    _check(first.current_lock() is None, "released locks leave no holder")


def check_lock_timeout_waits(make_store: StoreFactory) -> None:
    first, second = make_store(), make_store()
    lock = first.acquire_lock("apply")
    started = time.monotonic()
    _raises(LockError, lambda: second.lock("plan", timeout=0.3).__enter__())
    _check(time.monotonic() - started >= 0.3, "a timeout waits before giving up")
    releaser = threading.Timer(0.3, lambda: first.release_lock(lock))
    releaser.start()
    started = time.monotonic()
    try:
        with second.lock("plan", timeout=10) as waited:
            _check(waited.info.operation == "plan", "the waiting run got the lock")
    finally:
        releaser.join()
    elapsed = time.monotonic() - started
    _check(0.2 <= elapsed < 5, f"waited for the release, took {elapsed:.2f} s")


def check_force_unlock(make_store: StoreFactory) -> None:
    first, second = make_store(), make_store()
    lock = first.acquire_lock("apply")
    first.put(lock, PROJECT)
    error = _raises(StateError, lambda: second.force_unlock("not-the-id"))
    _check(lock.lock_id in str(error), f"a wrong id names the real holder: {error}")
    second.force_unlock(lock.lock_id)
    _check(second.current_lock() is None, "force-unlock frees the state")
    _raises(StateError, lambda: first.put(lock, DATASET))
    first.release_lock(lock)
    with second.lock("apply") as taken:
        second.put(taken, DATASET)
    _raises(StateError, lambda: second.force_unlock(taken.lock_id))
    _check(set(second.read().resources) == {PROJECT.address, DATASET.address},
           "the forced-out run wrote nothing after losing the lock")


def check_binding(make_store: StoreFactory) -> None:
    store, other = make_store(), make_store()
    _check(store.binding() is None, "a new state is bound to no API")
    _raises(StateError, lambda: store.bind(_released(store), "https://a.bria-api.com/v1"))
    with store.lock("apply") as lock:
        store.bind(lock, "https://a.bria-api.com/v1")
    _check(other.binding() == "https://a.bria-api.com/v1", "another run sees the binding")
    _check(store.read().serial == 0, "binding does not bump the serial")
    with other.lock("state rebind") as lock:
        other.bind(lock, "sandbox 1234")
    _check(store.binding() == "sandbox 1234", "binding again replaces the API")


def check_content_digests(make_store: StoreFactory) -> None:
    """A digest holds while the dataset and its image rows are as they were when it was
    recorded; any write of an image row, a new remote id or a wrong image count voids it."""
    store, other = make_store(), make_store()
    second = ResourceEntry.for_address(
        "acme-mascot/datasets/v1/images/fox-02.png", 12, {"name": "fox-02.png", "sha256": "cd"}
    )
    with store.lock("apply") as lock:
        for entry in (PROJECT, DATASET, IMAGE, second):
            store.put(lock, entry)
        serial = store.read().serial
        _check(store.read().digests == {}, "no digest until one is recorded")
        store.record_digest(lock, DATASET.address, DATASET.remote_id, "d1", 2)
        doc = other.read()
        _check(doc.digests == {DATASET.address: "d1"}, f"digest read back: {doc.digests}")
        _check(doc.serial == serial, "recording a digest does not bump the serial")
        found = {str(r.address): r.content_digest for r in doc.recorded()}
        _check(found[DATASET.address] == "d1" and found[IMAGE.address] is None,
               "recorded() carries the dataset's digest, and only its")
        store.put(lock, IMAGE)
        _check(other.read().digests == {}, "rewriting an image row, even unchanged, voids it")
        store.record_digest(lock, DATASET.address, DATASET.remote_id, "d2", 2)
        store.remove(lock, second.address)
        _check(other.read().digests == {}, "removing an image row voids it")
        store.record_digest(lock, DATASET.address, DATASET.remote_id, "d3", 2)
        _check(other.read().digests == {}, "not recorded beside another count of images")
        store.record_digest(lock, DATASET.address, DATASET.remote_id, "d4", 1)
        _check(other.read().digests == {DATASET.address: "d4"}, "recorded again, replaced")
        store.put(lock, ResourceEntry.for_address(DATASET.address, 4, DATASET.attributes))
        _check(other.read().digests == {}, "a dataset with a new remote id has no digest")
        store.record_digest(lock, DATASET.address, 4, "d5", 1)
        store.remove(lock, DATASET.address)
        _check(other.read().digests == {}, "a forgotten dataset has no digest")


def check_deferred_images(make_store: StoreFactory) -> None:
    """`read(defer_trusted_images=True)` leaves the image rows of a completed dataset with a
    valid digest in the store, counted, and reads them on first use as `read()` has them;
    refused when they were written since (the digest no longer holds)."""
    store, other = make_store(), make_store()
    completed = ResourceEntry.for_address(DATASET.address, 3, {"completed": True})
    second = ResourceEntry.for_address(
        "acme-mascot/datasets/v1/images/fox-02.png", 12, {"name": "fox-02.png", "sha256": "cd"}
    )
    draft = ResourceEntry.for_address("acme-mascot/datasets/v2", 4, {"completed": False})
    drafted = ResourceEntry.for_address(
        "acme-mascot/datasets/v2/images/fox-03.png", 13, {"name": "fox-03.png", "sha256": "ef"}
    )
    with store.lock("apply") as lock:
        for entry in (PROJECT, completed, IMAGE, second, draft, drafted):
            store.put(lock, entry)
        store.record_digest(lock, completed.address, completed.remote_id, "d1", 2)
        store.record_digest(lock, draft.address, draft.remote_id, "d2", 1)
    whole = other.read()
    deferred = other.read(defer_trusted_images=True)
    recorded, unread = deferred.recorded_parts()
    _check({str(a): u.count for a, u in unread.items()} == {completed.address: 2},
           f"only the completed dataset's images are left, counted: {unread}")
    _check(drafted.address in {str(r.address) for r in recorded}, "a draft's images are read")
    loaded = {str(r.address) for r in unread[Address.parse(completed.address)].load()}
    _check(loaded == {IMAGE.address, second.address}, f"read on first use: {loaded}")
    _check(dict(deferred.resources) == dict(whole.resources), "the same state as read()")
    _check(deferred.digests == whole.digests, "the same digests")
    later = other.read(defer_trusted_images=True)
    with store.lock("apply") as lock:
        store.put(lock, IMAGE)
    _raises(StateError, lambda: dict(later.resources))


def _released(store: StateStore) -> StateLock:
    lock = store.acquire_lock("apply")
    store.release_lock(lock)
    return lock


CHECKS: tuple[Callable[[StoreFactory], None], ...] = (
    check_new_state_is_empty,
    check_put_and_read_round_trip,
    check_lineage_is_fixed,
    check_writes_are_granular,
    check_deposed_ids,
    check_transaction_bumps_once_and_rolls_back,
    check_reads_in_a_transaction_see_its_writes,
    check_intent_journal,
    check_pending_intents_under_an_address,
    check_writes_need_the_lock,
    check_lock_is_exclusive_and_names_holder,
    check_lock_timeout_waits,
    check_force_unlock,
    check_binding,
    check_content_digests,
    check_deferred_images,
)
