"""`tailor state list|show|rm|mv`, `tailor force-unlock` and `tailor output` on a real state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner, Result

from reconciler.cli.main import cli
from reconciler.state.factory import open_store
from reconciler.state.model import ResourceEntry
from reconciler.state.store import StateStore

TAILOR = Path(sys.executable).with_name("tailor")
SEED = [
    ResourceEntry.for_address("acme-mascot", 1, {"name": "Acme Mascot"}),
    ResourceEntry.for_address("acme-mascot/datasets/v1", 3),
    *(
        ResourceEntry.for_address(f"acme-mascot/datasets/v1/images/fox-0{i}.png", 10 + i,
                                  {"sha256": f"{i}" * 64})
        for i in range(3)
    ),
    ResourceEntry.for_address("acme-mascot/models/light", 5, {"dataset": "v1"}, deposed=(4,)),
    ResourceEntry.for_address("other", 2),
]


@pytest.fixture(autouse=True)
def _no_state_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TAILOR_STATE", raising=False)


def _seed(location: str, workspace: Path) -> StateStore:
    store = open_store(location, workspace=workspace)
    with store.lock("apply") as lock, store.transaction(lock):
        for entry in SEED:
            store.put(lock, entry)
    return store


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Path]:
    store = _seed(".tailor/state.db", tmp_path)
    store.close()
    yield tmp_path


def _store(workspace: Path) -> StateStore:
    return open_store(".tailor/state.db", workspace=workspace)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_list_prints_every_address_in_order(workspace: Path) -> None:
    result = run("state", "list", str(workspace))
    assert result.exception is None, result.output
    assert result.output.splitlines() == [e.address for e in SEED[:6]] + ["other"]


def test_show_prints_the_entry_and_its_pending_intents(workspace: Path) -> None:
    store = _store(workspace)
    with store.lock("apply") as lock:
        store.record_intent(lock, "acme-mascot/models/light", "create", {"name": "light"})
    store.close()
    result = run("state", "show", "acme-mascot/models/light", str(workspace))
    shown = json.loads(result.output)
    assert shown["remote_id"] == 5 and shown["kind"] == "model"
    assert shown["deposed"] == [4] and shown["attributes"] == {"dataset": "v1"}
    assert [i["operation"] for i in shown["pending_intents"]] == ["create"]


def test_show_of_an_unknown_or_malformed_address_is_an_error(workspace: Path) -> None:
    unknown = run("state", "show", "acme-mascot/models/heavy", str(workspace))
    assert unknown.exit_code == 1, unknown.output
    assert "acme-mascot/models/heavy is not in the state" in unknown.output
    malformed = run("state", "show", "acme-mascot/things/x", str(workspace))
    assert malformed.exit_code == 1, malformed.output


def test_unknown_address_exits_1_with_a_message_in_a_real_process(workspace: Path) -> None:
    done = subprocess.run(
        [str(TAILOR), "state", "show", "acme-mascot/datasets/v9", str(workspace)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "CI": ""},
    )
    assert done.returncode == 1
    assert "Error: acme-mascot/datasets/v9 is not in the state" in done.stderr
    assert "Traceback" not in done.stderr


def test_rm_of_a_dataset_forgets_its_images_in_one_write(workspace: Path) -> None:
    before = _store(workspace).meta().serial
    result = run("state", "rm", "acme-mascot/datasets/v1", "--path", str(workspace))
    assert result.exception is None, result.output
    assert "4 resources removed from the state; nothing was deleted at Bria." in result.output
    doc = _store(workspace).read()
    assert sorted(doc.resources) == ["acme-mascot", "acme-mascot/models/light", "other"]
    assert doc.serial == before + 1


def test_rm_of_a_project_with_children_needs_them_named_or_recursive(workspace: Path) -> None:
    refused = run("state", "rm", "acme-mascot", "-C", str(workspace))
    assert refused.exit_code == 1, refused.output
    assert "acme-mascot/datasets/v1, acme-mascot/models/light" in refused.output
    assert "--recursive" in refused.output
    assert len(_store(workspace).read().resources) == len(SEED)
    named = run(
        "state", "rm", "acme-mascot", "acme-mascot/datasets/v1", "acme-mascot/models/light",
        "-C", str(workspace),
    )
    assert named.exception is None, named.output
    assert list(_store(workspace).read().resources) == ["other"]


def test_rm_recursive_and_unknown_addresses(workspace: Path) -> None:
    mixed = run("state", "rm", "other", "nope", "-C", str(workspace))
    assert mixed.exit_code == 1 and "nope is not in the state" in mixed.output, mixed.output
    assert "other" in _store(workspace).read().resources  # nothing removed when one is unknown
    result = run("state", "rm", "--recursive", "acme-mascot", "-C", str(workspace))
    assert result.exception is None, result.output
    assert "no longer tracked" in result.output  # the model's deposed predecessor
    assert list(_store(workspace).read().resources) == ["other"]


def test_mv_of_a_dataset_moves_its_images_and_the_models_reference(workspace: Path) -> None:
    result = run("state", "mv", "acme-mascot/datasets/v1", "acme-mascot/datasets/v2",
                 str(workspace))
    assert result.exception is None, result.output
    doc = _store(workspace).read()
    assert doc.resources["acme-mascot/datasets/v2"].remote_id == 3
    image = doc.resources["acme-mascot/datasets/v2/images/fox-01.png"]
    assert image.remote_id == 11 and image.parent == "acme-mascot/datasets/v2"
    assert not [a for a in doc.resources if "/v1" in a]
    assert doc.resources["acme-mascot/models/light"].attributes == {"dataset": "v2"}


def test_mv_of_a_project_moves_everything_below_it(workspace: Path) -> None:
    result = run("state", "mv", "acme-mascot", "fox", str(workspace))
    assert result.exception is None, result.output
    doc = _store(workspace).read()
    assert sorted(doc.resources) == sorted(
        e.address.replace("acme-mascot", "fox") for e in SEED
    )
    assert doc.resources["fox/models/light"].deposed == (4,)
    assert doc.resources["fox/datasets/v1/images/fox-00.png"].parent == "fox/datasets/v1"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("acme-mascot/datasets/v1", "acme-mascot/models/v1", "cannot move a dataset"),
        ("acme-mascot/datasets/v1", "other/datasets/v1", "can only be renamed within"),
        ("acme-mascot", "other", "other is already in the state"),
        ("acme-mascot/models/gone", "acme-mascot/models/new", "is not in the state"),
    ],
)
def test_mv_refuses_moves_that_make_no_sense(
    workspace: Path, old: str, new: str, message: str
) -> None:
    result = run("state", "mv", old, new, str(workspace))
    assert result.exit_code == 1, result.output
    assert message in result.output


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def seeded_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A state holding SEED, in a SQLite file or a PostgreSQL schema (passed with --state)."""
    location: str = request.getfixturevalue(f"{request.param}_location")
    _seed(location, tmp_path).close()
    return location


