"""The plan's cost is honest: the requests an apply sends (its refresh included) are the
ones `apply_cost` counted from the plan's steps, over a run of typical changes."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.plan.cost import apply_cost
from reconciler.plan.model import Action, Plan
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest, write_png

pytestmark = pytest.mark.anyio


async def _apply_and_count(env: Env) -> tuple[Plan, int]:
    """Apply the workspace; the plan it ran and how many requests reached the sandbox."""
    before = len(env.transport.answers)
    plan, result = await env.apply()
    assert result.ok, result.failed
    return plan, len(env.transport.answers) - before


async def _check(env: Env) -> Plan:
    plan, sent = await _apply_and_count(env)
    cost = apply_cost(plan)
    assert plan.refresh_requests is not None and plan.refresh_requests >= 1
    if cost.at_least:
        assert sent >= cost.total
    else:
        assert sent == cost.total, (cost, [c.address for c in plan.changes])
    assert not (await env.plan()).has_changes
    return plan


def _project(**overrides: Any) -> dict[str, Any]:
    body = simple_project(images=3)
    body.update(overrides)
    return body


async def test_the_predicted_requests_are_the_requests_sent(env: Env) -> None:
    seed_images(env.root, "acme", 3)
    (env.root / "images" / "acme" / "img-00.txt").write_text("Foxy waving")
    draft = _project()
    draft["datasets"]["v1"]["completed"] = False
    draft["models"] = {}
    write_manifest(env.root, "acme", draft)
    plan = await _check(env)  # project, draft dataset, images: created in this run
    assert apply_cost(plan).reads == 1  # the projects, listed once

    seed_images(env.root, "acme", 5)  # two more images in the existing draft
    plan = await _check(env)
    assert apply_cost(plan).reads == 1  # the dataset's images, listed once

    (env.root / "images" / "acme" / "img-01.txt").write_text("Foxy asleep")  # a caption
    (env.root / "images" / "acme" / "img-04.png").unlink()  # an image removed
    draft["datasets"]["v1"]["display_name"] = "first"
    write_manifest(env.root, "acme", draft)
    plan = await _check(env)  # caption PUT, image DELETE, dataset rename: no listing
    assert apply_cost(plan).reads == 0

    draft["datasets"]["v2"] = {"images": ["images/acme/img-0[01].png"], "completed": True}
    write_manifest(env.root, "acme", draft)
    plan = await _check(env)  # a dataset in an existing project: its datasets listed
    assert apply_cost(plan).reads == 1

    done = _project()
    done["datasets"]["v2"] = draft["datasets"]["v2"]
    done["models"] = {
        "light": {"dataset": "v1", "training_version": "light"},
        "max": {"dataset": "v1", "training_version": "max"},
    }
    write_manifest(env.root, "acme", done)
    plan = await _check(env)  # complete v1, two models on it: its models listed once
    assert apply_cost(plan).reads == 1

    write_png(env.root / "images" / "acme" / "img-02.png", 77)  # content change: replace
    plan = await _check(env)
    assert any(c.action is Action.REPLACE for c in plan.changes)

    done["description"] = "renamed"
    done["models"]["light"]["description"] = "described"
    done["models"].pop("max")
    write_manifest(env.root, "acme", done)
    plan = await _check(env)  # updates (project, model) and a delete (stop, wait, delete)
    assert {c.action for c in plan.changes} >= {Action.UPDATE, Action.DELETE}


async def test_generated_prefixes_and_waits_are_counted_at_least_once(env: Env) -> None:
    seed_images(env.root, "acme", 3)
    write_manifest(env.root, "acme", simple_project(images=3, caption_prefix="auto"))
    plan = await _check(env)
    assert apply_cost(plan).steps > 0


async def test_an_advanced_dataset_counts_its_bulk_upload_and_listing(env: Env) -> None:
    seed_images(env.root, "bulk", 3, size=1024)
    write_manifest(env.root, "bulk", simple_project("bulk", upload="advanced", models={}))
    plan = await _check(env)
    cost = apply_cost(plan)
    assert cost.at_least and cost.polls == 1
    assert cost.reads == 2  # the projects before the create, the images after the upload


async def test_two_projects_and_a_destroy_of_one(env: Env) -> None:
    seed_images(env.root, "alpha", 2)
    seed_images(env.root, "beta", 2, offset=10)
    write_manifest(env.root, "alpha", simple_project("alpha"))
    write_manifest(env.root, "beta", simple_project("beta"))
    plan = await _check(env)
    assert apply_cost(plan).reads == 1  # one listing of projects for both creates
    (env.root / "beta.yaml").unlink()
    plan = await _check(env)
    assert {c.action for c in plan.changes if c.address.project == "beta"} == {Action.DELETE}
