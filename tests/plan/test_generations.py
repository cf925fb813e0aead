"""Bria's generations in the planner: every legacy version is planned and sent as declared
(FIBO planning has its own tests, tests/plan/test_fibo_planning.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.addresses import Address, Kind
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Action
from reconciler.resources import LiveSnapshot
from tests.plan.factories import converged, dataset, images, model, project, workspace


@pytest.mark.parametrize(
    ("dataset_version", "model_version"),
    [("light", "light"), ("3.2", "bria-3.2"), ("2.3", "bria-2.3"), ("max", "max")],
)
def test_legacy_versions_are_planned_and_sent(dataset_version: str, model_version: str) -> None:
    ws = workspace(
        project(
            datasets=(dataset(training_version=dataset_version),),
            models=(model(training_version=model_version),),
        )
    )
    plan = build_plan(ws, [], LiveSnapshot())
    assert plan.errors == ()
    steps = {s.kind.value: s.args for c in plan.changes for s in c.steps}
    assert steps["create_dataset"]["training_version"] == dataset_version
    assert steps["create_model"]["training_version"] == model_version


def test_the_default_generation_plans_as_before() -> None:
    plan = build_plan(workspace(project()), [], LiveSnapshot())
    assert plan.errors == ()


def test_a_state_from_before_training_version_reads_as_max() -> None:
    """States written before the row have no dataset training_version: that was max, and
    neither the dataset nor its project is replaced for it."""
    ws = workspace(project())
    world = converged(ws)
    for address, rec in list(world.recorded.items()):
        if rec.kind is Kind.DATASET:
            kept = {k: v for k, v in rec.attributes.items() if k != "training_version"}
            world.recorded[address] = replace(rec, attributes=kept)
    plan = build_plan(ws, world.state(), world.snapshot())
    assert {c.action for c in plan.changes} == {Action.NO_OP}

    fibo = dataset(imgs=images(5), training_version="fibo", visual_schema_auto=True)
    switched = build_plan(
        workspace(project(datasets=(fibo,), models=())), world.state(), world.snapshot()
    )
    (project_change,) = [c for c in switched.changes if c.address == Address("acme")]
    assert project_change.action is Action.REPLACE
    assert project_change.requires_replace == ("training_version",)