def _pending_create(location: str, workspace: Path, address: str) -> None:
    """What an apply interrupted between announcing a create and recording it leaves."""
    store = open_store(location, workspace=workspace)
    with store.lock("apply") as lock:
        store.record_intent(lock, address, "create", {"name": address.rsplit("/", 1)[-1]})
    store.close()


def test_mv_and_rm_refuse_while_a_create_is_pending_where_they_act(
    seeded_location: str, tmp_path: Path
) -> None:
    _pending_create(seeded_location, tmp_path, "acme-mascot/datasets/v1/images/fox-09.png")
    store = open_store(seeded_location, workspace=tmp_path)
    before = store.read()
    where = ("--state", seeded_location)
    for args in (
        ("mv", "acme-mascot/datasets/v1", "acme-mascot/datasets/v2", str(tmp_path), *where),
        ("mv", "acme-mascot", "fox", str(tmp_path), *where),
        ("rm", "acme-mascot/datasets/v1", "-C", str(tmp_path), *where),
        ("rm", "--recursive", "acme-mascot", "-C", str(tmp_path), *where),
    ):
        refused = run("state", *args)
        assert refused.exit_code == 1, refused.output
        assert (
            "1 operation of an interrupted apply is still pending at the addresses it changes "
            "(create acme-mascot/datasets/v1/images/fox-09.png)"
        ) in refused.output
        assert "run `tailor apply` first" in refused.output
        assert f"then run `tailor state {args[0]}` again" in refused.output
    after = store.read()
    assert (after.serial, after.resources, after.intents) == (
        before.serial, before.resources, before.intents
    )
    elsewhere = [
        ("mv", "acme-mascot/models/light", "acme-mascot/models/fast", str(tmp_path), *where),
        ("rm", "other", "-C", str(tmp_path), *where),
    ]
    for args in elsewhere:
        done = run("state", *args)
        assert done.exception is None, done.output
    assert [i.address for i in store.pending_intents()] == [before.intents[0].address]
    store.close()


def test_mv_refuses_a_pending_create_at_the_target_or_of_a_model_of_a_moved_dataset(
    workspace: Path,
) -> None:
    location = ".tailor/state.db"
    _pending_create(location, workspace, "acme-mascot/models/fast")
    onto = run("state", "mv", "acme-mascot/models/light", "acme-mascot/models/fast",
               str(workspace))
    assert onto.exit_code == 1, onto.output
    assert "(create acme-mascot/models/fast)" in onto.output
    # Recovery would record the new model as training on "v1" after v1 became v2.
    dataset = run("state", "mv", "acme-mascot/datasets/v1", "acme-mascot/datasets/v2",
                  str(workspace))
    assert dataset.exit_code == 1, dataset.output
    assert "(create acme-mascot/models/fast)" in dataset.output
    store = _store(workspace)
    with store.lock("apply") as lock:
        store.discard_intent(lock, store.pending_intents()[0].intent_id)
    store.close()
    settled = run("state", "mv", "acme-mascot/models/light", "acme-mascot/models/fast",
                  str(workspace))
    assert settled.exception is None, settled.output
    assert _store(workspace).read().resources["acme-mascot/models/fast"].remote_id == 5


