"""A managed object refresh could not read is left alone with one warning, never recreated."""

from __future__ import annotations

from dataclasses import replace

from reconciler.addresses import Address, Kind
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Action, Severity
from reconciler.resources import UnreadableObject
from tests.plan.factories import World, converged, dataset, model, project, workspace


def _unreadable(world: World, address: str, problem: str) -> UnreadableObject:
    """The object at `address` missing from live, as when the client skipped its list item."""
    rec = world.recorded[Address.parse(address)]
    if rec.kind is Kind.DATASET:
        world.datasets.pop(rec.remote_id)
        world.images.pop(rec.remote_id, None)
    elif rec.kind is Kind.MODEL:
        world.models.pop(rec.remote_id)
    return UnreadableObject(rec.kind, rec.remote_id, problem)


def test_unreadable_managed_dataset_is_neither_gone_nor_changed() -> None:
    ws = workspace(
        project(
            datasets=(dataset(), dataset("v2", name="second")),
            models=(model("light"), model("other", dataset="v2")),
        )
    )
    world = converged(ws)
    bad = _unreadable(world, "acme/datasets/v1", "status: Input should be a valid string (got 5)")
    plan = build_plan(ws, world.state(), replace(world.snapshot(), unreadable=(bad,)))

    # Without the unreadable record the same world plans a recreate of v1 and its model.
    gone = build_plan(ws, world.state(), world.snapshot())
    assert any(c.action is Action.CREATE for c in gone.changes)

    assert [c for c in plan.changes if c.action is not Action.NO_OP] == []
    assert plan.drift == ()
    warnings = [d for d in plan.diagnostics if d.severity is Severity.WARNING]
    assert len(warnings) == 1
    assert warnings[0].address == Address.parse("acme/datasets/v1")
    assert f"dataset {bad.remote_id}" in warnings[0].summary
    assert "status: Input should be a valid string" in warnings[0].summary


def test_unreadable_objects_tailor_does_not_manage_are_ignored() -> None:
    ws = workspace()
    world = converged(ws)
    foreign = (
        UnreadableObject(Kind.DATASET, 99999, "name: Field required"),
        UnreadableObject(Kind.MODEL, None, "id: Field required"),
    )
    plan = build_plan(ws, world.state(), replace(world.snapshot(), unreadable=foreign))
    assert plan.diagnostics == build_plan(ws, world.state(), world.snapshot()).diagnostics
    assert [c for c in plan.changes if c.action is not Action.NO_OP] == []


def test_unreadable_managed_model_leaves_the_rest_planned() -> None:
    ws = workspace(project(models=(model("light"), model("max", training_version="max"))))
    world = converged(ws)
    bad = _unreadable(world, "acme/models/light", "training_parameters: not a dict")
    changed = replace(ws.projects[0], description="A new description")
    plan = build_plan(
        workspace(changed), world.state(), replace(world.snapshot(), unreadable=(bad,))
    )
    acting = {str(c.address): c.action for c in plan.changes if c.action is not Action.NO_OP}
    assert acting == {"acme": Action.UPDATE}
    assert [str(d.address) for d in plan.diagnostics] == ["acme/models/light"]


def test_fields_bria_did_not_send_are_never_changes() -> None:
    """Bria's published model object has no training_version, its dataset no caption_prefix:
    read as None they must not drift, diff or force a replace of a trained model."""
    ws = workspace()
    world = converged(ws)
    for mid, live in list(world.models.items()):
        world.models[mid] = replace(live, training_version=None, training_mode=None)
    for did, live in list(world.datasets.items()):
        world.datasets[did] = replace(live, caption_prefix=None)
    plan = build_plan(ws, world.state(), world.snapshot())
    assert [c for c in plan.changes if c.action is not Action.NO_OP] == []
    assert plan.drift == ()
    moved = replace(next(iter(world.models.values())), training_version="max")
    world.models[moved.remote_id] = moved
    drifted = build_plan(ws, world.state(), world.snapshot())
    assert [(d.field, d.live) for d in drifted.drift] == [("training_version", "max")]
