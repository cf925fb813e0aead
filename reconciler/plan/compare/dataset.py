"""Datasets: what each declared or recorded dataset gets: create, update, rebuild or delete.

A draft dataset is edited in place: name and caption prefix by PUT (the prefix before any
upload), images uploaded, deleted (content changed under the same name = delete + upload),
captions PUT, and completion last. Images whose caption is automatic get `regenerate_caption`
one by one after a prefix change, so explicit captions are never overwritten.

A completed dataset is never edited (Bria refuses image, caption and prefix changes): any such
change replaces it. Where a clone ends exactly as the manifest declares, the successor is a
Clone Dataset As Draft of it with only the changed images edited (`dataset_clone`); otherwise
the rebuild creates a NEW dataset, uploads every image, captions, completes, then deletes the
old dataset (deferred while a model still trains on it). The plan says which and why. The same
replace answers `completed: false` on a completed dataset (no reopening at Bria); a rebuild
answers an advanced dataset whose one bulk upload is spent (BULK-ONCE-ONLY): images added or
changed after it, or none arrived but Bria reports the upload started (it failed, rejected
every image, or was sent from the Console), where another bulk upload would be refused (Bria
documents a 400). `caption_prefix: auto` on a rebuild is generated again from the new images.
A FIBO dataset's visual schema and refine instructions shape its captions as the prefix does:
set again in place on a draft (`dataset_update`), a new dataset once completed.

A dataset deleted in the Console is recreated with its images; its models are not replaced,
since the content they trained on is the same.
"""

from __future__ import annotations

from reconciler.addresses import Address, Kind
from reconciler.plan import attributes as attrs
from reconciler.plan.build_path import BuildPath, ReplacePath
from reconciler.plan.compare.checks import check_dataset
from reconciler.plan.compare.dataset_build import build_dataset
from reconciler.plan.compare.dataset_bulk import bulk_once_only_note, second_bulk_upload
from reconciler.plan.compare.dataset_clone import clone_blocker, plan_by_clone, rebuild_why
from reconciler.plan.compare.dataset_delete import delete_dataset_tree
from reconciler.plan.compare.dataset_update import (
    CAPTIONING_FIELDS,
    SCHEMA_LOCKED_NOTE,
    refined_schema,
    update_dataset,
)
from reconciler.plan.compare.image import image_content_changes, image_drift
from reconciler.plan.compare.unchanged import plan_unchanged_completed
from reconciler.plan.context import Mode, PlanningContext
from reconciler.plan.diff import diff_attributes, drift_fields
from reconciler.plan.draft import DraftPlan
from reconciler.plan.model import (
    Action,
    FieldChange,
    Reason,
)
from reconciler.resources import DesiredDataset, DesiredProject, JsonValue, RecordedResource


