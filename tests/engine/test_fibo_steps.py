"""FIBO apply steps driven directly on the in-process sandbox, through the real executor.

Until the planner emits FIBO steps, these tests take the plan of a legacy manifest and give its
dataset, images and model the steps a FIBO dataset takes, in Bria's order: create with
`training_version: fibo`, generate the schema from the files, refine with each instruction in
order, set it, upload (captioned at upload), explicit JSON captions, complete; and regenerate
all captions when images arrived before the schema.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from reconciler.addresses import Address
from reconciler.plan.graph import build_dependencies, topological_order
from reconciler.plan.model import Action, Change, Phase, Plan, Reason, Step, StepKind
from tests.engine.conftest import Env, seed_images, simple_project, write_manifest

pytestmark = pytest.mark.anyio

DATASET = Address("acme", dataset="v1")
MODEL = Address("acme", model="fibo")
CAPTION = {"style": "flat", "subjects": "a fox waving"}


def _plan(changes: list[Change]) -> Plan:
    dependencies = build_dependencies(changes)
    return Plan(
        changes=tuple(changes),
        dependencies=dependencies,
        order=topological_order(dependencies, changes),
    )


def _fibo(plan: Plan, dataset_steps: list[Step]) -> Plan:
    """The legacy plan with FIBO's steps: the dataset's MAIN steps replaced by
    `dataset_steps`, the model created as fibo, img-01 given an explicit JSON caption."""
    changes: list[Change] = []
    for change in plan.changes:
        if change.address == DATASET:
            create = change.steps[0]
            assert create.kind is StepKind.CREATE_DATASET
            made = dataclasses.replace(create, args={**create.args, "training_version": "fibo"})
            finalize = [s for s in change.steps if s.phase is Phase.FINALIZE]
            after = {**(change.after or {}), "training_version": "fibo", "visual_schema": None,
                     "visual_schema_auto": True}
            change = dataclasses.replace(
                change, after=after, steps=(made, *dataset_steps, *finalize)
            )
        elif change.address == MODEL:
            change = dataclasses.replace(change, steps=tuple(
                dataclasses.replace(s, args={**s.args, "training_version": "fibo"})
                if s.kind is StepKind.CREATE_MODEL else s
                for s in change.steps
            ))
        elif change.address.image == "img-01.png":
            caption = Step(StepKind.UPDATE_CAPTION, change.address, {"caption": CAPTION})
            change = dataclasses.replace(change, steps=(*change.steps, caption))
        changes.append(change)
    return _plan(changes)


async def _legacy_plan(env: Env, *, completed: bool = True) -> Plan:
    seed_images(env.root, "acme", 6)
    models = {"fibo": {"dataset": "v1", "training_version": "max"}} if completed else {}
    write_manifest(env.root, "acme", simple_project(models=models, completed=completed))
    return await env.plan()


def _samples(count: int) -> list[str]:
    return [f"images/acme/img-{n:02d}.png" for n in range(count)]


async def test_a_new_fibo_dataset_gets_its_schema_before_its_images(env: Env) -> None:
    steps = [
        Step(StepKind.GENERATE_VISUAL_SCHEMA, DATASET, {"images": _samples(5)}),
        Step(StepKind.REFINE_VISUAL_SCHEMA, DATASET, {"instruction": "set the style to 'studio'"}),
        Step(StepKind.REFINE_VISUAL_SCHEMA, DATASET, {"instruction": "add a lighting field: soft"}),
        Step(StepKind.SET_VISUAL_SCHEMA, DATASET, {"generated": True}),
    ]
    plan = _fibo(await _legacy_plan(env), steps)
    _, result = await env.apply(plan=plan)
    assert result.ok, result.failed
    [dataset] = await env.live("/tailored-gen/datasets")
    assert (dataset["training_version"], dataset["status"]) == ("fibo", "completed")
    schema = json.loads(dataset["visual_schema"])
    assert (schema["style"], schema["lighting"]) == ("studio", "soft")
    assert list(schema)[:2] == ["style", "subjects"], "refined in order, keys kept"
    listed = await env.live(f"/tailored-gen/datasets/{dataset['id']}/images")
    images = {image["image_name"]: image for image in listed}
    assert len(images) == 6
    assert json.loads(images["img-01.png"]["caption"]) == CAPTION
    assert images["img-01.png"]["caption_source"] == "manual"
    for name, image in images.items():
        if name != "img-01.png":
            assert image["caption_source"] == "automatic", "captioned at upload"
            caption = json.loads(image["caption"])
            assert list(caption) == list(schema) and caption["style"] == "studio"
    recorded = env.store.read().require(str(DATASET)).attributes
    assert recorded["visual_schema"] == schema and recorded["visual_schema_auto"] is True
    [model] = await env.live("/tailored-gen/models")
    assert (model["training_version"], model["status"]) == ("fibo", "InProgress")
    calls = [(method, path) for method, path, _ in env.transport.answers]
    assert calls.count(("POST", "/v1/tailored-gen/generate_visual_schema")) == 1
    assert calls.count(("POST", "/v1/tailored-gen/refine_structured_prompt")) == 2
    assert not [c for c in calls if c[0] == "PUT" and c[1].endswith("/images")], "no regenerate"
    assert env.transport.client_errors() == []


async def test_images_before_the_schema_are_recaptioned(env: Env) -> None:
    """Schema set on a draft that already holds (pending) images: regenerate all, wait, then
    the explicit captions, which regenerate-all would otherwise overwrite."""
    first = _fibo(await _legacy_plan(env, completed=False), [])
    _, result = await env.apply(plan=first)
    assert result.ok, result.failed
    [dataset] = await env.live("/tailored-gen/datasets")
    path = f"/tailored-gen/datasets/{dataset['id']}/images"
    assert {i["caption_source"] for i in await env.live(path)} == {"manual", "pending"}
    schema = {"mood": "", "palette": ["teal", "amber"]}
    image = Address("acme", dataset="v1", image="img-01.png")
    changes = [
        Change(
            address=DATASET,
            action=Action.UPDATE,
            reason=Reason.UPDATED_FIELDS,
            steps=(
                Step(StepKind.SET_VISUAL_SCHEMA, DATASET, {"visual_schema": schema}),
                Step(StepKind.REGENERATE_CAPTIONS, DATASET),
                Step(StepKind.WAIT_CAPTIONS, DATASET),
            ),
        ),
        Change(
            address=image,
            action=Action.UPDATE,
            reason=Reason.UPDATED_FIELDS,
            steps=(Step(StepKind.UPDATE_CAPTION, image, {"caption": CAPTION}),),
        ),
    ]
    _, result = await env.apply(plan=_plan(changes))
    assert result.ok, result.failed
    captions = {i["image_name"]: i for i in await env.live(path)}
    assert json.loads(captions["img-01.png"]["caption"]) == CAPTION
    others = [i for name, i in captions.items() if name != "img-01.png"]
    assert {i["caption_source"] for i in others} == {"automatic"}
    assert all(list(json.loads(i["caption"])) == ["mood", "palette"] for i in others)
    recorded = env.store.read().require(str(DATASET)).attributes
    assert recorded["visual_schema"] == schema and recorded["visual_schema_auto"] is False


async def test_a_schema_step_without_its_inputs_fails_clearly(env: Env) -> None:
    steps = [Step(StepKind.SET_VISUAL_SCHEMA, DATASET, {"generated": True})]
    _, result = await env.apply(plan=_fibo(await _legacy_plan(env), steps))
    assert not result.ok
    assert any("no generated visual schema" in f.message for f in result.failed)


def test_plans_with_fibo_steps_validate_and_say_what_each_put_is_for() -> None:
    import jsonschema

    from reconciler.plan.planfile import plan_to_json
    from reconciler.render.planview import step_purpose

    steps = (
        Step(StepKind.GENERATE_VISUAL_SCHEMA, DATASET, {"images": _samples(5)}),
        Step(StepKind.REFINE_VISUAL_SCHEMA, DATASET, {"instruction": "add mood"}),
        Step(StepKind.SET_VISUAL_SCHEMA, DATASET, {"generated": True}),
    )
    change = Change(address=DATASET, action=Action.UPDATE, reason=Reason.UPDATED_FIELDS,
                    steps=steps)
    schema = json.loads((Path(__file__).parents[2] / "schemas" / "plan.schema.json").read_text())
    jsonschema.validate(plan_to_json(_plan([change])), schema)
    assert step_purpose(steps[2]) == "set visual schema (generated)"
    assert steps[1].describe() == "POST /tailored-gen/refine_structured_prompt"


async def test_a_fibo_bulk_upload_sends_no_automatic_captioning() -> None:
    """Bria's current bulk upload has only zip_url and content_moderation: the FIBO step
    carries no captioning choice, and the request then leaves the field out."""
    import httpx

    from reconciler.client.api import BriaClient
    from reconciler.engine.steps.bulk import captioning_choice
    from reconciler.secret import Secret

    bodies: list[dict[str, object]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(202)

    fibo = Step(StepKind.BULK_UPLOAD, DATASET, {})
    legacy = Step(StepKind.BULK_UPLOAD, DATASET, {"automatic_captioning": False})
    async with BriaClient("http://127.0.0.1:9/v1", Secret("t"),
                          transport=httpx.MockTransport(handle)) as client:
        for step in (fibo, legacy):
            await client.bulk_upload(4, "https://example.com/z.zip",
                                     automatic_captioning=captioning_choice(step))
    assert bodies == [
        {"zip_url": "https://example.com/z.zip", "content_moderation": False},
        {"zip_url": "https://example.com/z.zip", "automatic_captioning": False,
         "content_moderation": False},
    ]