def test_writing_commands_name_the_holder_of_the_lock(workspace: Path) -> None:
    store = _store(workspace)
    with store.lock("apply") as lock:
        result = run("state", "rm", "other", "-C", str(workspace))
        assert result.exit_code == 1, result.output
        assert f"lock id {lock.lock_id}" in result.output
        assert f"{lock.info.user}@{lock.info.host}" in result.output
    store.close()


def test_force_unlock(workspace: Path) -> None:
    store = _store(workspace)
    lock = store.acquire_lock("apply")
    wrong = run("force-unlock", "0000", str(workspace))
    assert wrong.exit_code == 1, wrong.output
    assert lock.lock_id in wrong.output
    done = run("force-unlock", lock.lock_id, str(workspace))
    assert done.exception is None, done.output
    assert f"Lock {lock.lock_id} removed" in done.output
    assert _store(workspace).current_lock() is None
    store.close()


def test_output_json_and_text(workspace: Path) -> None:
    as_json = run("output", str(workspace), "--json")
    assert json.loads(as_json.output) == {
        "acme-mascot": {
            "id": 1,
            "datasets": {"v1": {"id": 3}},
            "models": {"light": {"id": 5, "dataset": "v1", "dataset_id": 3}},
        },
        "other": {"id": 2, "datasets": {}, "models": {}},
    }
    text = run("output", str(workspace)).output.splitlines()
    assert text[0].split() == ["acme-mascot", "project", "1"]
    assert not [line for line in text if "images" in line]


def test_state_location_follows_flag_env_file_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed("from-file.db", tmp_path).close()
    (tmp_path / "tailor.yaml").write_text("state: from-file.db\n")
    env_state = tmp_path / "from-env.db"
    flag_state = tmp_path / "from-flag.db"
    for location in (env_state, flag_state):
        store = open_store(str(location), workspace=tmp_path)
        with store.lock("apply") as lock:
            store.put(lock, ResourceEntry.for_address(location.stem, 9))
        store.close()
    assert run("state", "list", str(tmp_path)).output.splitlines()[0] == "acme-mascot"
    monkeypatch.setenv("TAILOR_STATE", str(env_state))
    assert run("state", "list", str(tmp_path)).output.splitlines() == ["from-env"]
    flagged = run("state", "list", str(tmp_path), "--state", str(flag_state))
    assert flagged.output.splitlines() == ["from-flag"]
    assert not (tmp_path / ".tailor").exists()


@pytest.mark.postgres
def test_commands_work_on_postgres_and_hide_the_password(
    postgres_location: str, tmp_path: Path
) -> None:
    _seed(postgres_location, tmp_path).close()
    listed = run("state", "list", str(tmp_path), "--state", postgres_location)
    assert listed.exception is None and "acme-mascot/models/light" in listed.output
    moved = run("state", "mv", "other", "other2", str(tmp_path), "--state", postgres_location)
    assert moved.exception is None, moved.output
    parts = urlsplit(postgres_location)
    host = parts.netloc.rpartition("@")[2]  # empty for a server on a Unix socket (pgserver)
    wrong = urlunsplit(parts._replace(netloc=f"{parts.username}:s3cret-wrong@{host}"))
    failed = run("state", "list", str(tmp_path), "--state", wrong)
    assert failed.exit_code == 1, failed.output
    assert "s3cret-wrong" not in failed.output
    assert "tailor:***@" in failed.output


def test_looking_at_a_fresh_workspace_creates_nothing(tmp_path: Path) -> None:
    assert run("state", "list", str(tmp_path)).output == ""
    assert json.loads(run("output", str(tmp_path), "--json").output) == {}
    shown = run("state", "show", "acme-mascot", str(tmp_path))
    assert shown.exit_code == 1, shown.output
    removed = run("state", "rm", "acme-mascot", "-C", str(tmp_path))
    assert removed.exit_code == 1, removed.output
    assert "there is no state at" in removed.output
    assert list(tmp_path.iterdir()) == []


def test_a_missing_workspace_is_a_usage_error(tmp_path: Path) -> None:
    result = run("state", "list", str(tmp_path / "typo"))
    assert result.exit_code != 0
    assert "does not exist" in result.output
    assert not (tmp_path / "typo").exists()
