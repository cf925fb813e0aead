"""A project whose datasets move to the other generation, applied on the in-process sandbox:
Bria keeps an emptied project locked to its first dataset's generation, so a FIBO dataset
needs a new project; the old one, holding nothing, goes in the same apply (no plan after it
has anything left to do)."""

from __future__ import annotations

import pytest

from reconciler.plan.model import Action, StepKind
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio


async def test_an_empty_project_locked_to_legacy_is_replaced_and_deleted_at_once(
    env: Env,
) -> None:
    seed_images(env.root, "acme", 6)
    legacy = simple_project(models={}, completed=False)
    write_manifest(env.root, "acme", legacy)
    _, result = await env.apply()
    assert result.ok, result.failed
    [old] = await env.live("/tailored-gen/projects")

    emptied = simple_project(models={})
    emptied["datasets"] = {}
    write_manifest(env.root, "acme", emptied)
    _, result = await env.apply()
    assert result.ok, result.failed
    assert await env.live("/tailored-gen/datasets") == []

    fibo = simple_project(models={})
    fibo["datasets"]["v1"].update({"training_version": "fibo", "visual_schema": {"style": ""}})
    write_manifest(env.root, "acme", fibo)
    plan, result = await env.apply()
    assert result.ok, result.failed
    [project] = [c for c in plan.changes if c.address.kind.value == "project"]
    assert project.action is Action.REPLACE
    [delete] = [s for s in project.steps if s.kind is StepKind.DELETE_PROJECT]
    assert not delete.deferred
    [new] = await env.live("/tailored-gen/projects")
    assert new["id"] != old["id"]
    recorded = env.store.read().require("acme")
    assert recorded.remote_id == new["id"] and recorded.deposed == ()
    assert not (await env.plan()).has_changes
