"""Projects: name, description, ip_name and ip_description update in place (PUT); ip_type and
ip_medium cannot change at Bria (PRJ-UPDATE-IMMUTABLE), so they replace the project and
everything in it. The old project is deposed and deleted by a later plan once nothing trains
in it (deleting it at once would take the old models with it before their successors trained).
"""

from __future__ import annotations

from reconciler.addresses import Address, Kind
from reconciler.plan import attributes as attrs
from reconciler.plan import rules
from reconciler.plan.compare.dataset import delete_dataset_tree, plan_dataset
from reconciler.plan.compare.model import delete_model, plan_model
from reconciler.plan.diff import diff_attributes, drift_fields
from reconciler.plan.model import Action, Change, Phase, Reason, ReplaceMode, Step, StepKind
from reconciler.plan.planner import Mode, Planner, body, deposed_gone
from reconciler.resources import (
    ILLUSTRATION_ONLY_IP_TYPES,
    IP_DESCRIPTION_REQUIRED,
    IP_NAME_REQUIRED,
    DesiredProject,
    RecordedResource,
)

_CREATE_FIELDS = tuple(
    (row.name, row.api_field) for row in rules.rules_for(Kind.PROJECT) if row.api_field
)
"""(our field, Bria's request field) of the create body, from the rules table."""
_UPDATE_FIELDS = tuple(
    (row.name, row.api_field)
    for row in rules.rules_for(Kind.PROJECT)
    if row.api_field and row.rule is rules.Rule.IN_PLACE
)
"""The fields a PUT can change."""


