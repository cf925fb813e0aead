"""Objects tailor does not manage inside a project it deletes are named in a warning."""

from __future__ import annotations

from reconciler.addresses import Address
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Action, Severity
from reconciler.resources import DesiredWorkspace, LiveDataset, LiveModel
from tests.plan.factories import converged, workspace


def test_deleting_a_project_names_what_bria_deletes_with_it() -> None:
    world = converged(workspace())
    project_id = world.id_of("acme")
    world.datasets[900] = LiveDataset(900, project_id, "made in the Console", None, "completed",
                                      "basic", images_count=5)
    world.models[901] = LiveModel(901, project_id, 900, "fibo model", "", "Completed",
                                  "fully_automated", "fibo")
    world.models[902] = LiveModel(902, project_id, 900, "gone", "", "Deleted", None, None)
    empty = DesiredWorkspace(root=".", projects=())

    plan = build_plan(empty, world.state(), world.snapshot())
    assert {c.action for c in plan.changes} == {Action.DELETE}
    warnings = [d for d in plan.diagnostics if d.severity is Severity.WARNING]
    assert [(w.address, w.summary) for w in warnings] == [(
        Address("acme"),
        f"acme: deleting project {project_id} also deletes what tailor does not manage in it: "
        "dataset 900 ('made in the Console'), model 901 ('fibo model')",
    )]

    mine_only = build_plan(empty, converged(workspace()).state(),
                           converged(workspace()).snapshot())
    assert [d for d in mine_only.diagnostics if d.severity is Severity.WARNING] == []
