"""A dataset built from scratch: create, prefix, upload, caption, complete; a rebuild then
deletes the predecessor (deferred while a model still trains on it). A replace that can be a
clone instead is `dataset_clone`'s.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.addresses import Address, Kind
from reconciler.plan import attributes as attrs
from reconciler.plan.build_path import ReplacePath
from reconciler.plan.compare.dataset_delete import plan_dataset_deposed
from reconciler.plan.compare.dataset_steps import (
    BULK_NOTE,
    bulk_steps,
    captions_in_zip,
    prefix_steps,
    schema_steps,
    upload_steps,
)
from reconciler.plan.compare.image import create_image
from reconciler.plan.context import PlanningContext
from reconciler.plan.diff import diff_attributes
from reconciler.plan.draft import DraftPlan
from reconciler.plan.fields import rules_for
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
    DesiredDataset,
    DesiredProject,
    JsonValue,
    LiveDataset,
    RecordedResource,
)

_DEFERRED_NOTE = (
    "once no model trains on it: at the end of this apply if it ends that training, "
    "else by a later plan"
)


def predecessor_delete(ctx: PlanningContext, rec: RecordedResource) -> tuple[Step, list[str]]:
    """The replaced dataset's delete, last; deferred (and a note saying so) while a model
    still trains on it (DS-DELETE-IN-TRAINING)."""
    training = ctx.training_on(dataset_id=rec.remote_id)
    step = Step(
        StepKind.DELETE_DATASET,
        rec.address,
        {"old_id": rec.remote_id},
        {"dataset_id": "old_id"},
        Phase.FINALIZE,
        deferred=bool(training),
        note=_DEFERRED_NOTE if training else "",
    )
    if not training:
        return step, []
    ids = ", ".join(str(m.remote_id) for m in training)
    return step, [f"the old dataset {rec.remote_id} is kept while model(s) {ids} train on it"]


def build_dataset(
    ctx: PlanningContext,
    out: DraftPlan,
    project: DesiredProject,
    desired: DesiredDataset,
    rec: RecordedResource | None,
    action: Action,
    reason: Reason,
    before: Mapping[str, JsonValue] | None,
    after: dict[str, JsonValue],
    *,
    replaced_by: Address | None = None,
    diffs: tuple[FieldChange, ...] = (),
    requires: tuple[str, ...] = (),
    old_live: LiveDataset | None = None,
    notes: tuple[str, ...] = (),
    replace_path: ReplacePath | None = None,
) -> Action:
    """A dataset built from scratch: create, prefix, upload, caption, complete; `action`
    (create or replace) is returned for the models planned after it."""
    address = desired.address
    create_args: dict[str, JsonValue] = {
        "project_address": str(project.address),
        "name": desired.name,
        "upload_type": desired.upload_type,
        "training_version": desired.training_version,
    }
    steps = [Step(StepKind.CREATE_DATASET, address, create_args)]
    steps.extend(prefix_steps(project, desired))
    steps.extend(schema_steps(desired))
    advanced = desired.upload_type == "advanced"
    if advanced:
        steps.extend(bulk_steps(desired))
    if desired.completed:
        steps.append(
            Step(StepKind.COMPLETE_DATASET, address, {"status": "completed"}, phase=Phase.FINALIZE)
        )
    all_notes = list(notes)
    if action is Action.REPLACE and rec is not None and old_live is not None:
        delete, kept = predecessor_delete(ctx, rec)
        steps.append(delete)
        all_notes.extend(kept)
    field_changes = diffs
    if before is not None:
        field_changes = _generated_again(diffs, before, after, action is Action.REPLACE)
    replacing = action is Action.REPLACE
    out.add(
        Change(
            address=address,
            action=action,
            reason=reason,
            before=before,
            after=after,
            field_changes=field_changes if before else (),
            requires_replace=requires if replacing else (),
            replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY if replacing else None,
            replaced_by=replaced_by,
            steps=tuple(steps),
            notes=tuple(all_notes),
            remote_id=rec.remote_id if rec else None,
            location=desired.location,
            replace_path=replace_path if replacing else None,
        )
    )
    image_notes = (BULK_NOTE,) if advanced else ()
    in_zip = captions_in_zip(desired)
    recorded_images = {r.address.key: r for r in ctx.children(address, Kind.IMAGE)}
    for image in desired.images:
        r = recorded_images.get(image.name)
        upload = upload_steps(desired, image, captions_in_zip=in_zip)
        if r is None or action is Action.CREATE:
            create_image(out, image, r, upload, image_notes, json_caption=desired.is_fibo)
            continue
        img_after = attrs.image_attributes(image, json_caption=desired.is_fibo)
        content = r.attributes.get("sha256") != image.sha256
        out.add(
            Change(
                address=image.address,
                action=Action.REPLACE,
                reason=Reason.IMAGE_CONTENT_CHANGED if content else Reason.CASCADE,
                before=dict(r.attributes),
                after=img_after,
                field_changes=diff_attributes(Kind.IMAGE, r.attributes, img_after, frozen=True),
                requires_replace=("sha256",) if content else (),
                replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
                replaced_by=None if content else address,
                steps=upload,
                notes=image_notes,
                remote_id=r.remote_id,
                location=image.location,
            )
        )
    wanted = {i.name for i in desired.images}
    for name, r in sorted(recorded_images.items()):
        if name not in wanted:
            out.remove(r, by_parent=False, notes=("goes with the old dataset",))
    if rec is not None:
        plan_dataset_deposed(ctx, out, rec)
    return action


def _generated_again(
    diffs: tuple[FieldChange, ...],
    before: Mapping[str, JsonValue],
    after: Mapping[str, JsonValue],
    replacing: bool,
) -> tuple[FieldChange, ...]:
    """A built dataset generates its `auto` values (caption prefix, visual schema) again from
    its images: each is known only after apply, whatever it was before."""
    again = [
        row.name
        for row in rules_for(Kind.DATASET)
        if row.generated_when is not None and after.get(row.generated_when) is True
    ]
    if not again:
        return diffs
    return (
        *(fc for fc in diffs if fc.field not in again),
        *(
            FieldChange(
                name, before.get(name), None, known_after_apply=True, forces_replace=replacing
            )
            for name in again
        ),
    )
