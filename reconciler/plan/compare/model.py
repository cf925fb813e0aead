"""Models: name and description update in place; dataset, training_version, training_mode
and parameters cannot change at Bria (MODEL-UPDATE-NAME-DESC-ONLY) and replace the model.

Replacement is create-before-destroy: the new model is created and trained, and the old one
- is deleted later (a deferred step: its id stays in the state as deposed, and the first plan
  that sees the successor Completed deletes it) when it serves (Completed) or may still
  (InProgress) and the successor trains;
- is deleted at once when it never served (Created, Failed, Stopped) or the successor does
  not train;
- is forgotten, not deleted, with `retain_on_replace`.
A model whose training Failed or was Stopped is replaced (Bria cannot restart a training);
one still Created with `train: true` gets its start_training. Deleting a training model stops
it first, with a warning: the training is paid for and cannot be resumed.
A model deleted in the Console is created again; its predecessors that Bria still has stay
recorded (they are billed) and go as above: once the new model trained, or at once when it
does not train.
"""

from __future__ import annotations

from reconciler.addresses import Address, Kind
from reconciler.plan import attributes as attrs
from reconciler.plan import rules
from reconciler.plan.attributes import Attrs
from reconciler.plan.compare.checks import check_model
from reconciler.plan.compare.deposed import deposed_gone
from reconciler.plan.compare.model_steps import (
    OLD_ID_PARAMS,
    creation_steps,
    start_training,
    stop_steps,
    stop_then_delete,
    training_note,
)
from reconciler.plan.context import Mode, PlanningContext
from reconciler.plan.diff import diff_attributes, drift_fields
from reconciler.plan.draft import DraftPlan
from reconciler.plan.model import (
    WAITING_NOTE,
    Action,
    Change,
    FieldChange,
    Reason,
    ReplaceMode,
    Step,
    StepKind,
)
from reconciler.resources import (
    DesiredModel,
    DesiredProject,
    JsonValue,
    LiveModel,
    RecordedResource,
)


def plan_model(
    ctx: PlanningContext,
    out: DraftPlan,
    project: DesiredProject,
    parent_mode: Mode,
    project_live_id: int | None,
    dataset_action: Action | None,
    desired: DesiredModel | None,
    rec: RecordedResource | None,
    address: Address,
) -> None:
    """Plan one model key of a project. `dataset_action` is what its dataset gets in this
    plan (a replaced dataset retrains the model on the new one)."""
    if desired is None:
        assert rec is not None
        delete_model(ctx, out, rec, by_parent=False)
        return
    after = attrs.model_attributes(desired)
    dataset = next((d for d in project.datasets if d.key == desired.dataset), None)
    check_model(out, project, desired, dataset)
    live = ctx.live_model(rec.remote_id) if rec else None
    if parent_mode is Mode.NEW or rec is None:
        if parent_mode is Mode.KEEP:
            warn_unmanaged_model(ctx, out, desired, project_live_id)
        _create(ctx, out, desired, after, Reason.NEW, None, rec)
        return
    if parent_mode is Mode.RECREATE or live is None:
        if parent_mode is Mode.KEEP:
            out.gone(address)
        _create(
            ctx, out, desired, after, Reason.RECREATE_DELETED_OUTSIDE, dict(rec.attributes), rec
        )
        return
    declared = after["parameters"] if isinstance(after["parameters"], dict) else {}
    dataset_key = _dataset_key(ctx, project.address, live.dataset_id)
    view = attrs.live_model_view(live, dataset_key, declared)
    out.add_drift(address, drift_fields(Kind.MODEL, rec.attributes, view))
    before: Attrs = {**rec.attributes, **view}
    if "parameters" in rec.attributes:
        before["parameters"] = rec.attributes["parameters"]
    diffs = diff_attributes(Kind.MODEL, before, after)
    forcing = tuple(dict.fromkeys(fc.field.split(".")[0] for fc in diffs if fc.forces_replace))
    why: tuple[Reason, tuple[str, ...], Address | None] | None = None
    if parent_mode is Mode.REPLACE:
        why = (Reason.CASCADE, (), project.address)
    elif forcing:
        why = (Reason.REQUIRES_REPLACE, forcing, None)
    elif dataset_action is Action.REPLACE:
        why = (Reason.CASCADE, ("dataset",), desired.dataset_address)
    elif desired.train and live.status in rules.RETRAIN_STATUSES:
        why = (Reason.TRAINING_FAILED, (), None)
    if why is None:
        _update(out, desired, rec, live, before, after, diffs)
    else:
        reason, requires, replaced_by = why
        _replace(
            out, desired, rec, live, before, after, diffs, requires, reason, replaced_by=replaced_by
        )
    plan_model_deposed(ctx, out, desired, rec, live)


