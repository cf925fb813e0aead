"""Import and adopt: existing objects recorded so that the next plan is exactly the diff."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.client.models import CreateDatasetRequest
from reconciler.engine.adopt import Declared, ImportRefused, adopt_all, import_one
from reconciler.manifest.workspace import load_workspace
from reconciler.state.sqlite import SqliteStateStore
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio


async def forget_everything(env: Env) -> None:
    """Lose the state (as if it was deleted) while the objects stay at Bria."""
    path = env.root / ".tailor" / "state.db"
    env.store.close()
    for suffix in ("", "-wal", "-shm"):
        (path.parent / (path.name + suffix)).unlink(missing_ok=True)
    env.store = SqliteStateStore(path)


async def test_adopt_takes_over_by_name_and_the_plan_is_empty(env: Env) -> None:
    seed_images(env.root, "acme", 3)
    (env.root / "images" / "acme" / "img-01.txt").write_text("Foxy jumping")
    write_manifest(env.root, "acme", simple_project(caption_prefix="A drawing of Foxy, "))
    _, result = await env.apply()
    assert result.ok
    before = {e.address: e.remote_id for e in env.store.read().resources.values()}
    await forget_everything(env)
    workspace = load_workspace(env.root)
    entries = await adopt_all(env.client, env.store.read(), workspace)
    assert {e.address: e.remote_id for e in entries} == before
    with env.store.lock("import") as lock, env.store.transaction(lock):
        for entry in entries:
            env.store.put(lock, entry)
    plan = await env.plan()
    assert not plan.has_changes, [(str(c.address), c.action) for c in plan.changes]
    again = await adopt_all(env.client, env.store.read(), workspace)
    assert again == [], "managed objects are skipped"


async def test_adopt_refuses_ambiguous_names(env: Env) -> None:
    seed_images(env.root, "acme", 1)
    write_manifest(env.root, "acme", simple_project(models={}))
    await env.apply()
    await forget_everything(env)
    await env.apply()
    await forget_everything(env)
    with pytest.raises(ImportRefused) as raised:
        await adopt_all(env.client, env.store.read(), load_workspace(env.root))
    assert "several projects" in str(raised.value)


async def test_import_checks_existence_parent_and_ownership(env: Env) -> None:
    seed_images(env.root, "acme", 1)
    seed_images(env.root, "other", 1, offset=5)
    write_manifest(env.root, "acme", simple_project(models={}))
    write_manifest(env.root, "other", simple_project("other", models={}))
    await env.apply()
    state = env.store.read()
    other_dataset = state.require("other/datasets/v1").remote_id
    declared = Declared.of(load_workspace(env.root))
    with pytest.raises(ImportRefused, match="already in the state"):
        await import_one(env.client, state, Address("acme"), 999, declared)
    with pytest.raises(ImportRefused, match="already managed as other/datasets/v1"):
        await import_one(
            env.client, state, Address("acme", dataset="v2"), other_dataset, declared
        )
    stray = await env.client.create_dataset(
        CreateDatasetRequest(project_id=state.require("other").remote_id, name="stray")
    )
    with pytest.raises(ImportRefused, match="belongs to project"):
        await import_one(env.client, state, Address("acme", dataset="v2"), stray.id, declared)
    with pytest.raises(ImportRefused, match="not in the state"):
        await import_one(env.client, state, Address("new", model="m"), 1, declared)
    with pytest.raises(ImportRefused, match="no project 424242"):
        await import_one(env.client, state, Address("fresh"), 424242, declared)


async def test_import_records_a_dataset_with_its_images(env: Env) -> None:
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project(models={}))
    await env.apply()
    before = env.store.read()
    await forget_everything(env)
    declared = Declared.of(load_workspace(env.root))
    project = await import_one(
        env.client, env.store.read(), Address("acme"), before.require("acme").remote_id, declared
    )
    with env.store.lock("import") as lock:
        env.store.put(lock, project[0])
    dataset_id = before.require("acme/datasets/v1").remote_id
    entries = await import_one(
        env.client, env.store.read(), Address("acme", dataset="v1"), dataset_id, declared
    )
    assert sorted(e.address for e in entries) == sorted(
        a for a in before.resources if a.startswith("acme/datasets/v1")
    )
    with env.store.lock("import") as lock, env.store.transaction(lock):
        for entry in entries:
            env.store.put(lock, entry)
    assert not (await env.plan()).has_changes


async def test_adopt_records_what_bria_did_not_say_as_declared(env: Env) -> None:
    """Bria's published objects lack a model's training_version and a dataset's prefix:
    adopting such answers records the declared values, and the next plan is empty (a
    recorded None would plan a replace of the trained model)."""
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project(caption_prefix="A drawing of Foxy, "))
    _, result = await env.apply()
    assert result.ok
    for entry in env.store.read().resources.values():
        if entry.kind.value == "model":
            await env.sandbox("PUT", f"objects/models/{entry.remote_id}",
                              {"omit": ["training_version", "training_mode"]})
        elif entry.kind.value == "dataset":
            await env.sandbox("PUT", f"objects/datasets/{entry.remote_id}",
                              {"omit": ["caption_prefix"]})
    await forget_everything(env)
    entries = await adopt_all(env.client, env.store.read(), load_workspace(env.root))
    models = [e for e in entries if e.kind.value == "model"]
    assert models and all(e.attributes["training_version"] == "light" for e in models)
    with env.store.lock("import") as lock, env.store.transaction(lock):
        for entry in entries:
            env.store.put(lock, entry)
    plan = await env.plan()
    assert not plan.has_changes, [(str(c.address), c.action) for c in plan.changes]
