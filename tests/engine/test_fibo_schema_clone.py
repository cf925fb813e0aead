"""A completed FIBO dataset's new schema by clone, applied on the in-process sandbox: the copy
gets the new schema (it is a draft), every caption is regenerated from it, the explicit JSON
caption is PUT again, no unchanged image is uploaded, and the state ends exactly as a full
rebuild of the same manifest ends; a clone whose run died is adopted and finished."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.addresses import Address, Kind
from reconciler.plan.build_path import BuildPath
from reconciler.plan.model import Action, Plan, StepKind
from tests.engine.conftest import (
    Env,
    clone_announced,
    open_env,
    seed_images,
    simple_project,
    write_manifest,
)

pytestmark = pytest.mark.anyio

DATASET = Address("acme", dataset="v1")
CAPTION = {"subjects": "a fox waving", "style": "flat"}
OLD = {"mood": "", "palette": ["teal"]}
NEW = {"mood": "", "light": "", "palette": []}
UPLOAD = "POST /v1/tailored-gen/datasets/{dataset_id}/images"
CLONE = "POST /v1/tailored-gen/datasets/{dataset_id}/clone"
REGENERATE = "PUT /v1/tailored-gen/datasets/{dataset_id}/images"
CREATE = "POST /v1/tailored-gen/datasets"


def write_fibo(root: Path, schema: dict[str, Any] | str, images: int = 7, **extra: Any) -> None:
    """A completed FIBO dataset of `images` PNGs, img-01 with a NAME.json caption; `schema`
    an object (written to schema.json) or "auto"."""
    seed_images(root, "acme", images)
    (root / "images" / "acme" / "img-01.json").write_text(json.dumps(CAPTION))
    body = simple_project(models={})
    declared = schema
    if isinstance(schema, dict):
        (root / "schema.json").write_text(json.dumps(schema))
        declared = "schema.json"
    body["datasets"]["v1"].update({"training_version": "fibo", "visual_schema": declared, **extra})
    write_manifest(root, "acme", body)


async def requests_of(env: Env, plan: Plan | None = None) -> tuple[Plan, dict[str, int]]:
    """Apply; the apply's requests by route."""
    await env.sandbox("POST", "stats/reset")
    made, result = await env.apply(plan=plan)
    assert result.ok, result.failed
    found: dict[str, int] = (await env.sandbox("GET", "stats"))["requests"]
    return made, found


def dataset_change(plan: Plan) -> Any:
    return next(c for c in plan.changes if c.address == DATASET and c.deposed is None)


def ended_as(env: Env) -> dict[str, Any]:
    """The state's record of the workspace without Bria's ids: what any path must end with."""
    document = env.store.read()
    assert document.intents == ()
    return {
        e.address: (e.attributes, [d.remote_id for d in e.deposed])
        for e in document.resources.values()
    }


async def check_bria(env: Env, schema_keys: list[str]) -> None:
    """One completed dataset at Bria, the state's; every automatic caption in the new schema's
    shape; the NAME.json caption manual; every image id recorded."""
    [live] = await env.live("/tailored-gen/datasets")
    assert live["status"] == "completed"
    recorded = env.store.read().require(str(DATASET))
    assert recorded.remote_id == live["id"]
    assert recorded.attributes["visual_schema"] == json.loads(live["visual_schema"])
    images = {
        i["image_name"]: i for i in await env.live(f"/tailored-gen/datasets/{live['id']}/images")
    }
    assert json.loads(images["img-01.png"]["caption"]) == CAPTION
    assert images["img-01.png"]["caption_source"] == "manual"
    for name, image in images.items():
        if name != "img-01.png":
            assert image["caption_source"] == "automatic"
            assert sorted(json.loads(image["caption"])) == schema_keys
    ids = {
        Address.parse(e.address).key: e.remote_id
        for e in env.store.read().resources.values()
        if e.kind is Kind.IMAGE
    }
    assert ids == {name: image["id"] for name, image in images.items()}