def plan_dataset(
    ctx: PlanningContext,
    out: DraftPlan,
    project: DesiredProject,
    parent_mode: Mode,
    project_live_id: int | None,
    desired: DesiredDataset | None,
    rec: RecordedResource | None,
    address: Address,
) -> Action | None:
    """Plan one dataset key of a project; the action its dataset gets (None: deleted), which
    the project's models are planned against."""
    if desired is None:
        assert rec is not None
        delete_dataset_tree(ctx, out, rec, by_parent=False)
        return None
    check_dataset(out, project, desired)
    after = attrs.dataset_attributes(desired)
    live = ctx.live_dataset(rec.remote_id) if rec else None
    if parent_mode is Mode.NEW or rec is None:
        if parent_mode is Mode.KEEP:
            warn_unmanaged_dataset(ctx, out, desired, project_live_id)
        return build_dataset(
            ctx, out, project, desired, rec, Action.CREATE, Reason.NEW, None, after
        )
    if parent_mode is Mode.RECREATE or live is None:
        if parent_mode is Mode.KEEP:
            out.gone(address)
        return build_dataset(
            ctx,
            out,
            project,
            desired,
            rec,
            Action.CREATE,
            Reason.RECREATE_DELETED_OUTSIDE,
            dict(rec.attributes),
            after,
        )
    view = attrs.live_dataset_view(live)
    out.add_drift(address, drift_fields(Kind.DATASET, rec.attributes, view))
    before: dict[str, JsonValue] = {**rec.attributes, **view}
    if parent_mode is Mode.KEEP and plan_unchanged_completed(
        ctx, out, desired, rec, live, before, after
    ):
        return Action.NO_OP
    image_drift(ctx, out, rec, live)
    if parent_mode is Mode.REPLACE:
        return build_dataset(
            ctx,
            out,
            project,
            desired,
            rec,
            Action.REPLACE,
            Reason.CASCADE,
            before,
            after,
            diffs=_cascaded_fields(before, after),
            replaced_by=project.address,
            replace_path=ReplacePath(BuildPath.REBUILD, rebuild_why(Reason.CASCADE)),
        )
    completed = bool(view["completed"]) or rec.attributes.get("completed") is True
    diffs = refined_schema(
        diff_attributes(Kind.DATASET, before, after, frozen=completed), before, after
    )
    content = image_content_changes(ctx, desired, rec, live)
    captioning = [fc.field for fc in diffs if fc.field in CAPTIONING_FIELDS]
    forcing = [fc.field for fc in diffs if fc.forces_replace and fc.field not in CAPTIONING_FIELDS]
    reason: Reason | None = None
    notes: tuple[str, ...] = ()
    if forcing:
        reason = Reason.REQUIRES_REPLACE
    elif completed and (content or captioning):
        reason = Reason.COMPLETED_DATASET_CONTENT
        forcing = (["images"] if content else []) + captioning
        notes = (SCHEMA_LOCKED_NOTE,) if desired.is_fibo else ()
    elif completed and not desired.completed:
        reason = Reason.DATASET_REOPEN
        forcing = ["completed"]
    elif second_bulk_upload(ctx, desired, live, content):
        reason = Reason.BULK_ONCE_ONLY
        forcing = ["images"]
        notes = (bulk_once_only_note(live),)
    if reason is None:
        return update_dataset(ctx, out, project, desired, rec, live, before, after, diffs)
    why = rebuild_why(reason)
    if reason in (Reason.COMPLETED_DATASET_CONTENT, Reason.DATASET_REOPEN):
        blocker = clone_blocker(ctx, desired, rec, live, diffs, content)
        if blocker is None:
            blocker = plan_by_clone(
                ctx, out, desired, rec, live, before, after, diffs, reason, tuple(forcing), notes
            )
            if blocker is None:
                return Action.REPLACE
        why = blocker
    return build_dataset(
        ctx,
        out,
        project,
        desired,
        rec,
        Action.REPLACE,
        reason,
        before,
        after,
        diffs=diffs,
        requires=tuple(forcing),
        old_live=live,
        notes=notes,
        replace_path=ReplacePath(BuildPath.REBUILD, why),
    )


def _cascaded_fields(
    before: dict[str, JsonValue], after: dict[str, JsonValue]
) -> tuple[FieldChange, ...]:
    """What changes in a dataset rebuilt with its project (its generation, in a family
    switch), leaving out fields only one generation has that stay empty (`refine: []`)."""
    return tuple(
        fc
        for fc in diff_attributes(Kind.DATASET, before, after)
        if not (fc.before in _EMPTY and fc.after in _EMPTY)
    )


_EMPTY: tuple[JsonValue, ...] = (None, [], {})


def warn_unmanaged_dataset(
    ctx: PlanningContext, out: DraftPlan, dataset: DesiredDataset, project_id: int | None
) -> None:
    for live in ctx.unmanaged_datasets(project_id):
        if live.name == dataset.name:
            out.warn(
                f"{dataset.address} looks like it exists already (dataset {live.remote_id} named "
                f"{live.name!r} is not managed by tailor)",
                dataset.address,
                dataset.location,
                detail=f"to manage it: tailor import {dataset.address} {live.remote_id}",
            )
            return