def warn_unmanaged_model(
    ctx: PlanningContext, out: DraftPlan, model: DesiredModel, project_id: int | None
) -> None:
    if project_id is None:
        return
    for live in ctx.unmanaged_models(project_id):
        if live.name == model.name:
            out.warn(
                f"{model.address} looks like it exists already (model {live.remote_id} named "
                f"{live.name!r} is not managed by tailor)",
                model.address,
                model.location,
                detail=f"to manage it: tailor import {model.address} {live.remote_id}",
            )
            return


def _dataset_key(ctx: PlanningContext, project: Address, dataset_id: int | None) -> str | None:
    for r in ctx.children(project, Kind.DATASET):
        if dataset_id is not None and (r.remote_id == dataset_id or dataset_id in r.deposed):
            return r.address.key
    return None


def _create(
    ctx: PlanningContext,
    out: DraftPlan,
    desired: DesiredModel,
    after: Attrs,
    reason: Reason,
    before: Attrs | None,
    rec: RecordedResource | None,
) -> None:
    out.add(
        Change(
            address=desired.address,
            action=Action.CREATE,
            reason=reason,
            before=before,
            after=after,
            steps=tuple(creation_steps(desired)),
            notes=(training_note(desired),) if desired.train else (),
            location=desired.location,
        )
    )
    if rec is not None:
        plan_model_deposed(ctx, out, desired, rec, None)


def _replace(
    out: DraftPlan,
    desired: DesiredModel,
    rec: RecordedResource,
    live: LiveModel,
    before: Attrs,
    after: Attrs,
    diffs: tuple[FieldChange, ...],
    forcing: tuple[str, ...],
    reason: Reason,
    *,
    replaced_by: Address | None = None,
) -> None:
    address = desired.address
    steps = creation_steps(desired)
    notes = [training_note(desired)] if desired.train else []
    old: dict[str, JsonValue] = {"old_id": rec.remote_id}
    if desired.retain_on_replace:
        steps.append(Step(StepKind.FORGET, address, old))
        notes.append(
            f"retain_on_replace: model {rec.remote_id} stays at Bria and is forgotten by tailor"
        )
    elif desired.train and live.status in ("Completed", "InProgress"):
        steps.append(
            Step(
                StepKind.DELETE_MODEL,
                address,
                old,
                OLD_ID_PARAMS,
                deferred=True,
                note="after the new model's training Completed",
            )
        )
        notes.append(
            f"model {rec.remote_id} keeps serving until the new model finished "
            "training; a later plan deletes it"
        )
    else:
        steps.extend(stop_then_delete(address, old, live.status))
    out.add(
        Change(
            address=address,
            action=Action.REPLACE,
            reason=reason,
            before=before,
            after=after,
            field_changes=diffs,
            requires_replace=forcing,
            replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
            replaced_by=replaced_by,
            steps=tuple(steps),
            notes=tuple(notes),
            remote_id=rec.remote_id,
            location=desired.location,
        )
    )


