"""Optional fields removed from a manifest are cleared at Bria, so the next plan is empty
(a PUT that left them out kept Bria's old value and showed the same diff forever)."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.plan.model import Action
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio


def _scene(**model: Any) -> dict[str, Any]:
    """A stylized_scene project: its ip name and description are optional."""
    body = simple_project(
        models={"light": {"dataset": "v1", "training_version": "light", "train": False, **model}}
    )
    body["ip"] = {**body["ip"], "type": "stylized_scene"}
    return body


async def test_removed_optional_fields_are_cleared_and_stay_cleared(env: Env) -> None:
    seed_images(env.root, "acme", 1)
    write_manifest(env.root, "acme", _scene(description="fast"))
    _, result = await env.apply()
    assert result.ok, result.failed

    cleared = _scene()
    del cleared["description"]
    cleared["ip"] = {"type": "stylized_scene", "medium": "illustration"}
    write_manifest(env.root, "acme", cleared)
    plan, result = await env.apply()
    assert result.ok, result.failed
    updates = {str(c.address) for c in plan.changes if c.action is Action.UPDATE}
    assert updates == {"acme", "acme/models/light"}

    again = await env.plan()
    assert not again.has_changes, [(c.address, c.field_changes) for c in again.changes]
    assert again.drift == ()
    project_id = env.store.read().require("acme").remote_id
    live = await env.live(f"/tailored-gen/projects/{project_id}")
    cleared_live = (live["project_description"], live["ip_name"], live["ip_description"])
    assert cleared_live == ("", None, None)
    model_id = env.store.read().require("acme/models/light").remote_id
    assert (await env.live(f"/tailored-gen/models/{model_id}"))["description"] == ""
    assert env.transport.client_errors() == []
