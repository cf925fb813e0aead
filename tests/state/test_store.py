"""Store details outside the shared behaviour suite: entry checks, locations, redaction."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from reconciler.addresses import Kind
from reconciler.errors import StateError
from reconciler.state.factory import open_store
from reconciler.state.model import ResourceEntry
from reconciler.state.postgres import split_schema
from reconciler.state.store import StateMissing


def test_entries_that_contradict_their_address_are_refused(tmp_path: Path) -> None:
    store = open_store("state.db", workspace=tmp_path)
    bad = [
        ResourceEntry("acme/datasets/v1", Kind.MODEL, 1, parent="acme"),
        ResourceEntry("acme/datasets/v1", Kind.DATASET, 1, parent="other"),
        ResourceEntry("acme/nonsense/v1", Kind.DATASET, 1, parent="acme"),
    ]
    with store.lock("apply") as lock:
        for entry in bad:
            with pytest.raises(StateError, match="cannot record"):
                store.put(lock, entry)
    assert store.read().serial == 0
    store.close()


def test_sqlite_file_and_folder_are_created_relative_to_the_workspace(tmp_path: Path) -> None:
    store = open_store(".tailor/state.db", workspace=tmp_path)
    assert (tmp_path / ".tailor" / "state.db").is_file()
    assert store.location == str(tmp_path / ".tailor" / "state.db")
    store.close()
    with pytest.raises(StateMissing):
        open_store("elsewhere.db", workspace=tmp_path, create=False)


def test_unsupported_locations_are_refused_without_the_password(tmp_path: Path) -> None:
    with pytest.raises(StateError) as raised:
        open_store("mysql://root:hunter2@db/state", workspace=tmp_path)
    assert "hunter2" not in str(raised.value) and "root:***@db" in str(raised.value)


def test_schema_parameter_is_taken_out_of_the_dsn() -> None:
    dsn, schema = split_schema("postgresql://u:p@h:5432/db?sslmode=disable&schema=team_a")
    assert (dsn, schema) == ("postgresql://u:p@h:5432/db?sslmode=disable", "team_a")
    assert split_schema("postgresql://u@h/db")[1] == "public"
    with pytest.raises(StateError, match="plain identifier"):
        split_schema('postgresql://u@h/db?schema=a";drop')


def test_a_state_written_by_a_newer_tailor_is_refused(tmp_path: Path) -> None:
    import sqlite3

    open_store("state.db", workspace=tmp_path).close()
    with sqlite3.connect(tmp_path / "state.db") as conn:
        conn.execute("UPDATE tailor_meta SET format_version = 99")
    with pytest.raises(StateError, match="format 99"):
        open_store("state.db", workspace=tmp_path)


def test_a_state_from_before_content_digests_is_read_and_gains_them(tmp_path: Path) -> None:
    """The digests table is created on open: an older state reads as before (no digest, so
    every dataset is compared image by image) and records digests from then on."""
    import sqlite3

    dataset = ResourceEntry.for_address("acme/datasets/v1", 3, {"completed": True})
    image = ResourceEntry.for_address("acme/datasets/v1/images/a.png", 7, {"name": "a.png"})
    store = open_store("state.db", workspace=tmp_path)
    with store.lock("apply") as lock:
        for entry in (ResourceEntry.for_address("acme", 1), dataset, image):
            store.put(lock, entry)
    store.close()
    with sqlite3.connect(tmp_path / "state.db") as conn:
        conn.execute("DROP TABLE tailor_digests")
    store = open_store("state.db", workspace=tmp_path)
    doc = store.read()
    assert set(doc.resources) == {"acme", dataset.address, image.address}
    assert doc.digests == {}
    assert {r.content_digest for r in doc.recorded()} == {None}
    with store.lock("apply") as lock:
        store.record_digest(lock, dataset.address, 3, "abc", 1)
    assert store.read().digests == {dataset.address: "abc"}
    store.close()


@pytest.mark.postgres
def test_a_postgres_lock_taken_but_not_recorded_is_freed(
    postgres_location: str, tmp_path: Path
) -> None:
    import psycopg

    from reconciler.state.store import LockInfo

    first = open_store(postgres_location, workspace=tmp_path)
    second = open_store(postgres_location, workspace=tmp_path)
    failing = mock.patch.object(
        LockInfo, "for_this_process", side_effect=psycopg.OperationalError("lost")
    )
    with failing, pytest.raises(StateError, match="cannot lock"):
        first.acquire_lock("apply")
    with second.lock("plan") as lock:
        assert lock.info.operation == "plan"
    first.close()
    second.close()
