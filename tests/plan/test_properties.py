"""Properties over generated workspaces: a clean apply plans nothing, any edit gives a plan whose
DAG is complete and acyclic and whose JSON round-trips."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.plan.builder import build_plan
from reconciler.plan.graph import scheduled
from reconciler.plan.model import Action, Plan
from reconciler.plan.planfile import plan_from_json, plan_to_json
from reconciler.resources import DesiredDataset, DesiredModel, DesiredWorkspace, LiveSnapshot
from tests.plan.factories import converged, dataset, image, model, project, workspace

NAMES = [f"fox-{i:02d}.png" for i in range(1, 9)]


@st.composite
def datasets(draw: st.DrawFn, key: str) -> DesiredDataset:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True))
    imgs = tuple(
        image(
            name,
            dataset=key,
            content=draw(st.sampled_from(["a", "b"])) + name,
            caption=draw(st.sampled_from([None, None, f"{name} caption"])),
        )
        for name in sorted(names)
    )
    return dataset(
        key,
        imgs=imgs,
        caption_prefix=draw(st.sampled_from([None, "auto", "A drawing of Foxy, "])),
        completed=draw(st.booleans()),
        upload_type=draw(st.sampled_from(["basic", "basic", "advanced"])),
    )


@st.composite
def workspaces(draw: st.DrawFn) -> DesiredWorkspace:
    keys = draw(st.lists(st.sampled_from(["v1", "v2", "v3"]), min_size=1, max_size=2, unique=True))
    ds = tuple(draw(datasets(k)) for k in sorted(keys))
    models: list[DesiredModel] = []
    for name in draw(st.lists(st.sampled_from(["light", "max"]), max_size=2, unique=True)):
        on = draw(st.sampled_from(sorted(keys)))
        completed = next(d.completed for d in ds if d.key == on)
        models.append(
            model(
                name,
                dataset=on,
                training_version=draw(st.sampled_from(["light", "max"])),
                train=completed and draw(st.booleans()),
            )
        )
    return workspace(project(datasets=ds, models=tuple(sorted(models, key=lambda m: m.key))))


def _check_dag(plan: Plan) -> None:
    nodes = {n for c in plan.changes if scheduled(c) for n in c.node_ids()}
    assert set(plan.order) == nodes
    assert set(plan.dependencies) == nodes
    position = {n: i for i, n in enumerate(plan.order)}
    for node, before in plan.dependencies.items():
        for other in before:
            assert position[other] < position[node]


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(workspaces())
def test_a_clean_apply_plans_nothing(ws: DesiredWorkspace) -> None:
    world = converged(ws)
    plan = build_plan(ws, world.state(), world.snapshot())
    assert [c.address for c in plan.changes if c.action is not Action.NO_OP] == []
    assert plan.drift == ()


@FAST
@given(workspaces())
def test_a_new_workspace_creates_everything(ws: DesiredWorkspace) -> None:
    plan = build_plan(ws, [], LiveSnapshot())
    assert {c.action for c in plan.changes} == {Action.CREATE}
    _check_dag(plan)


@FAST
@given(workspaces(), workspaces())
def test_any_edit_gives_a_complete_acyclic_round_tripping_plan(
    before: DesiredWorkspace, after: DesiredWorkspace
) -> None:
    world = converged(before)
    plan = build_plan(after, world.state(), world.snapshot())
    _check_dag(plan)
    text = json.dumps(plan_to_json(plan), sort_keys=True)
    assert plan_from_json(json.loads(text)) == plan
    again = build_plan(after, world.state(), world.snapshot())
    assert json.dumps(plan_to_json(again), sort_keys=True) == text
