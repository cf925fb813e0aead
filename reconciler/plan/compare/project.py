"""Projects: name, description, ip_name and ip_description update in place (PUT); ip_type and
ip_medium cannot change at Bria (PRJ-UPDATE-IMMUTABLE), so they replace the project and
everything in it. The old project is deposed and deleted by a later plan once nothing trains
in it (deleting it at once would take the old models with it before their successors trained);
an old project that holds nothing, at Bria or in the state (say, one whose datasets went in the
Console and is still locked to the other generation), goes in the same apply.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.addresses import Address, Kind
from reconciler.bria_rules import family_name, family_of
from reconciler.plan import attributes as attrs
from reconciler.plan import fields, rules
from reconciler.plan.compare.checks import check_project
from reconciler.plan.compare.dataset import plan_dataset
from reconciler.plan.compare.dataset_delete import delete_dataset_tree
from reconciler.plan.compare.deposed import deposed_gone
from reconciler.plan.compare.model import delete_model, plan_model
from reconciler.plan.context import Mode, PlanningContext
from reconciler.plan.diff import diff_attributes, drift_fields
from reconciler.plan.draft import DraftPlan
from reconciler.plan.model import (
    Action,
    Change,
    FieldChange,
    Phase,
    Reason,
    ReplaceMode,
    Step,
    StepKind,
)
from reconciler.resources import (
    DEFAULT_DATASET_VERSION,
    DesiredProject,
    JsonValue,
    RecordedResource,
)

_CREATE_FIELDS = tuple(
    (row.name, row.api_field) for row in fields.rules_for(Kind.PROJECT) if row.api_field
)
"""(our field, Bria's request field) of the create body, from the field table."""
_UPDATE_FIELDS = tuple(
    (row.name, row.api_field)
    for row in fields.rules_for(Kind.PROJECT)
    if row.api_field and row.rule is fields.Rule.IN_PLACE
)
"""The fields a PUT can change."""


def body(
    values: Mapping[str, JsonValue], *pairs: tuple[str, str], clear: bool = False
) -> dict[str, JsonValue]:
    """A request body: our field names -> Bria's. A create leaves unset optional values out
    (Bria applies its defaults); an update (`clear`) sends them as null, which clears the
    field at Bria: left out, Bria would keep the old value and every plan show the diff."""
    return {api: values.get(name) for name, api in pairs if clear or values.get(name) is not None}


def plan_project(
    ctx: PlanningContext,
    out: DraftPlan,
    desired: DesiredProject | None,
    rec: RecordedResource | None,
) -> None:
    """Plan one project key: the project's own change, then its datasets, then its models
    (each told how the project is handled and what its dataset gets)."""
    if desired is None:
        assert rec is not None
        delete_project(ctx, out, rec)
        return
    address = desired.address
    after = attrs.project_attributes(desired)
    check_project(out, desired)
    live = ctx.live_project(rec.remote_id) if rec else None
    create = Step(
        StepKind.CREATE_PROJECT,
        address,
        body(after, *_CREATE_FIELDS),
    )
    live_id: int | None = None
    if rec is None:
        warn_unmanaged_project(ctx, out, desired)
        out.add(
            Change(
                address=address,
                action=Action.CREATE,
                reason=Reason.NEW,
                after=after,
                steps=(create,),
                location=desired.location,
            )
        )
        mode = Mode.NEW
    elif live is None:
        out.gone(address)
        out.add(
            Change(
                address=address,
                action=Action.CREATE,
                reason=Reason.RECREATE_DELETED_OUTSIDE,
                before=dict(rec.attributes),
                after=after,
                steps=(create,),
                location=desired.location,
            )
        )
        mode = Mode.RECREATE
    else:
        live_id = rec.remote_id
        view = attrs.live_project_view(live)
        out.add_drift(address, drift_fields(Kind.PROJECT, rec.attributes, view))
        before = {**rec.attributes, **view}
        diffs = diff_attributes(Kind.PROJECT, before, after)
        switch = family_switch(ctx, desired, rec)
        if switch is not None:
            diffs = (*diffs, switch)
        forcing = tuple(fc.field for fc in diffs if fc.forces_replace)
        if forcing:
            empty = _holds_nothing(ctx, rec)
            old = Step(
                StepKind.DELETE_PROJECT,
                address,
                {"old_id": rec.remote_id},
                {"project_id": "old_id"},
                Phase.FINALIZE,
                deferred=not empty,
                note=_EMPTY_NOTE if empty else "deleted by a later plan once no model trains in it",
            )
            out.add(
                Change(
                    address=address,
                    action=Action.REPLACE,
                    reason=Reason.REQUIRES_REPLACE,
                    before=before,
                    after=after,
                    field_changes=diffs,
                    requires_replace=forcing,
                    replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
                    steps=(create, old),
                    notes=(
                        "everything in the project is rebuilt in the new project",
                        *((_FAMILY_NOTE,) if switch is not None else ()),
                    ),
                    remote_id=rec.remote_id,
                    location=desired.location,
                )
            )
            mode = Mode.REPLACE
        else:
            changed = {fc.field for fc in diffs}
            pairs = [(name, api) for name, api in _UPDATE_FIELDS if name in changed]
            steps: tuple[Step, ...] = ()
            if pairs:
                steps = (Step(StepKind.UPDATE_PROJECT, address, body(after, *pairs, clear=True)),)
            out.add(
                Change(
                    address=address,
                    action=Action.UPDATE if diffs else Action.NO_OP,
                    reason=Reason.UPDATED_FIELDS if diffs else Reason.UNCHANGED,
                    before=before,
                    after=after,
                    field_changes=diffs,
                    steps=steps,
                    remote_id=rec.remote_id,
                    location=desired.location,
                )
            )
            mode = Mode.KEEP
        plan_project_deposed(ctx, out, rec, desired)

    _plan_children(ctx, out, desired, mode, live_id)


def _plan_children(
    ctx: PlanningContext,
    out: DraftPlan,
    desired: DesiredProject,
    mode: Mode,
    live_id: int | None,
) -> None:
    """Datasets first: each model is planned against what its dataset gets."""
    address = desired.address
    wanted_datasets = {d.key: d for d in desired.datasets}
    keys = set(wanted_datasets) | {r.address.key for r in ctx.children(address, Kind.DATASET)}
    dataset_actions: dict[Address, Action] = {}
    for key in sorted(keys):
        ds_address = Address(address.project, dataset=key)
        action = plan_dataset(
            ctx,
            out,
            desired,
            mode,
            live_id,
            wanted_datasets.get(key),
            ctx.recorded_at(ds_address),
            ds_address,
        )
        if action is not None:
            dataset_actions[ds_address] = action
    wanted_models = {m.key: m for m in desired.models}
    keys = set(wanted_models) | {r.address.key for r in ctx.children(address, Kind.MODEL)}
    for key in sorted(keys):
        m_address = Address(address.project, model=key)
        model = wanted_models.get(key)
        plan_model(
            ctx,
            out,
            desired,
            mode,
            live_id,
            dataset_actions.get(model.dataset_address) if model else None,
            model,
            ctx.recorded_at(m_address),
            m_address,
        )


_FAMILY_NOTE = (
    "Bria locks a project to the generation of its first dataset (DS-FAMILY-LOCK): datasets of "
    "the other generation need a new project"
)


_EMPTY_NOTE = "nothing is in it, at Bria or in the state: deleted in this apply"


def _holds_nothing(ctx: PlanningContext, rec: RecordedResource) -> bool:
    """The replaced project has no dataset or model, recorded or seen at Bria: no model can
    serve from it until a successor trained, so it need not wait for a later plan."""
    project_id = rec.remote_id
    return not (
        ctx.children(rec.address, Kind.DATASET)
        or ctx.children(rec.address, Kind.MODEL)
        or ctx.unmanaged_datasets(project_id)
        or ctx.unmanaged_models(project_id)
        or ctx.training_on(project_id=project_id)
    )


def family_switch(
    ctx: PlanningContext, desired: DesiredProject, rec: RecordedResource
) -> FieldChange | None:
    """The project's generation, when its datasets move to the other one: the family Bria
    reports the project locked to (it stays locked after its datasets are gone), else the
    state's first dataset's (an older state's are max), against the manifest's first dataset."""
    wanted = sorted(desired.datasets, key=lambda d: d.key)
    if not wanted:
        return None
    live = ctx.live_project(rec.remote_id)
    recorded = sorted(ctx.children(rec.address, Kind.DATASET), key=lambda r: r.address.key)
    if live is not None and live.training_version is not None:
        was = live.training_version
    elif recorded:
        was = str(recorded[0].attributes.get("training_version", DEFAULT_DATASET_VERSION))
    else:
        return None
    now = wanted[0].training_version
    if family_of(was) == family_of(now):
        return None
    return FieldChange(
        "training_version",
        f"{was} ({family_name(family_of(was))})",
        f"{now} ({family_name(family_of(now))})",
        forces_replace=True,
    )


def generation_change(change: Change) -> FieldChange | None:
    """The field change that replaces a project because its datasets move to the other
    generation (DS-FAMILY-LOCK), if that is what replaces it."""
    if change.kind is not Kind.PROJECT:
        return None
    return next(
        (fc for fc in change.field_changes if fc.field == "training_version" and fc.forces_replace),
        None,
    )


def warn_unmanaged_project(ctx: PlanningContext, out: DraftPlan, project: DesiredProject) -> None:
    for live in ctx.unmanaged_projects():
        if live.name == project.name:
            out.warn(
                f"{project.address} looks like it exists already (project {live.remote_id} named "
                f"{live.name!r} is not managed by tailor)",
                project.address,
                project.location,
                detail="to manage it instead of creating a new one: "
                f"tailor import {project.address} {live.remote_id}",
            )
            return


def delete_project(ctx: PlanningContext, out: DraftPlan, rec: RecordedResource) -> None:
    """One DELETE takes the datasets, images and models along (Bria deletes them all);
    children are shown as deletes without steps, training models are stopped first."""
    address = rec.address
    for ds in ctx.children(address, Kind.DATASET):
        delete_dataset_tree(ctx, out, ds, by_parent=True)
    for model in ctx.children(address, Kind.MODEL):
        delete_model(ctx, out, model, by_parent=True)
    notes: tuple[str, ...] = ()
    if ctx.live_project(rec.remote_id) is not None:
        step = Step(StepKind.DELETE_PROJECT, address)
        _warn_unmanaged_inside(ctx, out, rec)
    else:
        out.gone(address)
        step = Step(StepKind.FORGET, address)
        notes = ("already deleted outside tailor",)
    out.remove(rec, by_parent=False, steps=(step,), notes=notes)
    for dep in rec.deposed:
        _deposed_change(ctx, out, rec, dep, retain=False)


def _warn_unmanaged_inside(ctx: PlanningContext, out: DraftPlan, rec: RecordedResource) -> None:
    """Bria deletes a project with everything in it, also what tailor does not manage."""
    others = [
        f"dataset {d.remote_id} ({d.name!r})" for d in ctx.unmanaged_datasets(rec.remote_id)
    ] + [f"model {m.remote_id} ({m.name!r})" for m in ctx.unmanaged_models(rec.remote_id)]
    if others:
        out.warn(
            f"{rec.address}: deleting project {rec.remote_id} also deletes what tailor does not "
            f"manage in it: {', '.join(others)}",
            rec.address,
            detail="Bria deletes a project with everything in it; import or move those first "
            "if they must stay",
        )


def plan_project_deposed(
    ctx: PlanningContext, out: DraftPlan, rec: RecordedResource, desired: DesiredProject
) -> None:
    """A predecessor project goes once nothing trains in it and its successor's models are
    no longer training (they replace the old ones)."""
    successors_training = any(
        (lm := ctx.live_model(r.remote_id)) is not None and lm.status in rules.TRAINING_STATUSES
        for r in ctx.children(rec.address, Kind.MODEL)
    )
    retain = any(m.retain_on_replace for m in desired.models)
    for dep in rec.deposed:
        if ctx.live_project(dep) is not None and (
            successors_training or ctx.training_on(project_id=dep)
        ):
            out.note(rec.address, f"predecessor project {dep} is kept while models train")
            continue
        _deposed_change(ctx, out, rec, dep, retain=retain)


def _deposed_change(
    ctx: PlanningContext, out: DraftPlan, rec: RecordedResource, dep: int, *, retain: bool
) -> None:
    address = rec.address
    if ctx.live_project(dep) is None:
        out.add(deposed_gone(address, dep))
        return
    old = {"old_id": dep}
    if retain:
        step = Step(StepKind.FORGET, address, old)
        note = "retain_on_replace: kept at Bria with its models and forgotten by tailor"
    else:
        step = Step(StepKind.DELETE_PROJECT, address, old, {"project_id": "old_id"})
        note = "deletes the predecessor project with everything still in it"
    out.add(
        Change(
            address=address,
            action=Action.DELETE,
            reason=Reason.DEPOSED_CLEANUP,
            steps=(step,),
            notes=(note,),
            deposed=dep,
        )
    )
