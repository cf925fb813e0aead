"""Interrupted creates: adopted when they reached Bria, forgotten when they did not."""

from __future__ import annotations

import pytest

from reconciler.addresses import Address, Kind
from reconciler.client.models import CreateProjectRequest
from reconciler.engine import recovery
from reconciler.engine.ledger import CreateIntent, Ledger
from reconciler.engine.planning import make_plan
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.model import Action
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio

PROJECT = Address("acme")
REQUEST = CreateProjectRequest(
    project_name="acme",
    ip_medium="illustration",
    ip_type="defined_character",
    ip_name="Foxy",
    ip_description="an orange fox",
)


async def announce(env: Env, known: tuple[int, ...] = ()) -> None:
    """What apply journals right before it sends the create (then the process dies)."""
    with env.store.lock("apply") as lock:
        await Ledger.open(env.store, lock).announce(
            CreateIntent(PROJECT, Kind.PROJECT, "acme", None, known, {"name": "acme"})
        )


async def test_a_create_that_reached_bria_is_adopted_not_repeated(env: Env) -> None:
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project())
    await announce(env)
    created = await env.client.create_project(REQUEST, known_ids=[])
    document = env.store.read()
    resolutions = await recovery.inspect(env.client, document)
    assert [(r.verdict, r.remote_id) for r in resolutions] == [
        (recovery.Verdict.ADOPT, created.id)
    ]
    assert env.store.read().intents == document.intents, "inspect writes nothing"
    _, result = await env.apply()
    assert result.ok, result.failed
    projects = await env.live("/tailored-gen/projects")
    assert [p["id"] for p in projects] == [created.id]
    assert env.store.read().require("acme").remote_id == created.id
    assert env.store.read().intents == ()


async def test_a_create_that_never_arrived_is_forgotten(env: Env) -> None:
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project())
    await announce(env)
    _, result = await env.apply()
    assert result.ok
    assert len(await env.live("/tailored-gen/projects")) == 1
    assert env.store.read().intents == ()


async def test_objects_that_existed_before_the_request_are_not_adopted(env: Env) -> None:
    before = await env.client.create_project(REQUEST, known_ids=[])
    await announce(env, known=(before.id,))
    with env.store.lock("apply") as lock:
        done = await recovery.resolve(env.client, env.store, lock)
    assert [r.verdict for r in done] == [recovery.Verdict.DISCARD]
    assert env.store.read().get("acme") is None


async def test_two_candidates_are_refused_with_their_ids(env: Env) -> None:
    await announce(env)
    first = await env.client.create_project(REQUEST, known_ids=[])
    second = await env.client.create_project(REQUEST, known_ids=[first.id])
    with pytest.raises(recovery.AmbiguousRecovery) as raised:
        await recovery.inspect(env.client, env.store.read())
    assert str(first.id) in str(raised.value) and str(second.id) in str(raised.value)
    assert "tailor import acme" in str(raised.value)


async def test_plan_previews_the_adoption_without_writing(env: Env) -> None:
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project())
    await announce(env)
    await env.client.create_project(REQUEST, known_ids=[])
    document = env.store.read()
    previewed = recovery.preview(document, await recovery.inspect(env.client, document))
    assert previewed.get("acme") is not None and previewed.intents == ()
    plan, _ = await make_plan(env.client, load_workspace(env.root), previewed)
    project = next(c for c in plan.changes if c.address == PROJECT)
    assert project.action is not Action.CREATE
    assert env.store.read().intents == document.intents


async def test_pending_creates_under_one_parent_list_it_once(env: Env) -> None:
    """A killed apply may leave many image intents of one dataset: recovery lists the dataset
    once for all of them (each listing is a request of the user's allowance)."""
    seed_images(env.root, "acme", 4)
    write_manifest(env.root, "acme", simple_project(images=4, completed=False, models={}))
    _, result = await env.apply()
    assert result.ok, result.failed
    dataset_id = env.store.read().require("acme/datasets/v1").remote_id
    uploaded = await env.client.upload_image(
        dataset_id, data=(env.root / "images/acme/img-00.png").read_bytes(),
        image_name="new-1.png", increase_resolution=True, known_ids=[],
    )
    with env.store.lock("apply") as lock:
        ledger = Ledger.open(env.store, lock)
        for name in ("new-1.png", "new-2.png", "new-3.png"):
            address = Address("acme", dataset="v1", image=name)
            await ledger.announce(
                CreateIntent(address, Kind.IMAGE, name, dataset_id, (), {"caption": None})
            )
        ledger.flush()
    env.transport.answers.clear()
    resolutions = await recovery.inspect(env.client, env.store.read())
    found = [(r.intent.address.rsplit("/", 1)[-1], r.verdict, r.remote_id) for r in resolutions]
    assert found == [
        ("new-1.png", recovery.Verdict.ADOPT, uploaded.id),
        ("new-2.png", recovery.Verdict.DISCARD, None),
        ("new-3.png", recovery.Verdict.DISCARD, None),
    ]
    listed = [path for method, path, _ in env.transport.answers if method == "GET"]
    assert listed == [f"/v1/tailored-gen/datasets/{dataset_id}/images"], listed
