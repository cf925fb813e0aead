"""Deposed predecessors against the in-process sandbox: a billed model Bria still has is never
forgotten by the state, whatever happens to its successor."""

from __future__ import annotations

import pytest

from reconciler.plan.model import Action, StepKind
from tests.conftest import SANDBOX_BASE_URL
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio


async def _delete_in_console(env: Env, model_id: int) -> None:
    """What a user does in the Console: stop the training, wait for Stopped, delete."""
    url = f"{SANDBOX_BASE_URL}/tailored-gen/models/{model_id}"
    (await env.control.post(f"{url}/stop_training")).raise_for_status()
    await env.sandbox("POST", "clock/advance", {"seconds": 10})
    (await env.control.delete(url)).raise_for_status()


async def test_successor_deleted_in_console_keeps_the_live_predecessor(env: Env) -> None:
    seed_images(env.root, "acme", 2)
    write_manifest(env.root, "acme", simple_project())
    await env.apply()
    old_id = env.store.read().require("acme/models/light").remote_id
    max_model = {"light": {"dataset": "v1", "training_version": "max"}}
    write_manifest(env.root, "acme", simple_project(models=max_model))
    _, replaced = await env.apply()
    assert replaced.ok, replaced.failed
    entry = env.store.read().require("acme/models/light")
    assert entry.deposed == (old_id,)
    await _delete_in_console(env, entry.remote_id)
    await env.sandbox("POST", "clock/advance", {"seconds": 7200})
    assert (await env.live(f"/tailored-gen/models/{old_id}"))["status"] == "Completed"

    plan, result = await env.apply()
    assert result.ok, result.failed
    assert [c.action for c in plan.changes if str(c.address) == "acme/models/light"] == [
        Action.CREATE
    ]
    recreated = env.store.read().require("acme/models/light")
    assert recreated.remote_id not in (old_id, entry.remote_id)
    assert recreated.deposed == (old_id,)
    assert (await env.live(f"/tailored-gen/models/{old_id}"))["status"] == "Completed"
    assert not (await env.plan()).has_changes

    await env.sandbox("POST", "clock/advance", {"seconds": 7200})
    cleanup = await env.plan()
    deletes = [c for c in cleanup.changes if c.deposed == old_id]
    assert [s.kind for c in deletes for s in c.steps] == [StepKind.DELETE_MODEL]
    _, result = await env.apply()
    assert result.ok, result.failed
    assert env.store.read().require("acme/models/light").deposed == ()
    assert (await env.live(f"/tailored-gen/models/{old_id}"))["status"] == "Deleted"
