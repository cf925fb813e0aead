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
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

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

