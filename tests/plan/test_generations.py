"""Bria's generations in the planner. Until FIBO planning is built, a dataset other than max and
a model other than light/max is an honest plan error, never a plan that makes a max one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.addresses import Address, Kind
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Action
from reconciler.resources import LiveSnapshot
from tests.plan.factories import converged, dataset, images, model, project, workspace


@pytest.mark.parametrize("version", ["fibo", "light", "3.2", "2.3"])
def test_a_dataset_version_the_planner_cannot_plan_is_an_error(version: str) -> None:
    schema = {"visual_schema_auto": True} if version == "fibo" else {}
    ds = dataset(imgs=images(5), training_version=version, **schema)
    plan = build_plan(workspace(project(datasets=(ds,), models=())), [], LiveSnapshot())
    assert [d.summary for d in plan.errors] == [
        f"acme/datasets/v1: training_version {version} is valid, but this tailor cannot plan it yet"
    ]
    assert plan.errors[0].location == ds.location


@pytest.mark.parametrize("version", ["fibo", "bria-2.3", "bria-3.2"])
def test_a_model_version_the_planner_cannot_plan_is_an_error(version: str) -> None:
    plan = build_plan(
        workspace(project(models=(model(training_version=version),))), [], LiveSnapshot()
    )
    summaries = [d.summary for d in plan.errors]
    assert (
        f"acme/models/light: training_version {version} is valid, but this tailor cannot plan "
        "it yet" in summaries
    )


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
