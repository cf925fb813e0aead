"""A draft dataset edited in place: name and prefix PUT, a FIBO schema set (generated and
refined again, or the declared object), a due bulk upload, completion last; each image is its
own change.

Bria writes a FIBO image's automatic caption from the schema the dataset has when the image
arrives (none: `pending`). When the schema changes on a draft that already holds images, every
caption is regenerated (Regenerate All Captions, "crucial after updating the visual schema")
and waited for; that overwrites explicit captions too, so those are PUT again after it.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.addresses import Kind
from reconciler.plan.attributes import RECAPTION_DUE
from reconciler.plan.compare.dataset_bulk import bulk_due
from reconciler.plan.compare.dataset_delete import plan_dataset_deposed
from reconciler.plan.compare.dataset_steps import (
    bulk_steps,
    captions_in_zip,
    prefix_steps,
    schema_steps,
)
from reconciler.plan.compare.image import update_image
from reconciler.plan.context import PlanningContext
from reconciler.plan.draft import DraftPlan
from reconciler.plan.model import Action, Change, FieldChange, Phase, Reason, Step, StepKind
from reconciler.resources import (
    DesiredDataset,
    DesiredProject,
    JsonValue,
    LiveDataset,
    RecordedResource,
)

CAPTIONING_FIELDS = ("caption_prefix", "visual_schema", "refine")
"""Dataset fields that shape the captions Bria writes: on a completed dataset their change is
a content change (a new dataset, as for its images), not a field Bria could update."""
RECAPTION_NOTE = (
    "the images already at Bria were captioned with the old schema, or are pending without "
    "one: every caption is written again from the new schema"
)
RECAPTION_WAIT_NOTE = "until captions_update_status is done"
RESUMED_NOTE = (
    "an earlier apply set the visual schema and stopped before every caption was regenerated "
    "from it"
)
SCHEMA_LOCKED_NOTE = (
    "Bria refuses visual_schema and caption changes in a completed FIBO dataset "
    "(DS-COMPLETED-SCHEMA-LOCKED)"
)


def refined_schema(
    diffs: tuple[FieldChange, ...], before: Mapping[str, JsonValue], after: Mapping[str, JsonValue]
) -> tuple[FieldChange, ...]:
    """Other refine instructions on a generated schema: a new schema, known after apply."""
    if after.get("visual_schema_auto") is not True:
        return diffs
    fields = [fc.field for fc in diffs]
    if "refine" not in fields or "visual_schema" in fields:
        return diffs
    at = fields.index("refine")
    refine = diffs[at]
    schema = FieldChange(
        "visual_schema",
        before.get("visual_schema"),
        None,
        known_after_apply=True,
        forces_replace=refine.forces_replace,
    )
    return (*diffs[:at], schema, *diffs[at:])


def update_dataset(
    ctx: PlanningContext,
    out: DraftPlan,
    project: DesiredProject,
    desired: DesiredDataset,
    rec: RecordedResource,
    live: LiveDataset,
    before: dict[str, JsonValue],
    after: dict[str, JsonValue],
    diffs: tuple[FieldChange, ...],
) -> Action:
    """A draft dataset edited in place; its images are their own changes. Returns the
    dataset's action (update or no-op)."""
    address = desired.address
    steps: list[Step] = []
    if any(fc.field == "name" for fc in diffs):
        steps.append(Step(StepKind.UPDATE_DATASET, address, {"name": desired.name}))
    prefix_changed = any(fc.field == "caption_prefix" for fc in diffs)
    if prefix_changed:
        steps.extend(prefix_steps(project, desired))
    live_images = ctx.live_images(live.remote_id)
    recorded_images = {r.address.key: r for r in ctx.children(address, Kind.IMAGE)}
    schema_changed = any(fc.field in ("visual_schema", "refine") for fc in diffs)
    if schema_changed:
        steps.extend(schema_steps(desired))
    resumed = not schema_changed and _recaption_due(rec, before)
    recaption = bool(live_images) and (schema_changed or resumed)
    if recaption:
        note = RESUMED_NOTE if resumed else RECAPTION_NOTE
        steps.append(Step(StepKind.REGENERATE_CAPTIONS, address, note=note))
        steps.append(Step(StepKind.WAIT_CAPTIONS, address, note=RECAPTION_WAIT_NOTE))
    bulk = bulk_due(ctx, desired, live, ctx.children(address, Kind.IMAGE))
    if bulk:
        steps.extend(bulk_steps(desired))
    if desired.completed and not before.get("completed"):
        steps.append(
            Step(StepKind.COMPLETE_DATASET, address, {"status": "completed"}, phase=Phase.FINALIZE)
        )
    changed = bool(diffs) or resumed
    out.add(
        Change(
            address=address,
            action=Action.UPDATE if changed else Action.NO_OP,
            reason=Reason.UPDATED_FIELDS if changed else Reason.UNCHANGED,
            before=before,
            after=after,
            field_changes=diffs,
            steps=tuple(steps),
            remote_id=rec.remote_id,
            location=desired.location,
        )
    )
    in_zip = captions_in_zip(desired)
    for image in desired.images:
        update_image(
            out,
            desired,
            image,
            recorded_images.get(image.name),
            live_images,
            prefix_changed=prefix_changed,
            bulk=bulk,
            in_zip=in_zip,
            recaptioned=recaption,
        )
    wanted = {i.name for i in desired.images}
    for name, r in sorted(recorded_images.items()):
        if name in wanted:
            continue
        notes: tuple[str, ...] = ()
        if r.remote_id in live_images:
            step = Step(StepKind.DELETE_IMAGE, r.address)
        else:
            step = Step(StepKind.FORGET, r.address)
            notes = ("already deleted outside tailor",)
        out.remove(r, by_parent=False, steps=(step,), notes=notes)
    managed = {r.remote_id for r in recorded_images.values()}
    for image_id, li in sorted(live_images.items()):
        if image_id not in managed:
            out.warn(
                f"{address}: image {li.name!r} ({image_id}) was added outside tailor and will "
                "be trained on",
                address,
                desired.location,
                detail="delete it in the Console, or declare it in the manifest",
            )
    plan_dataset_deposed(ctx, out, rec)
    return Action.UPDATE if changed else Action.NO_OP


def _recaption_due(rec: RecordedResource, before: Mapping[str, JsonValue]) -> bool:
    """An earlier run set the draft's schema and stopped before every caption was regenerated
    from it (a completed dataset's regeneration ended before it was completed)."""
    return rec.attributes.get(RECAPTION_DUE) is True and before.get("completed") is not True
