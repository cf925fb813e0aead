"""A FIBO workspace planned by the planner and applied on the in-process sandbox: the visual
schema generated from sampled files and refined, set before the uploads (Bria captions each
image at upload), an explicit JSON caption from a NAME.json sidecar, a FIBO model; then the
next plan is empty, and the apply spent exactly the requests its plan counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reconciler.plan.cost import apply_cost
from reconciler.plan.model import Action, StepKind
from tests.engine.conftest import (
    SANDBOX_BASE_URL,
    Env,
    seed_images,
    simple_project,
    write_manifest,
)

pytestmark = pytest.mark.anyio

CAPTION = {"subjects": "a fox waving", "style": "flat"}
REFINE = ["set the style to 'studio'", "add a lighting field: soft"]


def fibo_project(**dataset: Any) -> dict[str, Any]:
    body = simple_project(models={"fibo": {"dataset": "v1"}})
    body["datasets"]["v1"].update(
        {"training_version": "fibo", "visual_schema": "auto", "refine": REFINE, **dataset}
    )
    return body


def write_fibo(root: Path, **dataset: Any) -> None:
    seed_images(root, "acme", 7)
    (root / "images" / "acme" / "img-01.json").write_text(json.dumps(CAPTION))
    write_manifest(root, "acme", fibo_project(**dataset))


async def test_a_fibo_workspace_applies_and_replans_empty(env: Env) -> None:
    write_fibo(env.root)
    plan, result = await env.apply()
    assert result.ok, result.failed
    cost = apply_cost(plan)
    assert not cost.at_least and len(env.transport.answers) == cost.total
    [dataset_change] = [c for c in plan.changes if c.address.kind.value == "dataset"]
    kinds = [s.kind for s in dataset_change.steps]
    assert kinds == [
        StepKind.CREATE_DATASET,
        StepKind.GENERATE_VISUAL_SCHEMA,
        StepKind.REFINE_VISUAL_SCHEMA,
        StepKind.REFINE_VISUAL_SCHEMA,
        StepKind.SET_VISUAL_SCHEMA,
        StepKind.COMPLETE_DATASET,
    ]
    assert dataset_change.steps[0].args["training_version"] == "fibo"
    assert len(dataset_change.steps[1].args["images"]) == 7  # type: ignore[arg-type]

    [dataset] = await env.live("/tailored-gen/datasets")
    assert (dataset["training_version"], dataset["status"]) == ("fibo", "completed")
    schema = json.loads(dataset["visual_schema"])
    assert (schema["style"], schema["lighting"]) == ("studio", "soft")
    images = {
        i["image_name"]: i for i in await env.live(f"/tailored-gen/datasets/{dataset['id']}/images")
    }
    assert len(images) == 7
    assert json.loads(images["img-01.png"]["caption"]) == CAPTION
    automatic = [i for name, i in images.items() if name != "img-01.png"]
    assert {i["caption_source"] for i in automatic} == {"automatic"}, "captioned at upload"
    [model] = await env.live("/tailored-gen/models")
    assert model["training_version"] == "fibo"
    assert env.transport.client_errors() == []

    again = await env.plan()
    assert again.errors == ()
    assert [c.address for c in again.changes if c.action is not Action.NO_OP] == []
    assert again.drift == ()



async def test_a_draft_given_a_schema_after_its_images_is_recaptioned(env: Env) -> None:
    """Images uploaded before the schema wait (`pending`); the schema set later regenerates
    every caption, the explicit one is PUT again after; editing the schema file does it again;
    each time the next plan is empty."""
    write_fibo(env.root, completed=False)
    body = fibo_project(completed=False)
    for key in ("visual_schema", "refine"):
        body["datasets"]["v1"].pop(key)
    body["models"] = {}
    write_manifest(env.root, "acme", body)
    _, result = await env.apply()
    assert result.ok, result.failed
    [dataset] = await env.live("/tailored-gen/datasets")
    path = f"/tailored-gen/datasets/{dataset['id']}/images"
    assert {i["caption_source"] for i in await env.live(path)} == {"manual", "pending"}
    assert not (await env.plan()).has_changes

    for schema in ({"mood": "", "palette": ["teal"]}, {"mood": "", "light": "", "palette": []}):
        (env.root / "schema.json").write_text(json.dumps(schema))
        body["datasets"]["v1"]["visual_schema"] = "schema.json"
        write_manifest(env.root, "acme", body)
        plan, result = await env.apply()
        assert result.ok, result.failed
        kinds = [s.kind for c in plan.changes for s in c.steps]
        assert kinds.count(StepKind.REGENERATE_CAPTIONS) == 1
        assert kinds.count(StepKind.UPDATE_CAPTION) == 1
        images = {i["image_name"]: i for i in await env.live(path)}
        assert json.loads(images["img-01.png"]["caption"]) == CAPTION
        others = [i for name, i in images.items() if name != "img-01.png"]
        assert {i["caption_source"] for i in others} == {"automatic"}
        assert all(sorted(json.loads(i["caption"])) == sorted(schema) for i in others)
        assert not (await env.plan()).has_changes
    assert env.transport.client_errors() == []


async def test_a_json_caption_change_clones_and_the_copy_keeps_its_schema(env: Env) -> None:
    """A completed FIBO dataset's new version by clone: only the changed caption is PUT (as
    JSON text), and the new dataset's record keeps the schema Bria's clone inherits."""
    write_fibo(env.root)
    body = fibo_project()
    body["models"] = {}
    write_manifest(env.root, "acme", body)
    _, result = await env.apply()
    assert result.ok, result.failed
    changed = {"subjects": "a fox asleep", "style": "ink"}
    (env.root / "images" / "acme" / "img-01.json").write_text(json.dumps(changed))
    plan, result = await env.apply()
    assert result.ok, result.failed
    [dataset_change] = [c for c in plan.changes if c.address.kind.value == "dataset"]
    assert dataset_change.replace_path is not None
    assert dataset_change.replace_path.path.value == "clone"
    datasets = await env.live("/tailored-gen/datasets")
    [new] = [d for d in datasets if d["status"] == "completed"]
    images = {
        i["image_name"]: i for i in await env.live(f"/tailored-gen/datasets/{new['id']}/images")
    }
    assert json.loads(images["img-01.png"]["caption"]) == changed
    recorded = env.store.read().require("acme/datasets/v1")
    assert recorded.remote_id == new["id"]
    assert recorded.attributes["visual_schema"] == json.loads(new["visual_schema"])
    assert not (await env.plan()).has_changes


async def test_a_console_edit_of_a_draft_schema_is_drift_and_set_back(env: Env) -> None:
    seed_images(env.root, "acme", 6)
    schema = {"mood": "", "palette": ["teal"]}
    (env.root / "schema.json").write_text(json.dumps(schema))
    body = fibo_project(completed=False, visual_schema="schema.json")
    body["datasets"]["v1"].pop("refine")
    body["models"] = {}
    write_manifest(env.root, "acme", body)
    _, result = await env.apply()
    assert result.ok, result.failed
    [dataset] = await env.live("/tailored-gen/datasets")
    console = {"mood": "", "palette": ["red"], "extra": ""}
    response = await env.control.put(
        f"{SANDBOX_BASE_URL}/tailored-gen/datasets/{dataset['id']}",
        json={"visual_schema": json.dumps(console)},
    )
    response.raise_for_status()
    plan = await env.plan()
    assert [(d.field, d.state, d.live) for d in plan.drift] == [("visual_schema", schema, console)]
    _, result = await env.apply(plan=plan)
    assert result.ok, result.failed
    [dataset] = await env.live("/tailored-gen/datasets")
    assert json.loads(dataset["visual_schema"]) == schema
    again = await env.plan()
    assert again.drift == () and not again.has_changes