def plan_project(p: Planner, desired: DesiredProject | None, rec: RecordedResource | None) -> None:
    if desired is None:
        assert rec is not None
        delete_project(p, rec)
        return
    address = desired.address
    after = attrs.project_attributes(desired)
    check_project(p, desired)
    live = p.live.projects.get(rec.remote_id) if rec else None
    create = Step(
        StepKind.CREATE_PROJECT,
        address,
        body(after, *_CREATE_FIELDS),
    )
    live_id: int | None = None
    if rec is None:
        warn_unmanaged_project(p, desired)
        p.add(
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
        p.gone(address)
        p.add(
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
        p.add_drift(address, drift_fields(Kind.PROJECT, rec.attributes, view))
        before = {**rec.attributes, **view}
        diffs = diff_attributes(Kind.PROJECT, before, after)
        forcing = tuple(fc.field for fc in diffs if fc.forces_replace)
        if forcing:
            old = Step(
                StepKind.DELETE_PROJECT,
                address,
                {"old_id": rec.remote_id},
                {"project_id": "old_id"},
                Phase.FINALIZE,
                deferred=True,
                note="deleted by a later plan once no model trains in it",
            )
            p.add(
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
                    notes=("everything in the project is rebuilt in the new project",),
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
            p.add(
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
        plan_project_deposed(p, rec, desired)

    wanted_datasets = {d.key: d for d in desired.datasets}
    keys = set(wanted_datasets) | {r.address.key for r in p.children(address, Kind.DATASET)}
    for key in sorted(keys):
        ds_address = Address(address.project, dataset=key)
        plan_dataset(
            p,
            desired,
            mode,
            live_id,
            wanted_datasets.get(key),
            p.recorded.get(ds_address),
            ds_address,
        )
    wanted_models = {m.key: m for m in desired.models}
    keys = set(wanted_models) | {r.address.key for r in p.children(address, Kind.MODEL)}
    for key in sorted(keys):
        m_address = Address(address.project, model=key)
        plan_model(p, desired, mode, wanted_models.get(key), p.recorded.get(m_address), m_address)


def check_project(p: Planner, project: DesiredProject) -> None:
    """Bria's create/update rules (PRJ-*), checked before any call."""
    address, where, ip_type = project.address, project.location, project.ip_type
    if ip_type in IP_NAME_REQUIRED and not project.ip_name:
        p.error(
            f"{address}: ip.name is required for {ip_type}",
            address,
            where,
            constraint="PRJ-IP-NAME-REQUIRED",
        )
    if ip_type in IP_DESCRIPTION_REQUIRED and not project.ip_description:
        p.error(
            f"{address}: ip.description is required for {ip_type}",
            address,
            where,
            constraint="PRJ-IP-DESC-REQUIRED",
        )
    if ip_type in ILLUSTRATION_ONLY_IP_TYPES and project.ip_medium != "illustration":
        p.error(
            f"{address}: {ip_type} needs ip.medium illustration",
            address,
            where,
            constraint="PRJ-MEDIUM-ILLUSTRATION-ONLY",
        )


def warn_unmanaged_project(p: Planner, project: DesiredProject) -> None:
    managed = p.managed_ids(Kind.PROJECT)
    for remote_id, live in sorted(p.live.projects.items()):
        if remote_id not in managed and live.name == project.name:
            p.warn(
                f"{project.address} looks like it exists already (project {remote_id} named "
                f"{live.name!r} is not managed by tailor)",
                project.address,
                project.location,
                detail="to manage it instead of creating a new one: "
                f"tailor import {project.address} {remote_id}",
            )
            return


def delete_project(p: Planner, rec: RecordedResource) -> None:
    """One DELETE takes the datasets, images and models along (Bria deletes them all);
    children are shown as deletes without steps, training models are stopped first."""
    address = rec.address
    for ds in p.children(address, Kind.DATASET):
        delete_dataset_tree(p, ds, by_parent=True)
    for model in p.children(address, Kind.MODEL):
        delete_model(p, model, by_parent=True)
    notes: tuple[str, ...] = ()
    if rec.remote_id in p.live.projects:
        step = Step(StepKind.DELETE_PROJECT, address)
        _warn_unmanaged_inside(p, rec)
    else:
        p.gone(address)
        step = Step(StepKind.FORGET, address)
        notes = ("already deleted outside tailor",)
    p.add(
        Change(
            address=address,
            action=Action.DELETE,
            reason=Reason.REMOVED_FROM_MANIFEST,
            before=dict(rec.attributes),
            steps=(step,),
            notes=notes,
            remote_id=rec.remote_id,
        )
    )
    for dep in rec.deposed:
        _deposed_change(p, rec, dep, retain=False)


def _warn_unmanaged_inside(p: Planner, rec: RecordedResource) -> None:
    """Bria deletes a project with everything in it, also what tailor does not manage."""
    datasets = p.managed_ids(Kind.DATASET)
    models = p.managed_ids(Kind.MODEL)
    others = [
        f"dataset {d.remote_id} ({d.name!r})"
        for d in sorted(p.live.datasets.values(), key=lambda d: d.remote_id)
        if d.project_id == rec.remote_id and d.remote_id not in datasets
    ] + [
        f"model {m.remote_id} ({m.name!r})"
        for m in sorted(p.live.models.values(), key=lambda m: m.remote_id)
        if m.project_id == rec.remote_id and m.remote_id not in models and m.status != "Deleted"
    ]
    if others:
        p.warn(
            f"{rec.address}: deleting project {rec.remote_id} also deletes what tailor does not "
            f"manage in it: {', '.join(others)}",
            rec.address,
            detail="Bria deletes a project with everything in it; import or move those first "
            "if they must stay",
        )


def plan_project_deposed(p: Planner, rec: RecordedResource, desired: DesiredProject) -> None:
    """A predecessor project goes once nothing trains in it and its successor's models are
    no longer training (they replace the old ones)."""
    successors_training = any(
        (lm := p.live_model(r.remote_id)) is not None and lm.status in rules.TRAINING_STATUSES
        for r in p.children(rec.address, Kind.MODEL)
    )
    retain = any(m.retain_on_replace for m in desired.models)
    for dep in rec.deposed:
        if dep in p.live.projects and (successors_training or p.training_on(project_id=dep)):
            p.note(rec.address, f"predecessor project {dep} is kept while models train")
            continue
        _deposed_change(p, rec, dep, retain=retain)


def _deposed_change(p: Planner, rec: RecordedResource, dep: int, *, retain: bool) -> None:
    address = rec.address
    if dep not in p.live.projects:
        p.add(deposed_gone(address, dep))
        return
    old = {"old_id": dep}
    if retain:
        step = Step(StepKind.FORGET, address, old)
        note = "retain_on_replace: kept at Bria with its models and forgotten by tailor"
    else:
        step = Step(StepKind.DELETE_PROJECT, address, old, {"project_id": "old_id"})
        note = "deletes the predecessor project with everything still in it"
    p.add(
        Change(
            address=address,
            action=Action.DELETE,
            reason=Reason.DEPOSED_CLEANUP,
            steps=(step,),
            notes=(note,),
            deposed=dep,
        )
    )