async def test_a_schema_edit_with_an_image_swapped_clones_and_ends_as_a_rebuild(
    env: Env, tmp_path: Path
) -> None:
    write_fibo(env.root, OLD)
    _, first = await requests_of(env)
    assert first[UPLOAD] == 7

    write_fibo(env.root, NEW)
    (env.root / "images" / "acme" / "img-06.png").unlink()
    seed_images(env.root, "acme", 1, offset=50)  # img-00.png's content changes
    plan, requests = await requests_of(env)
    change = dataset_change(plan)
    assert change.replace_path.path is BuildPath.CLONE, change.replace_path
    kinds = [s.kind for s in change.steps]
    assert kinds[:4] == [
        StepKind.CLONE_DATASET,
        StepKind.SET_VISUAL_SCHEMA,
        StepKind.REGENERATE_CAPTIONS,
        StepKind.WAIT_CAPTIONS,
    ]
    assert requests[CLONE] == 1 and requests[REGENERATE] == 1
    assert requests[UPLOAD] == 1, requests  # only img-00's new content
    assert CREATE not in requests
    assert not (await env.plan()).has_changes
    await check_bria(env, sorted(NEW))

    # The same manifest built from scratch on a fresh Bria and state ends the same.
    async with open_env(tmp_path / "rebuilt") as fresh:
        write_fibo(fresh.root, NEW)
        (fresh.root / "images" / "acme" / "img-06.png").unlink()
        seed_images(fresh.root, "acme", 1, offset=50)
        _, built = await fresh.apply()
        assert built.ok, built.failed
        assert ended_as(fresh) == ended_as(env)
    assert env.transport.client_errors() == []


async def test_other_refine_instructions_clone_and_generate_the_schema_again(env: Env) -> None:
    write_fibo(env.root, "auto", refine=["set the style to 'ink'"])
    await requests_of(env)
    write_fibo(env.root, "auto", refine=["set the style to 'ink'", "add a lighting field: soft"])
    plan, requests = await requests_of(env)
    assert dataset_change(plan).replace_path.path is BuildPath.CLONE
    assert UPLOAD not in requests and requests[REGENERATE] == 1, requests
    schema = env.store.read().require(str(DATASET)).attributes["visual_schema"]
    assert isinstance(schema, dict) and "lighting" in schema
    await check_bria(env, sorted(schema))
    assert not (await env.plan()).has_changes


async def test_a_clone_whose_run_died_before_the_schema_is_adopted_and_finished(
    env: Env,
) -> None:
    """The run journals the clone, Bria makes it, the run dies: the next apply adopts the copy
    (the state then holds a draft with the old schema) and finishes it as a draft: the new
    schema set, captions regenerated, the explicit caption PUT, completed; nothing cloned
    twice, no image uploaded, the old dataset deleted."""
    write_fibo(env.root, OLD)
    await requests_of(env)
    write_fibo(env.root, NEW)
    await clone_announced(env, DATASET)
    _, requests = await requests_of(env)
    assert CLONE not in requests and UPLOAD not in requests, requests
    assert requests[REGENERATE] == 1
    await check_bria(env, sorted(NEW))
    assert all(c.action is Action.NO_OP for c in (await env.plan()).changes)


class NoRegeneration(httpx.AsyncBaseTransport):
    """Bria down for Regenerate All Captions only: the run stops right after the schema."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and request.url.path.endswith("/images"):
            return httpx.Response(503, json={"error": "unavailable"})
        return await self.inner.handle_async_request(request)


async def test_a_run_stopped_between_the_schema_and_the_regeneration_is_finished(
    env: Env, tmp_path: Path
) -> None:
    """The copy got the new schema, then the run stopped: the next plan regenerates every
    caption though the schema no longer differs, PUTs the explicit one, completes; the state
    ends as a fresh build's."""
    write_fibo(env.root, OLD)
    await requests_of(env)
    write_fibo(env.root, NEW)
    env.transport.inner = NoRegeneration(env.transport.inner)
    _, stopped = await env.apply()
    assert not stopped.ok
    env.transport.inner = env.transport.inner.inner  # type: ignore[attr-defined]
    [live] = [d for d in await env.live("/tailored-gen/datasets") if d["status"] == "draft"]
    assert json.loads(live["visual_schema"]) == NEW

    plan, requests = await requests_of(env)
    change = dataset_change(plan)
    assert [s.kind for s in change.steps][:2] == [
        StepKind.REGENERATE_CAPTIONS, StepKind.WAIT_CAPTIONS
    ]
    assert requests[REGENERATE] == 1 and CLONE not in requests and UPLOAD not in requests
    await check_bria(env, sorted(NEW))
    assert not (await env.plan()).has_changes
    async with open_env(tmp_path / "rebuilt") as fresh:
        write_fibo(fresh.root, NEW)
        _, built = await fresh.apply()
        assert built.ok, built.failed
        assert ended_as(fresh) == ended_as(env)
