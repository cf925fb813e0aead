"""FIBO datasets changed after an apply (pure planner): a draft's schema set again in place
(captions regenerated when images are already at Bria, explicit ones PUT again after), a
completed dataset's schema change rebuilt with its models, a JSON caption change cloned."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.addresses import Address
from reconciler.plan.build_path import BuildPath
from reconciler.plan.model import Action, Change, Plan, StepKind
from reconciler.resources import DesiredDataset
from tests.plan.factories import project, workspace
from tests.plan.factories_fibo import (
    FILE_SCHEMA,
    caption_text,
    converged_fibo,
    fibo_dataset,
    fibo_image,
    fibo_images,
    fibo_model,
)
from tests.plan.scenario_kit import plan_of

DATASET = Address("acme", dataset="v1")
CAPTIONED = Address("acme", dataset="v1", image="fox-99.png")
EDITED = {**FILE_SCHEMA, "style": "watercolour"}


def ds(**kw: Any) -> DesiredDataset:
    caption = kw.pop("caption", caption_text("the snow"))
    imgs = (*fibo_images(5), fibo_image("fox-99.png", caption=caption))
    return fibo_dataset(imgs=imgs, **kw)


def replan(old: DesiredDataset, new: DesiredDataset, *, models: bool = True) -> Plan:
    fibo = (fibo_model(),) if models else ()
    world = converged_fibo(workspace(project(datasets=(old,), models=fibo)))
    plan = plan_of(workspace(project(datasets=(new,), models=fibo)), world)
    assert plan.errors == (), plan.errors
    return plan


def change(plan: Plan, address: Address) -> Change:
    return next(c for c in plan.changes if c.address == address and c.deposed is None)


def test_a_converged_fibo_workspace_plans_nothing() -> None:
    for dataset in (ds(schema=FILE_SCHEMA), ds(auto=True, refine=("add mood",))):
        plan = replan(dataset, dataset)
        assert not plan.has_changes, [(c.address, c.action) for c in plan.changes]


def test_a_draft_schema_edit_is_set_in_place_and_recaptions() -> None:
    plan = replan(ds(schema=FILE_SCHEMA, completed=False), ds(schema=EDITED, completed=False),
                  models=False)
    dataset = change(plan, DATASET)
    assert dataset.action is Action.UPDATE
    assert [(s.kind, dict(s.args)) for s in dataset.steps] == [
        (StepKind.SET_VISUAL_SCHEMA, {"visual_schema": EDITED}),
        (StepKind.REGENERATE_CAPTIONS, {}),
        (StepKind.WAIT_CAPTIONS, {}),
    ]
    assert "old schema" in dataset.steps[1].note
    [fc] = dataset.field_changes
    assert (fc.field, fc.before, fc.after, fc.forces_replace) == (
        "visual_schema", FILE_SCHEMA, EDITED, False
    )
    captioned = change(plan, CAPTIONED)
    assert [s.kind for s in captioned.steps] == [StepKind.UPDATE_CAPTION]
    assert isinstance(captioned.steps[0].args["caption"], dict)
    automatic = change(plan, Address("acme", dataset="v1", image="fox-01.png"))
    assert automatic.action is Action.NO_OP


def test_images_that_came_before_the_schema_are_recaptioned() -> None:
    plan = replan(ds(completed=False), ds(schema=FILE_SCHEMA, completed=False), models=False)
    kinds = [s.kind for s in change(plan, DATASET).steps]
    assert kinds == [
        StepKind.SET_VISUAL_SCHEMA,
        StepKind.REGENERATE_CAPTIONS,
        StepKind.WAIT_CAPTIONS,
    ]
    order = [str(a) for a in plan.order]
    assert order.index(str(DATASET)) < order.index(str(CAPTIONED))


def test_a_draft_without_images_sets_its_schema_without_recaptioning() -> None:
    empty = fibo_dataset(imgs=(), completed=False)
    declared = fibo_dataset(imgs=(), schema=FILE_SCHEMA, completed=False)
    plan = replan(empty, declared, models=False)
    assert [s.kind for s in change(plan, DATASET).steps] == [StepKind.SET_VISUAL_SCHEMA]


def test_other_refine_instructions_make_a_new_generated_schema() -> None:
    plan = replan(
        ds(auto=True, refine=("add mood",), completed=False),
        ds(auto=True, refine=("add mood", "set style: ink"), completed=False),
        models=False,
    )
    dataset = change(plan, DATASET)
    assert [s.kind for s in dataset.steps] == [
        StepKind.GENERATE_VISUAL_SCHEMA,
        StepKind.REFINE_VISUAL_SCHEMA,
        StepKind.REFINE_VISUAL_SCHEMA,
        StepKind.SET_VISUAL_SCHEMA,
        StepKind.REGENERATE_CAPTIONS,
        StepKind.WAIT_CAPTIONS,
    ]
    fields = {fc.field: fc for fc in dataset.field_changes}
    assert fields["visual_schema"].known_after_apply
    assert fields["refine"].after == ["add mood", "set style: ink"]


def test_a_completed_schema_edit_clones_sets_the_schema_and_recaptions() -> None:
    """Bria's clone inherits the schema, a draft's schema may be set: the copy gets the new
    schema, every caption regenerated, the explicit one PUT after; no image is uploaded."""
    plan = replan(ds(schema=FILE_SCHEMA), ds(schema=EDITED))
    dataset = change(plan, DATASET)
    assert dataset.action is Action.REPLACE
    assert dataset.replace_path is not None
    assert dataset.replace_path.path is BuildPath.CLONE
    assert "sets the new visual schema and regenerates every caption" in dataset.replace_path.why
    assert dataset.requires_replace == ("visual_schema",)
    assert any("DS-COMPLETED-SCHEMA-LOCKED" in note for note in dataset.notes)
    assert [(s.kind, dict(s.args)) for s in dataset.steps] == [
        (StepKind.CLONE_DATASET, {"source_id": 10, "name": "v1", "recaptioned": True}),
        (StepKind.SET_VISUAL_SCHEMA, {"visual_schema": EDITED}),
        (StepKind.REGENERATE_CAPTIONS, {}),
        (StepKind.WAIT_CAPTIONS, {}),
        (StepKind.COMPLETE_DATASET, {"status": "completed"}),
        (StepKind.DELETE_DATASET, {"old_id": 10}),
    ]
    images = [c for c in plan.changes if c.address.image]
    steps = [(str(c.address), s.kind) for c in images for s in c.steps]
    assert steps == [(str(CAPTIONED), StepKind.UPDATE_CAPTION)]
    assert change(plan, Address("acme", model="fibo")).action is Action.REPLACE


def test_a_completed_refine_edit_clones_and_generates_the_schema_again() -> None:
    plan = replan(ds(auto=True, refine=("add mood",)), ds(auto=True, refine=("set style: ink",)))
    dataset = change(plan, DATASET)
    assert dataset.replace_path is not None and dataset.replace_path.path is BuildPath.CLONE
    assert [s.kind for s in dataset.steps][:6] == [
        StepKind.CLONE_DATASET,
        StepKind.GENERATE_VISUAL_SCHEMA,
        StepKind.REFINE_VISUAL_SCHEMA,
        StepKind.SET_VISUAL_SCHEMA,
        StepKind.REGENERATE_CAPTIONS,
        StepKind.WAIT_CAPTIONS,
    ]
    fields = {fc.field: fc for fc in dataset.field_changes}
    assert fields["visual_schema"].known_after_apply


def test_a_schema_edit_with_images_changed_clones_with_their_edits() -> None:
    old = ds(schema=FILE_SCHEMA)
    new = replace(
        ds(schema=EDITED),
        images=(*old.images[1:], fibo_image("fox-77.png")),
    )
    plan = replan(old, new)
    dataset = change(plan, DATASET)
    assert dataset.replace_path is not None and dataset.replace_path.path is BuildPath.CLONE
    steps = sorted(
        (str(c.address), s.kind.value) for c in plan.changes if c.address.image for s in c.steps
    )
    assert steps == [
        ("acme/datasets/v1/images/fox-01.png", "delete_image"),
        ("acme/datasets/v1/images/fox-77.png", "upload_image"),
        (str(CAPTIONED), "update_caption"),
    ]


def test_an_explicit_caption_dropped_with_a_schema_edit_is_regenerated_with_all() -> None:
    plan = replan(ds(schema=FILE_SCHEMA), ds(schema=EDITED, caption=None))
    captioned = change(plan, CAPTIONED)
    assert captioned.steps == ()
    assert [fc.field for fc in captioned.field_changes] == ["caption"]
    assert captioned.field_changes[0].known_after_apply


def test_a_schema_edit_of_a_legacy_prefix_still_rebuilds() -> None:
    """Only a FIBO schema is set again on the copy: a legacy prefix keeps its rebuild."""
    from tests.plan.factories import converged, dataset, images

    old = dataset(imgs=images(6), caption_prefix="A fox")
    world = converged(workspace(project(datasets=(old,), models=())))
    new = replace(old, caption_prefix="A red fox")
    plan = plan_of(workspace(project(datasets=(new,), models=())), world)
    path = change(plan, DATASET).replace_path
    assert path is not None and path.path is BuildPath.REBUILD
    assert "caption prefix changes" in path.why


def test_a_completed_json_caption_change_clones_and_puts_the_object() -> None:
    new_caption = caption_text("the rain")
    plan = replan(ds(schema=FILE_SCHEMA), ds(schema=FILE_SCHEMA, caption=new_caption))
    dataset = change(plan, DATASET)
    assert dataset.action is Action.REPLACE
    assert dataset.replace_path is not None and dataset.replace_path.path is BuildPath.CLONE
    captioned = change(plan, CAPTIONED)
    [put] = [s for s in captioned.steps if s.kind is StepKind.UPDATE_CAPTION]
    assert put.args["caption"] == {"subject": "Foxy in the rain"}
    assert change(plan, Address("acme", model="fibo")).action is Action.REPLACE


def drifted(dataset: DesiredDataset, console: dict[str, Any]) -> Plan:
    """`dataset` applied, then its schema changed in the Console to `console`."""
    world = converged_fibo(workspace(project(datasets=(dataset,), models=())))
    did = world.id_of(str(DATASET))
    world.datasets[did] = replace(world.datasets[did], visual_schema=console)
    plan = plan_of(workspace(project(datasets=(dataset,), models=())), world)
    assert plan.errors == (), plan.errors
    return plan


def test_a_console_edit_of_a_draft_schema_is_drift_set_back() -> None:
    plan = drifted(ds(schema=FILE_SCHEMA, completed=False), EDITED)
    assert [(d.field, d.state, d.live) for d in plan.drift if d.address == DATASET] == [
        ("visual_schema", FILE_SCHEMA, EDITED)
    ]
    dataset = change(plan, DATASET)
    assert [(s.kind, dict(s.args)) for s in dataset.steps] == [
        (StepKind.SET_VISUAL_SCHEMA, {"visual_schema": FILE_SCHEMA}),
        (StepKind.REGENERATE_CAPTIONS, {}),
        (StepKind.WAIT_CAPTIONS, {}),
    ]


def test_a_console_edit_of_a_generated_schema_is_drift_only() -> None:
    """Like `caption_prefix: auto`: the generated value is Bria's to choose; the plan says it
    moved and leaves it (setting the recorded one back would record it as declared)."""
    plan = drifted(ds(auto=True, completed=False), EDITED)
    assert [d.field for d in plan.drift if d.address == DATASET] == ["visual_schema"]
    assert change(plan, DATASET).steps == ()


def test_an_unchanged_live_schema_is_no_drift() -> None:
    dataset = ds(schema=FILE_SCHEMA, completed=False)
    plan = drifted(dataset, dict(reversed(list(FILE_SCHEMA.items()))))
    assert plan.drift == () and not plan.has_changes


def test_a_protected_fibo_dataset_refuses_a_new_schema_naming_the_rule() -> None:
    old = ds(schema=FILE_SCHEMA, prevent_destroy=True)
    world = converged_fibo(workspace(project(datasets=(old,), models=())))
    ws = workspace(project(datasets=(ds(schema=EDITED, prevent_destroy=True),), models=()))
    [error] = plan_of(ws, world).errors
    assert error.constraint == "DS-COMPLETED-SCHEMA-LOCKED"
    assert error.address == DATASET
    assert "prevent_destroy" in error.summary and "visual_schema" in error.summary
