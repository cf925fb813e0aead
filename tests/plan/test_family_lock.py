"""The family Bria locked a project to (DS-FAMILY-LOCK) is a planning input: refresh reads it
from Bria's project, and it outranks the state's datasets, which may be gone or never recorded.
Pure: the live snapshot is built by hand."""

from __future__ import annotations

from dataclasses import replace

from reconciler.addresses import Address
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Action, Change, Plan
from reconciler.resources import DesiredWorkspace
from tests.plan.factories import World, converged, project, workspace


def _project_change(plan: Plan) -> Change:
    (change,) = [c for c in plan.changes if c.address == Address("acme")]
    return change


def _locked(world: World, family: str | None) -> World:
    (pid,) = world.projects
    world.projects[pid] = replace(world.projects[pid], training_version=family)
    return world


def _plan(ws: DesiredWorkspace, world: World) -> Plan:
    return build_plan(ws, world.state(), world.snapshot())


def test_bria_s_lock_replaces_a_project_whose_state_holds_no_dataset() -> None:
    """Its FIBO datasets were deleted in the Console: the state has nothing to say, but Bria
    keeps the project locked, and a legacy dataset created in it would be refused."""
    empty = workspace(project(datasets=(), models=()))
    world = _locked(converged(empty), "fibo")
    plan = _plan(workspace(project()), world)
    change = _project_change(plan)
    assert plan.errors == ()
    assert change.action is Action.REPLACE
    assert change.requires_replace == ("training_version",)
    (switch,) = change.field_changes
    assert (switch.before, switch.after) == ("fibo (FIBO)", "max (legacy)")


def test_without_bria_s_lock_an_empty_project_is_kept() -> None:
    """What the planner did before it read the lock: nothing recorded, nothing to switch."""
    empty = workspace(project(datasets=(), models=()))
    plan = _plan(workspace(project()), converged(empty))
    assert _project_change(plan).action is Action.NO_OP


def test_bria_s_lock_outranks_the_state_s_datasets() -> None:
    ws = workspace(project())
    world = converged(ws)
    for address, rec in list(world.recorded.items()):
        if address.dataset is not None and address.image is None:
            world.recorded[address] = replace(
                rec, attributes={**rec.attributes, "training_version": "fibo"}
            )
    assert _project_change(_plan(ws, _locked(world, None))).action is Action.REPLACE
    kept = _plan(ws, _locked(world, "max"))
    assert _project_change(kept).action is Action.NO_OP


def test_a_lock_bria_reports_in_its_own_spelling_is_a_family() -> None:
    """Any legacy version locks the project to the legacy family: no switch among them."""
    ws = workspace(project())
    for family in ("max", "light", "3.2", "2.3"):
        plan = _plan(ws, _locked(converged(ws), family))
        assert _project_change(plan).action is Action.NO_OP, family


def test_a_protected_project_switching_generation_names_the_switch_and_the_lock() -> None:
    """prevent_destroy on a legacy project whose manifest turns FIBO: the error says the
    generation changes, with Bria's constraint, not a generic forced replace."""
    from tests.plan.scenarios_fibo import (
        fibo_project_back_to_legacy_prevent_destroy,
        project_switches_family_prevent_destroy,
    )

    (error,) = project_switches_family_prevent_destroy().plan.errors
    assert error.summary == (
        "acme has lifecycle.prevent_destroy, but the plan would replace it: its generation "
        "changes: max (legacy) -> fibo (FIBO)"
    )
    assert error.constraint == "DS-FAMILY-LOCK"
    back = fibo_project_back_to_legacy_prevent_destroy().plan.errors
    assert [(e.summary.rsplit(": ", 1)[-1], e.constraint) for e in back] == [
        ("fibo (FIBO) -> max (legacy)", "DS-FAMILY-LOCK")
    ]