def _update(
    out: DraftPlan,
    desired: DesiredModel,
    rec: RecordedResource,
    live: LiveModel,
    before: Attrs,
    after: Attrs,
    diffs: tuple[FieldChange, ...],
) -> None:
    changed = {fc.field for fc in diffs}
    steps: list[Step] = []
    body: dict[str, JsonValue] = {k: after[k] for k in ("name", "description") if k in changed}
    if body:
        steps.append(Step(StepKind.UPDATE_MODEL, desired.address, body))
    notes: tuple[str, ...] = ()
    reason = Reason.UPDATED_FIELDS if diffs else Reason.UNCHANGED
    if desired.train and live.status == "Created":
        steps.append(start_training(desired))
        notes = (training_note(desired),)
        if not diffs:
            reason = Reason.TRAINING_NOT_STARTED
    out.add(
        Change(
            address=desired.address,
            action=Action.UPDATE if diffs or steps else Action.NO_OP,
            reason=reason,
            before=before,
            after=after,
            field_changes=diffs,
            steps=tuple(steps),
            notes=notes,
            remote_id=rec.remote_id,
            location=desired.location,
        )
    )


def delete_model(
    ctx: PlanningContext, out: DraftPlan, rec: RecordedResource, *, by_parent: bool
) -> None:
    """Under a deleted project, the project's DELETE removes the model; only a stop (when it
    trains) is its own."""
    address = rec.address
    live = ctx.live_model(rec.remote_id)
    steps: list[Step] = []
    notes: tuple[str, ...] = ()
    if live is None:
        if not by_parent:
            out.gone(address)
            steps.append(Step(StepKind.FORGET, address))
            notes = ("already deleted outside tailor",)
    else:
        if live.status in rules.TRAINING_STATUSES:
            steps.extend(stop_steps(address, {}, live.status))
            out.warn(
                f"{address} is training; deleting it stops the training, which cannot be resumed",
                address,
            )
        if not by_parent:
            steps.append(Step(StepKind.DELETE_MODEL, address))
    out.remove(rec, by_parent=by_parent, steps=tuple(steps), notes=notes)
    for dep in rec.deposed:
        _delete_deposed(ctx, out, address, dep, Reason.DEPOSED_CLEANUP, ())


def plan_model_deposed(
    ctx: PlanningContext,
    out: DraftPlan,
    desired: DesiredModel,
    rec: RecordedResource,
    live: LiveModel | None,
) -> None:
    """Predecessors Bria still has stay recorded until their successor serves. `live` None:
    the successor is created by this plan (the recorded one was deleted in the Console), so
    a predecessor waits for its training, or goes now when it will not train."""
    for dep in rec.deposed:
        if ctx.live_model(dep) is None:
            out.add(deposed_gone(desired.address, dep))
        elif live is None and not desired.train:
            _retire_deposed(ctx, out, desired, dep, "its successor is created without training")
        elif live is None or live.status != "Completed":
            out.note(desired.address, WAITING_NOTE.format(dep=dep))
        else:
            why = f"its successor {rec.remote_id} finished training"
            _retire_deposed(ctx, out, desired, dep, why)


def _retire_deposed(
    ctx: PlanningContext, out: DraftPlan, desired: DesiredModel, dep: int, why: str
) -> None:
    """A live predecessor no longer needed: forgotten with retain_on_replace, else deleted."""
    if desired.retain_on_replace:
        out.add(
            Change(
                address=desired.address,
                action=Action.DELETE,
                reason=Reason.DEPOSED_CLEANUP,
                steps=(Step(StepKind.FORGET, desired.address, {"old_id": dep}),),
                notes=("retain_on_replace: kept at Bria and forgotten by tailor",),
                deposed=dep,
            )
        )
    else:
        _delete_deposed(ctx, out, desired.address, dep, Reason.DEPOSED_CLEANUP, (why,))


def _delete_deposed(
    ctx: PlanningContext,
    out: DraftPlan,
    address: Address,
    dep: int,
    reason: Reason,
    notes: tuple[str, ...],
) -> None:
    old: dict[str, JsonValue] = {"old_id": dep}
    live = ctx.live_model(dep)
    steps: list[Step] = []
    if live is None:
        steps.append(Step(StepKind.FORGET, address, old))
    else:
        steps.extend(stop_then_delete(address, old, live.status))
    out.add(
        Change(
            address=address,
            action=Action.DELETE,
            reason=reason,
            steps=tuple(steps),
            notes=notes,
            deposed=dep,
        )
    )
