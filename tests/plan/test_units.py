"""Unit tests of the planner's parts: diffs, prefix sampling, the DAG, steps, the plan file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from reconciler.addresses import Address, Kind
from reconciler.errors import PlanError
from reconciler.plan.builder import build_plan
from reconciler.plan.compare.dataset_steps import prefix_sample
from reconciler.plan.diff import diff_attributes, drift_fields
from reconciler.plan.model import (
    Action,
    Phase,
    Reason,
    ReplaceMode,
    Step,
    StepKind,
    node_id,
)
from reconciler.plan.planfile import plan_from_json, plan_to_json
from reconciler.resources import DesiredWorkspace, LiveSnapshot
from tests.plan.factories import converged, dataset, images, model, project, workspace
from tests.plan.scenarios import SCENARIOS

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "plan.schema.json"


def test_undeclared_and_server_default_parameters_are_not_diffs() -> None:
    current = {"parameters": {"rank": 32}, "training_mode": "expert"}
    desired = {"parameters": {"rank": 32}, "training_mode": "expert"}
    assert diff_attributes(Kind.MODEL, current, desired) == ()
    live = {"parameters": {"rank": 32}}
    assert drift_fields(Kind.MODEL, {"parameters": {"rank": 32}}, live) == ()


def test_declared_parameter_change_forces_replace() -> None:
    changes = diff_attributes(
        Kind.MODEL,
        {"parameters": {"rank": 32}},
        {"parameters": {"rank": 64, "lr_scheduler": "cosine"}},
    )
    assert [(c.field, c.before, c.after, c.forces_replace) for c in changes] == [
        ("parameters.lr_scheduler", None, "cosine", True),
        ("parameters.rank", 32, 64, True),
    ]


def test_omitted_prefix_and_automatic_caption_never_diff_or_drift() -> None:
    assert diff_attributes(Kind.DATASET, {"caption_prefix": "x"}, {"caption_prefix": None}) == ()
    assert diff_attributes(Kind.IMAGE, {"caption": "bria's"}, {"caption": None}) == ()
    assert drift_fields(Kind.IMAGE, {"caption": None}, {"caption": "changed by Bria"}) == ()


def test_prefix_in_completed_dataset_forces_replace_but_not_in_draft() -> None:
    draft = diff_attributes(Kind.DATASET, {"caption_prefix": "a"}, {"caption_prefix": "b"})
    frozen = diff_attributes(
        Kind.DATASET, {"caption_prefix": "a"}, {"caption_prefix": "b"}, frozen=True
    )
    assert [c.forces_replace for c in draft] == [False]
    assert [c.forces_replace for c in frozen] == [True]


def test_auto_prefix_is_known_after_apply_only_until_applied() -> None:
    desired = {"caption_prefix": None, "caption_prefix_auto": True}
    fresh = diff_attributes(Kind.DATASET, {"caption_prefix": "literal"}, desired)
    assert [(c.field, c.known_after_apply) for c in fresh] == [("caption_prefix", True)]
    applied = {"caption_prefix": "generated", "caption_prefix_auto": True}
    assert diff_attributes(Kind.DATASET, applied, desired) == ()


def test_prefix_sample_is_deterministic_and_bounded() -> None:
    imgs = images(20)
    sample = prefix_sample(imgs)
    assert len(sample) == 6
    assert prefix_sample(tuple(reversed(imgs))) == sample
    assert len(set(sample)) == 6
    assert prefix_sample(imgs[:4]) == tuple(sorted(imgs[:4], key=lambda i: i.sha256))


def test_step_describes_itself_as_method_and_path() -> None:
    old = Step(
        StepKind.DELETE_MODEL,
        Address.parse("acme/models/light"),
        {"old_id": 7},
        {"model_id": "old_id"},
        deferred=True,
    )
    assert str(old) == "DELETE /tailored-gen/models/{old_id}"
    start = Step(StepKind.START_TRAINING, Address.parse("acme/models/light"))
    assert start.describe() == "POST /tailored-gen/models/{model_id}/start_training"
    assert Step(StepKind.FORGET, Address.parse("acme"), {"old_id": 1}).describe() == (
        "state: forget {old_id}"
    )


def _position(order: tuple[str, ...], node: str) -> int:
    return order.index(node)


def test_forward_order_project_dataset_images_completion_models() -> None:
    plan = SCENARIOS["new_workspace"]().plan
    order = plan.order
    assert order[0] == "acme"
    for image in ("fox-01.png", "fox-02.png", "fox-03.png"):
        node = f"acme/datasets/v1/images/{image}"
        assert _position(order, "acme/datasets/v1") < _position(order, node)
        assert _position(order, node) < _position(order, "acme/datasets/v1#finalize")
    assert _position(order, "acme/datasets/v1#finalize") < _position(order, "acme/models/light")
    assert set(plan.dependencies["acme/models/light"]) >= {"acme", "acme/datasets/v1#finalize"}


def test_deletes_run_in_reverse_dependency_order() -> None:
    ws = workspace(project(datasets=(dataset(), dataset("v2")), models=(model(dataset="v2"),)))
    world = converged(ws)
    plan = build_plan(workspace(project(models=())), world.state(), world.snapshot())
    order = plan.order
    assert plan.change_for("acme/models/light").action is Action.DELETE
    assert _position(order, "acme/models/light") < _position(order, "acme/datasets/v2")
    assert "acme/models/light" in plan.dependencies["acme/datasets/v2"]

    gone = build_plan(workspace(project("other")), world.state(), world.snapshot())
    assert _position(gone.order, "acme/models/light") < _position(gone.order, "acme")
    assert _position(gone.order, "acme/datasets/v2#finalize") < _position(gone.order, "acme")


def test_steps_for_splits_a_dataset_into_main_and_finalize() -> None:
    plan = SCENARIOS["completed_add_image"]().plan
    main = plan.steps_for("acme/datasets/v1")
    finalize = plan.steps_for("acme/datasets/v1#finalize")
    assert [s.kind for s in main] == [StepKind.CLONE_DATASET]
    assert [s.kind for s in finalize] == [StepKind.COMPLETE_DATASET, StepKind.DELETE_DATASET]
    assert all(s.phase is Phase.FINALIZE for s in finalize)
    assert node_id(Address.parse("acme/models/light"), deposed=9) == "acme/models/light~deposed/9"


def test_cascade_replaces_models_create_before_destroy() -> None:
    plan = SCENARIOS["completed_recaption_image"]().plan
    light = plan.change_for("acme/models/light")
    assert light.action is Action.REPLACE
    assert light.reason is Reason.CASCADE
    assert light.replace_mode is ReplaceMode.CREATE_BEFORE_DESTROY
    assert light.replaced_by == Address.parse("acme/datasets/v1")
    assert [s.kind for s in light.steps][-1] is StepKind.DELETE_MODEL
    assert light.steps[-1].deferred


def test_a_live_predecessor_outlives_its_successor_deleted_in_console() -> None:
    plan = SCENARIOS["deposed_kept_when_successor_deleted_in_console"]().plan
    assert [c.deposed for c in plan.changes if c.deposed is not None] == [998]
    gone = next(c for c in plan.changes if c.deposed == 998)
    assert gone.reason is Reason.DEPOSED_GONE
    created = plan.change_for("acme/models/light")
    assert created.action is Action.CREATE
    assert any("predecessor 999 is kept" in note for note in created.notes)


def test_a_live_predecessor_of_an_untrained_recreated_model_is_deleted_or_retained() -> None:
    plan = SCENARIOS["deposed_deleted_when_untrained_successor_recreated"]().plan
    live = next(c for c in plan.changes if c.deposed == 999)
    assert live.reason is Reason.DEPOSED_CLEANUP
    assert [s.kind for s in live.steps] == [StepKind.DELETE_MODEL]
    assert live.steps[0].args == {"old_id": 999}

    ws = workspace(project(models=(model(train=False, retain_on_replace=True),)))
    world = converged(ws)
    address = Address("acme", model="light")
    rec = world.recorded[address]
    world.recorded[address] = replace(rec, deposed=(999,))
    world.models[999] = replace(world.models[rec.remote_id], remote_id=999)
    world.models[rec.remote_id] = replace(world.models[rec.remote_id], status="Deleted")
    retained = build_plan(ws, world.state(), world.snapshot())
    kept = next(c for c in retained.changes if c.deposed == 999)
    assert [s.kind for s in kept.steps] == [StepKind.FORGET]
    assert retained.change_for("acme/models/light").action is Action.CREATE


def test_a_live_predecessor_dataset_outlives_its_successor_deleted_in_console() -> None:
    ws = workspace(project())
    world = converged(ws)
    address = Address("acme", dataset="v1")
    rec = world.recorded[address]
    world.recorded[address] = replace(rec, deposed=(55,))
    world.datasets[55] = replace(world.datasets.pop(rec.remote_id), remote_id=55)
    mid = world.id_of("acme/models/light")
    world.models[mid] = replace(world.models[mid], dataset_id=55, status="InProgress")
    training = build_plan(ws, world.state(), world.snapshot())
    assert training.change_for("acme/datasets/v1").action is Action.CREATE
    assert [c for c in training.changes if c.deposed == 55] == []

    world.models[mid] = replace(world.models[mid], status="Completed")
    done = build_plan(ws, world.state(), world.snapshot())
    cleanup = next(c for c in done.changes if c.deposed == 55)
    assert [(s.kind, s.args) for s in cleanup.steps] == [(StepKind.DELETE_DATASET, {"old_id": 55})]


def test_an_update_sends_removed_optional_fields_as_null_to_clear_them() -> None:
    plan = SCENARIOS["project_optional_fields_removed"]().plan
    change = plan.change_for("acme")
    assert [fc.field for fc in change.field_changes] == ["description", "ip_name", "ip_description"]
    assert [(s.kind, s.args) for s in change.steps] == [
        (
            StepKind.UPDATE_PROJECT,
            {"project_description": "", "ip_name": None, "ip_description": None},
        )
    ]
    # A create still leaves unset values out: Bria applies its defaults.
    fresh = build_plan(
        workspace(project(ip_type="stylized_scene", ip_name=None, ip_description=None)),
        [],
        LiveSnapshot(),
    )
    assert "ip_name" not in fresh.change_for("acme").steps[0].args


def test_a_clean_apply_has_nothing_to_do() -> None:
    plan = SCENARIOS["no_change"]().plan
    assert not plan.has_changes
    assert plan.summary.as_dict() == {
        "create": 0,
        "update": 0,
        "replace": 0,
        "delete": 0,
        "no-op": 7,
    }


def test_manifest_order_does_not_change_the_plan() -> None:
    forward = workspace(
        project(datasets=(dataset(imgs=images(9)),), models=(model("a"), model("b")))
    )
    backward = workspace(
        project(
            datasets=(dataset(imgs=tuple(reversed(images(9)))),), models=(model("b"), model("a"))
        )
    )
    one = build_plan(forward, [], LiveSnapshot())
    two = build_plan(backward, [], LiveSnapshot())
    assert plan_to_json(one) == plan_to_json(two)


def test_saved_plan_of_another_version_is_refused() -> None:
    data = plan_to_json(SCENARIOS["new_workspace"]().plan)
    data["format_version"] = 2
    with pytest.raises(PlanError, match="format_version 2"):
        plan_from_json(data)


def test_broken_saved_plan_is_a_plan_error() -> None:
    data = plan_to_json(SCENARIOS["new_workspace"]().plan)
    data["changes"] = [{"address": "acme"}]
    with pytest.raises(PlanError, match="not a valid tailor plan"):
        plan_from_json(data)


def test_contract_keys_are_present() -> None:
    data = plan_to_json(SCENARIOS["training_version_change"]().plan)
    assert {"format_version", "state", "changes", "drift", "summary", "errors"} <= set(data)
    assert data["state"] == {"lineage": "3f0c6f7e-lineage", "serial": 6}
    change = next(c for c in data["changes"] if c["address"] == "acme/models/light")
    assert change["action"] == "replace"
    assert change["replace_mode"] == "create_before_destroy"
    assert change["requires_replace"] == ["training_version"]
    assert change["steps"] == [
        "POST /tailored-gen/models",
        "POST /tailored-gen/models/{model_id}/start_training",
        "DELETE /tailored-gen/models/{old_id}",
    ]


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_plan_json_matches_the_schema(name: str) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(json.dumps(plan_to_json(SCENARIOS[name]().plan))), schema)


def test_schema_enums_follow_the_code() -> None:
    defs = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]
    assert defs["Change"]["properties"]["action"]["enum"] == [a.value for a in Action]
    assert defs["Change"]["properties"]["reason"]["enum"] == [r.value for r in Reason]
    assert defs["Step"]["properties"]["kind"]["enum"] == [k.value for k in StepKind]


def test_prevent_destroy_on_a_rebuilt_dataset_is_an_error_and_the_plan_still_shows_all() -> None:
    def ws(count: int) -> DesiredWorkspace:
        return workspace(project(datasets=(dataset(imgs=images(count), prevent_destroy=True),)))

    world = converged(ws(3))
    plan = build_plan(ws(4), world.state(), world.snapshot())
    assert [e.address for e in plan.errors] == [Address.parse("acme/datasets/v1")]
    assert "prevent_destroy" in plan.errors[0].summary
    assert plan.change_for("acme/models/light").action is Action.REPLACE


def test_refresh_only_has_no_changes_but_reports_drift() -> None:
    plan = SCENARIOS["refresh_only"]().plan
    assert plan.changes == ()
    assert plan.refresh_only
    assert plan.has_changes
    assert [(str(d.address), d.field) for d in plan.drift] == [("acme", "description")]


def test_targets_keep_dependencies_and_drop_the_rest() -> None:
    plan = SCENARIOS["target_one_model"]().plan
    addresses = {str(c.address) for c in plan.changes}
    assert "acme/models/light" not in addresses
    assert "acme/datasets/v1" not in addresses
    assert {"acme", "acme/datasets/v2", "acme/models/max"} <= addresses
    assert plan.targets == (Address.parse("acme/models/max"),)


@pytest.mark.parametrize("status", [None, "pending", "processing", "completed", "failed"])
def test_an_empty_advanced_dataset_gets_its_bulk_upload_only_if_bria_saw_none(
    status: str | None,
) -> None:
    """BULK-ONCE-ONLY: once Bria reports a bulk upload (whatever its status), the images come
    with a new dataset; with none, by a bulk upload into this one."""
    bulk = dataset("bulk", upload_type="advanced", imgs=images(2, dataset="bulk"))
    ws = workspace(project(datasets=(bulk,), models=()))
    world = converged(ws)
    did = world.keep_images("acme/datasets/bulk", 0)
    world.datasets[did] = replace(
        world.datasets[did], status="draft", images_count=0, bulk_status=status
    )
    recorded = world.recorded[bulk.address]
    world.recorded[bulk.address] = replace(
        recorded, attributes={**recorded.attributes, "completed": False}
    )
    change = build_plan(ws, world.state(), world.snapshot()).change_for("acme/datasets/bulk")
    assert change is not None
    uploads = [s for s in change.steps if s.kind is StepKind.BULK_UPLOAD]
    assert len(uploads) == 1
    creates = [s for s in change.steps if s.kind is StepKind.CREATE_DATASET]
    if status is None:
        assert (change.action, change.reason, creates) == (Action.UPDATE, Reason.UPDATED_FIELDS, [])
        return
    assert (change.action, change.reason) == (Action.REPLACE, Reason.BULK_ONCE_ONLY)
    assert len(creates) == 1 and change.requires_replace == ("images",)
    assert [n for n in change.notes if f"bulk upload as {status!r}" in n], change.notes


def test_a_target_that_matches_nothing_is_an_error_naming_the_closest() -> None:
    ws = workspace(project())
    plan = build_plan(ws, [], LiveSnapshot(), targets=(Address.parse("acme/models/lite"),))
    assert [(d.summary, d.detail) for d in plan.errors] == [
        ("--target acme/models/lite matches nothing in the manifests or the state",
         "did you mean acme/models/light?")
    ]
    assert plan.changes == ()
    found = build_plan(ws, [], LiveSnapshot(), targets=(Address.parse("acme/models/light"),))
    assert found.errors == ()


def test_saved_plan_without_its_state_serial_is_refused() -> None:
    data = plan_to_json(SCENARIOS["new_workspace"]().plan)
    data["state"] = {"lineage": None}
    with pytest.raises(PlanError, match=r"it has no state\.lineage, state\.serial"):
        plan_from_json(data)
