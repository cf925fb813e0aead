"""FIBO datasets in the planner: the visual schema's steps and their order, the sample the
schema is generated from, JSON captions as objects, FIBO models (pure, no network)."""

from __future__ import annotations

import json
from dataclasses import replace

from reconciler.addresses import Address
from reconciler.plan.builder import build_plan
from reconciler.plan.compare.dataset_steps import schema_sample
from reconciler.plan.model import Action, Plan, StepKind
from reconciler.resources import DesiredDataset, LiveSnapshot
from tests.plan.factories import dataset, image, images, model, project, workspace

DATASET = Address("acme", dataset="v1")
CAPTION = '{"style":"flat","subjects":"a fox"}'


def fibo(count: int = 6, **kw: object) -> DesiredDataset:
    imgs = (*images(count - 1), image("fox-99.png", caption=CAPTION))
    return dataset(imgs=imgs, training_version="fibo", **kw)  # type: ignore[arg-type]


def plan_of(ds: DesiredDataset, *, with_model: bool = True) -> Plan:
    models = (model("m", training_version="fibo"),) if with_model else ()
    plan = build_plan(workspace(project(datasets=(ds,), models=models)), [], LiveSnapshot())
    assert plan.errors == (), plan.errors
    return plan


def test_a_new_auto_schema_is_generated_refined_and_set_before_any_upload() -> None:
    plan = plan_of(fibo(visual_schema_auto=True, refine=("add mood", "set style: studio")))
    change = next(c for c in plan.changes if c.address == DATASET)
    assert [(s.kind, dict(s.args)) for s in change.steps[2:5]] == [
        (StepKind.REFINE_VISUAL_SCHEMA, {"instruction": "add mood"}),
        (StepKind.REFINE_VISUAL_SCHEMA, {"instruction": "set style: studio"}),
        (StepKind.SET_VISUAL_SCHEMA, {"generated": True}),
    ]
    assert [s.kind for s in change.steps] == [
        StepKind.CREATE_DATASET,
        StepKind.GENERATE_VISUAL_SCHEMA,
        StepKind.REFINE_VISUAL_SCHEMA,
        StepKind.REFINE_VISUAL_SCHEMA,
        StepKind.SET_VISUAL_SCHEMA,
        StepKind.COMPLETE_DATASET,
    ]
    assert change.steps[0].args["training_version"] == "fibo"
    assert change.after is not None
    assert (change.after["visual_schema"], change.after["visual_schema_auto"]) == (None, True)
    order = [str(a) for a in plan.order]
    assert order.index(str(DATASET)) < order.index("acme/datasets/v1/images/fox-01.png")
    create_model = next(s for c in plan.changes for s in c.steps if s.kind is StepKind.CREATE_MODEL)
    assert create_model.args["training_version"] == "fibo"


def test_a_declared_schema_is_set_as_its_object() -> None:
    plan = plan_of(fibo(visual_schema='{"palette":["teal"],"style":"flat"}'))
    change = next(c for c in plan.changes if c.address == DATASET)
    [schema_step] = [s for s in change.steps if s.kind is StepKind.SET_VISUAL_SCHEMA]
    assert schema_step.args == {"visual_schema": {"palette": ["teal"], "style": "flat"}}
    assert not [s for s in change.steps if s.kind is StepKind.GENERATE_VISUAL_SCHEMA]


def test_a_json_caption_is_put_as_its_object_after_the_upload() -> None:
    plan = plan_of(fibo(visual_schema_auto=True))
    change = next(c for c in plan.changes if c.address.image == "fox-99.png")
    assert [s.kind for s in change.steps] == [StepKind.UPLOAD_IMAGE, StepKind.UPDATE_CAPTION]
    assert change.steps[1].args == {"caption": json.loads(CAPTION)}
    assert change.after is not None and change.after["caption"] == json.loads(CAPTION)
    automatic = next(c for c in plan.changes if c.address.image == "fox-01.png")
    assert [s.kind for s in automatic.steps] == [StepKind.UPLOAD_IMAGE]


