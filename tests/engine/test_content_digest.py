"""Apply records a completed dataset's content digest; the next plan trusts it (its images a
count) until anything about the dataset or its images changes. Against the sandbox."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from reconciler.addresses import Address, Kind
from reconciler.engine.digest_record import record_missing_digests
from reconciler.engine.planning import make_plan
from reconciler.engine.refresh import RefreshScope
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.digest import desired_digest
from reconciler.plan.model import Action, Plan
from reconciler.plan.planfile import plan_to_json
from reconciler.state.sqlite import SqliteStateStore
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio

DATASET = Address("acme", dataset="v1")


async def _plan(env: Env) -> Plan:
    """As `tailor plan` makes one for showing: the trusted images left in the store."""
    document = env.store.read(defer_trusted_images=True)
    plan, _live = await make_plan(
        env.client, load_workspace(env.root), document, images_as_counts=True
    )
    return plan


async def _applied(env: Env, images: int = 6) -> None:
    seed_images(env.root, "acme", images)
    (env.root / "images" / "acme" / "img-00.txt").write_text("Foxy, sitting\n")
    write_manifest(env.root, "acme", simple_project(images=images, models={}))
    await env.apply()


async def test_apply_records_the_digest_and_the_next_plan_trusts_it(env: Env) -> None:
    await _applied(env)
    desired = load_workspace(env.root).projects[0].datasets[0]
    assert env.store.read().digests == {str(DATASET): desired_digest(desired)}
    plan = await _plan(env)
    assert [(g.dataset, g.count) for g in plan.unchanged_images] == [(DATASET, 6)]
    assert not plan.has_changes
    assert not [c for c in plan.changes if c.kind is Kind.IMAGE]
    full, _live = await make_plan(env.client, load_workspace(env.root), env.store.read())
    assert full.unchanged_images == ()
    # A plan that shows counts leaves the unread images out of its live fingerprint.
    assert plan_to_json(replace(plan, live_fingerprint="")) == plan_to_json(
        replace(full, live_fingerprint="")
    )
    assert len([c for c in full.changes if c.kind is Kind.IMAGE]) == 6


async def test_the_state_read_leaves_trusted_images_unread_yet_whole(env: Env) -> None:
    await _applied(env)
    document = env.store.read()
    recorded, unread = document.recorded_parts()
    assert [(a, u.count) for a, u in unread.items()] == [(DATASET, 6)]
    assert not [r for r in recorded if r.kind is Kind.IMAGE]
    assert sorted(r.address.key for r in unread[DATASET].load()) == [
        f"img-{i:02d}.png" for i in range(6)
    ]
    assert len([r for r in document.recorded() if r.kind is Kind.IMAGE]) == 6
    assert str(Address("acme", dataset="v1", image="img-02.png")) in document.resources


async def test_refresh_leaves_images_unread_only_while_bria_agrees_with_the_state() -> None:
    scope = RefreshScope(unread_counts={7: 6})
    assert scope.images_unread(7, "completed", 6)
    assert not scope.images_unread(7, "completed", 5)  # listed, then compared in full
    assert not scope.images_unread(7, "draft", 6)
    assert not scope.images_unread(8, "completed", 6)


async def test_a_caption_change_after_the_digest_shows(env: Env) -> None:
    await _applied(env)
    (env.root / "images" / "acme" / "img-00.txt").write_text("Foxy, running\n")
    plan = await _plan(env)
    assert plan.unchanged_images == ()
    dataset = next(c for c in plan.changes if c.address == DATASET and c.deposed is None)
    assert dataset.action is Action.REPLACE


async def test_a_moved_file_shows_and_the_apply_records_a_new_digest(env: Env) -> None:
    await _applied(env)
    moved_to = env.root / "images" / "moved"
    moved_to.mkdir()
    (env.root / "images" / "acme" / "img-01.png").rename(moved_to / "img-01.png")
    body = simple_project(images=6, models={})
    body["datasets"]["v1"]["images"] = ["images/acme/*.png", "images/moved/*.png"]
    write_manifest(env.root, "acme", body)
    plan = await _plan(env)
    assert plan.unchanged_images == ()
    moved = next(c for c in plan.changes if c.address.key == "img-01.png")
    assert moved.action is Action.UPDATE and [f.field for f in moved.field_changes] == ["path"]
    await env.apply()
    again = await _plan(env)
    assert not again.has_changes
    assert [g.count for g in again.unchanged_images] == [6]


async def test_state_surgery_on_an_image_voids_the_digest(env: Env) -> None:
    await _applied(env)
    with env.store.lock("state rm") as lock:
        env.store.remove(lock, str(Address("acme", dataset="v1", image="img-03.png")))
    plan = await _plan(env)
    assert plan.unchanged_images == ()
    dataset = next(c for c in plan.changes if c.address == DATASET and c.deposed is None)
    assert dataset.action is Action.REPLACE


async def test_an_apply_with_nothing_to_do_records_missing_digests(env: Env) -> None:
    """A state from before digests: the first no-change apply records them."""
    await _applied(env)
    store = env.store
    assert isinstance(store, SqliteStateStore)
    with sqlite3.connect(store.path) as conn:
        conn.execute("DELETE FROM tailor_digests")
    assert store.read().digests == {}
    before = await _plan(env)
    assert before.unchanged_images == () and not before.has_changes
    full, _live = await make_plan(env.client, load_workspace(env.root), store.read())
    serial = store.read().serial
    with store.lock("apply") as lock:
        assert record_missing_digests(store, lock, full) == 1
        assert record_missing_digests(store, lock, full) == 0
    assert store.read().serial == serial
    after = await _plan(env)
    assert [g.count for g in after.unchanged_images] == [6]
