"""The Ledger: the state as written, and the journal of creates."""

from __future__ import annotations

from pathlib import Path

from reconciler.addresses import Address, Kind
from reconciler.engine.ledger import CreateIntent, Ledger, entry_after_create
from reconciler.state.model import ResourceEntry
from reconciler.state.sqlite import SqliteStateStore


def test_removing_a_dataset_takes_its_images_but_not_a_similar_key(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    with store.lock("test") as lock:
        ledger = Ledger.open(store, lock)
        for address, remote_id in (
            ("p", 1), ("p/datasets/v1", 2), ("p/datasets/v1/images/a.png", 3),
            ("p/datasets/v10", 4), ("p/datasets/v10/images/a.png", 5), ("p/models/m", 6),
        ):
            ledger.put(ResourceEntry.for_address(address, remote_id))
        ledger.remove_tree(Address.parse("p/datasets/v1"))
        ledger.flush()
        assert sorted(ledger.entries) == [
            "p", "p/datasets/v10", "p/datasets/v10/images/a.png", "p/models/m",
        ]
        assert sorted(store.read().resources) == sorted(ledger.entries)
    store.close()


def test_a_replacing_create_keeps_the_predecessor_as_deposed() -> None:
    address = Address.parse("p/models/m")
    before = ResourceEntry.for_address(address, 10, {"name": "m"}, deposed=(7,))
    intent = CreateIntent(address, Kind.MODEL, "m", 3, (), {"name": "m"}, replaces=10)
    after = entry_after_create(before, intent, 11)
    assert (after.remote_id, after.deposed) == (11, (7, 10))
    image = Address.parse("p/datasets/v1/images/a.png")
    replaced = entry_after_create(
        ResourceEntry.for_address(image, 20),
        CreateIntent(image, Kind.IMAGE, "a.png", 2, (), {}, replaces=20),
        21,
    )
    assert replaced.deposed == (), "an image's predecessor goes with its old dataset"


def test_dropping_ids_removes_deposed_first_then_the_object(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    with store.lock("test") as lock:
        ledger = Ledger.open(store, lock)
        address = Address.parse("p/models/m")
        ledger.put(ResourceEntry.for_address(address, 11, deposed=(10,)))
        ledger.drop_remote(address, 10)
        assert ledger.get(address) == ResourceEntry.for_address(address, 11)
        ledger.drop_remote(address, 11)
        assert ledger.get(address) is None
        ledger.flush()
        assert store.read().get(address) is None
    store.close()