def test_the_schema_sample_is_chosen_by_content_at_most_ten() -> None:
    many = images(25)
    sample = schema_sample(many)
    assert len(sample) == 10
    assert schema_sample(tuple(reversed(many))) == sample
    renamed = tuple(replace(i, path=f"elsewhere/{i.name}") for i in many)
    assert [i.sha256 for i in schema_sample(renamed)] == [i.sha256 for i in sample]
    assert len(schema_sample(images(7))) == 7
    plan = plan_of(fibo(count=25, visual_schema_auto=True))
    [generate] = [
        s for c in plan.changes for s in c.steps if s.kind is StepKind.GENERATE_VISUAL_SCHEMA
    ]
    assert isinstance(generate.args["images"], list) and len(generate.args["images"]) == 10
    sha = generate.args["sha256"]
    assert isinstance(sha, dict) and set(sha) == set(generate.args["images"])


def test_a_draft_without_a_schema_yet_sets_none() -> None:
    plan = plan_of(fibo(completed=False), with_model=False)
    change = next(c for c in plan.changes if c.address == DATASET)
    assert [s.kind for s in change.steps] == [StepKind.CREATE_DATASET]
    assert change.action is Action.CREATE


def test_the_content_fingerprint_covers_schema_refine_and_json_captions() -> None:
    """What a completed FIBO dataset holds: each of these makes another dataset version."""
    base = fibo(visual_schema='{"style":"flat"}')
    variants = [
        replace(base, visual_schema='{"style":"ink"}'),
        replace(base, visual_schema=None, visual_schema_auto=True),
        replace(base, visual_schema=None, visual_schema_auto=True, refine=("add mood",)),
        replace(
            base,
            images=(*base.images[:-1], replace(base.images[-1], caption='{"style":"ink"}')),
        ),
    ]
    prints = {d.content_fingerprint() for d in (base, *variants)}
    assert len(prints) == 1 + len(variants)
    legacy = dataset()
    unchanged = replace(legacy, refine=("ignored",))
    assert legacy.content_fingerprint() == unchanged.content_fingerprint()


def test_a_fibo_bulk_upload_step_carries_no_automatic_captioning() -> None:
    """Bria's current bulk-upload operation has no automatic_captioning (PUBLISHED-OPENAPI
    section 3); the legacy generation still chooses it."""
    def bulk_args(ds: DesiredDataset) -> dict[str, object]:
        plan = build_plan(workspace(project(datasets=(ds,))), [], LiveSnapshot())
        change = next(c for c in plan.changes if c.address == DATASET)
        return next(dict(s.args) for s in change.steps if s.kind is StepKind.BULK_UPLOAD)

    assert bulk_args(fibo(upload_type="advanced", visual_schema_auto=True)) == {}
    assert bulk_args(dataset(upload_type="advanced")) == {"automatic_captioning": True}


def test_a_fibo_model_says_fibo_training_takes_2_to_4_hours() -> None:
    """Bria's published doc: FIBO "Training duration is typically 2-4 hours"; legacy 1-3."""
    def notes(version: str) -> list[str]:
        ds = fibo(visual_schema_auto=True) if version == "fibo" else dataset()
        ws = workspace(project(datasets=(ds,), models=(model("m", training_version=version),)))
        plan = build_plan(ws, [], LiveSnapshot())
        change = next(c for c in plan.changes if c.address.model == "m")
        step = next(s for s in change.steps if s.kind is StepKind.START_TRAINING)
        return [*change.notes, step.note or ""]

    assert [n for n in notes("fibo") if "hours" in n] == [
        "training typically takes 2-4 hours and is billed by Bria; `apply --wait` waits for it",
        "2-4 hours; billed by Bria",
    ]
    assert all("2-4" not in n for n in notes("max"))
    assert any("1-3 hours" in n for n in notes("max"))
