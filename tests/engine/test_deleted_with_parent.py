"""What apply does with a child its parent's delete takes along follows the change's explicit
`deleted_with_parent` flag, never its reason (which only explains the change to people)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.client.errors import ServerError
from reconciler.engine.handlers import HANDLERS
from reconciler.engine.run_context import Outcome, RunContext, StepCall
from reconciler.plan.model import Action, Plan, Reason, StepKind
from reconciler.plan.planfile import plan_from_json, plan_to_json
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio

CHILDREN = {
    "acme/datasets/v1",
    "acme/datasets/v1/images/img-00.png",
    "acme/datasets/v1/images/img-01.png",
    "acme/models/light",
}


async def _project_removed(env: Env, monkeypatch: pytest.MonkeyPatch) -> Plan:
    """A project applied, then removed from the manifests, with Bria refusing its DELETE.
    (Another project stays: a workspace without manifests is refused.)"""
    seed_images(env.root, "acme", 2)
    seed_images(env.root, "beta", 1, offset=10)
    write_manifest(env.root, "acme", simple_project())
    write_manifest(env.root, "beta", simple_project("beta"))
    _, first = await env.apply()
    assert first.ok, first.failed
    (env.root / "acme.yaml").unlink()

    async def refused(ctx: RunContext, call: StepCall) -> Outcome:
        raise ServerError("Injected server error", status=500, method="DELETE", path="/x")

    monkeypatch.setitem(HANDLERS, StepKind.DELETE_PROJECT, refused)
    plan = await env.plan()
    taken = {str(c.address) for c in plan.changes if c.deleted_with_parent}
    assert taken == CHILDREN
    return plan


async def test_a_failed_parent_delete_keeps_the_children_it_would_take_along(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = await _project_removed(env, monkeypatch)
    # Reasons reworded, flags kept: apply must do exactly the same.
    reworded = replace(
        plan,
        changes=tuple(
            replace(c, reason=Reason.REMOVED_FROM_MANIFEST) if c.deleted_with_parent else c
            for c in plan.changes
        ),
    )
    _, result = await env.apply(plan=reworded)
    assert [str(n.address) for n in result.failed] == ["acme"]
    assert set(env.store.read().resources) >= CHILDREN


async def test_without_the_flag_a_child_leaves_the_state_whatever_its_reason(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = await _project_removed(env, monkeypatch)
    image = "acme/datasets/v1/images/img-00.png"
    unflagged = replace(
        plan,
        changes=tuple(
            replace(c, deleted_with_parent=False) if str(c.address) == image else c
            for c in plan.changes
        ),
    )
    assert next(c for c in unflagged.changes if str(c.address) == image).reason is (
        Reason.PARENT_DELETED
    )
    _, result = await env.apply(plan=unflagged)
    assert [str(n.address) for n in result.failed] == ["acme"]
    resources = set(env.store.read().resources)
    assert image not in resources
    assert CHILDREN - {image} <= resources


async def test_a_plan_saved_before_the_flag_derives_it(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """format_version 1 files written before the flag existed said it by the reason alone."""
    plan = await _project_removed(env, monkeypatch)
    saved = json.loads(json.dumps(plan_to_json(plan)))
    flagged = [c for c in saved["changes"] if c.pop("deleted_with_parent", False)]
    assert {c["address"] for c in flagged} == CHILDREN
    assert all(c["action"] == Action.DELETE.value for c in flagged)
    assert plan_from_json(saved) == plan
