"""A completed dataset's new version by Clone Dataset As Draft, as Bria recommends.

The clone copies the dataset's images (new ids, same names and captions), its caption prefix
and upload type, as a draft. Its successor is then edited like any draft: only the images
added, changed or removed and the captions changed cost requests, then it is completed and
the old dataset deleted (deferred while a model trains on it), as a rebuild would. Models
trained on the old dataset are replaced exactly as after a rebuild: the dataset is replaced
either way.

A clone is chosen only where it ends exactly as a rebuild would (`clone_blocker`): a basic
dataset whose caption prefix and `increase_resolution` stay (the copied images were captioned
and prepared with them), holding no image tailor does not manage (a clone would copy it), and
only when it costs fewer requests than uploading every image again. Otherwise the plan says
why it rebuilds.

A FIBO clone inherits the visual schema, but a draft's schema may be set (Update Dataset,
"only when the dataset status is draft"), so a new schema (declared, refined again, or an
`auto` one whose sample moved) is set on the copy, then Regenerate All Captions writes every
caption from it, as a rebuild's uploads would, and explicit JSON captions are PUT after it
(regenerating overwrites them). Such a clone sends no image bytes, so an advanced FIBO dataset
whose images stay is cloned too.
"""

from __future__ import annotations

from reconciler.addresses import Kind
from reconciler.bria_rules import SCHEMA_SAMPLE_MAX
from reconciler.plan.build_path import BuildPath, ReplacePath
from reconciler.plan.compare.dataset_build import predecessor_delete
from reconciler.plan.compare.dataset_delete import plan_dataset_deposed
from reconciler.plan.compare.dataset_steps import sample_indexes, schema_steps
from reconciler.plan.compare.dataset_update import RECAPTION_WAIT_NOTE
from reconciler.plan.compare.image import update_image
from reconciler.plan.context import PlanningContext
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
from reconciler.plan.rules import PREFIX_SAMPLE_MAX
from reconciler.resources import (
    CAPTION_PREFIX_AUTO,
    DesiredDataset,
    JsonValue,
    LiveDataset,
    RecordedResource,
)

CLONE_KEEPS = frozenset({"name", "completed", "prevent_destroy"})
"""Dataset fields a clone can end with whatever their change: renamed by the clone's own
name, completed (or left draft) afterwards, or recorded by tailor alone."""

def rebuild_why(reason: Reason) -> str:
    """Why a dataset replace for `reason` cannot be a clone."""
    if reason is Reason.CASCADE:
        return "its project is replaced, and a clone stays in the old project"
    if reason is Reason.BULK_ONCE_ONLY:
        return "an advanced dataset takes its images by one bulk upload into an empty dataset"
    return "a field changes that a clone would keep as it is"


def clone_blocker(
    ctx: PlanningContext,
    desired: DesiredDataset,
    rec: RecordedResource,
    live: LiveDataset,
    diffs: tuple[FieldChange, ...],
    content: list[str],
) -> str | None:
    """Why a clone of the dataset cannot end as the manifest declares; None when it can."""
    if (desired.upload_type != "basic" or live.upload_type != "basic") and not (
        desired.is_fibo
        and desired.upload_type == live.upload_type
        and set(content) <= {"caption"}
    ):
        return (
            "an advanced dataset takes its images by one bulk upload into an empty dataset, "
            "and a clone is not empty"
        )
    if "outside" in content:
        return "the dataset holds images tailor does not manage, which a clone would copy"
    for fc in diffs:
        if fc.field in ("visual_schema", "refine") and desired.is_fibo:
            continue
        if fc.field in ("caption_prefix", "caption_prefix_auto"):
            return (
                "the caption prefix changes, and the copied images' automatic captions were "
                "written with the old one"
            )
        if fc.field == "increase_resolution":
            return (
                "increase_resolution changes, and the copied images were prepared with the "
                "old setting"
            )
        if fc.field not in CLONE_KEEPS:
            return f"{fc.field} changes, and a clone keeps the old value"
    if rec.attributes.get("increase_resolution") != desired.increase_resolution:
        return "increase_resolution changes, and the copied images were prepared with the old one"
    if desired.caption_prefix == CAPTION_PREFIX_AUTO and _sample_moved(ctx, desired, rec):
        return "caption_prefix: auto is generated again from a different sample of the images"
    return None


def schema_again(
    ctx: PlanningContext,
    desired: DesiredDataset,
    rec: RecordedResource,
    diffs: tuple[FieldChange, ...],
) -> bool:
    """The clone of a FIBO dataset needs a new schema: declared or refined otherwise, or
    `auto` over a sample that moved (a rebuild would generate it again from the new one)."""
    if not desired.is_fibo:
        return False
    if any(fc.field in ("visual_schema", "refine") for fc in diffs):
        return True
    return desired.visual_schema_auto and _sample_moved(ctx, desired, rec, SCHEMA_SAMPLE_MAX)


def _sample_moved(
    ctx: PlanningContext,
    desired: DesiredDataset,
    rec: RecordedResource,
    size: int = PREFIX_SAMPLE_MAX,
) -> bool:
    """The images an `auto` value (prefix: 6, schema: 10) was generated from differ from
    those it would be generated from now."""
    now = sorted((i.sha256, i.name) for i in desired.images)
    then = sorted(
        (str(r.attributes.get("sha256")), r.address.key)
        for r in ctx.children(rec.address, Kind.IMAGE)
    )
    return [now[i] for i in sample_indexes(len(now), size)] != [
        then[i] for i in sample_indexes(len(then), size)
    ]


def plan_by_clone(
    ctx: PlanningContext,
    out: DraftPlan,
    desired: DesiredDataset,
    rec: RecordedResource,
    live: LiveDataset,
    before: dict[str, JsonValue],
    after: dict[str, JsonValue],
    diffs: tuple[FieldChange, ...],
    reason: Reason,
    requires: tuple[str, ...],
    notes: tuple[str, ...],
) -> str | None:
    """The replace as a clone and its image edits; or, when a full rebuild costs no more
    requests, nothing planned and why (the caller rebuilds)."""
    address = desired.address
    live_images = ctx.live_images(live.remote_id)
    recorded = {r.address.key: r for r in ctx.children(address, Kind.IMAGE)}
    recaption = schema_again(ctx, desired, rec, diffs)
    images = DraftPlan()
    for image in desired.images:
        update_image(
            images, desired, image, recorded.get(image.name), live_images,
            prefix_changed=False, bulk=False, in_zip=False, copied=True, recaptioned=recaption,
        )
    wanted = {i.name for i in desired.images}
    for name, r in sorted(recorded.items()):
        if name not in wanted:
            images.remove(r, by_parent=False, steps=(Step(StepKind.DELETE_IMAGE, r.address),))
    schema = _new_schema_steps(desired) if recaption else []
    by_clone = 1 + len(schema) + sum(len(c.steps) for c in images.changes)
    rebuild = 1 + len(schema_steps(desired))
    rebuild += sum(1 + (i.caption is not None) for i in desired.images)
    if by_clone >= rebuild and desired.upload_type == "basic":
        return (
            f"uploading every image again takes {rebuild} requests, a clone and its edits "
            f"{by_clone}"
        )
    clone_args: dict[str, JsonValue] = {"source_id": rec.remote_id, "name": desired.name}
    if recaption:
        clone_args["recaptioned"] = True
        diffs = _schema_known_after_apply(diffs, before)
    steps = [Step(StepKind.CLONE_DATASET, address, clone_args, {"dataset_id": "source_id"})]
    steps.extend(schema)
    if desired.completed:
        steps.append(
            Step(StepKind.COMPLETE_DATASET, address, {"status": "completed"}, phase=Phase.FINALIZE)
        )
    delete, kept = predecessor_delete(ctx, rec)
    steps.append(delete)
    out.add(
        Change(
            address=address,
            action=Action.REPLACE,
            reason=reason,
            before=before,
            after=after,
            field_changes=diffs,
            requires_replace=requires,
            replace_mode=ReplaceMode.CREATE_BEFORE_DESTROY,
            steps=tuple(steps),
            notes=(*notes, *kept),
            remote_id=rec.remote_id,
            location=desired.location,
            replace_path=ReplacePath(
                BuildPath.CLONE, _clone_why(len(recorded), images.changes, recaption)
            ),
        )
    )
    for change in images.changes:
        out.add(change)
    plan_dataset_deposed(ctx, out, rec)
    return None


RECAPTION_CLONE_NOTE = (
    "the copied images carry captions written from the old schema: every caption is written "
    "again from the new one, as the uploads of a rebuild would be"
)


def _new_schema_steps(desired: DesiredDataset) -> list[Step]:
    """The copy's new schema, then every caption regenerated from it and waited for."""
    address = desired.address
    return [
        *schema_steps(desired),
        Step(StepKind.REGENERATE_CAPTIONS, address, note=RECAPTION_CLONE_NOTE),
        Step(StepKind.WAIT_CAPTIONS, address, note=RECAPTION_WAIT_NOTE),
    ]


def _schema_known_after_apply(
    diffs: tuple[FieldChange, ...], before: dict[str, JsonValue]
) -> tuple[FieldChange, ...]:
    """An `auto` schema generated again from a moved sample shows as a schema change known
    after apply, as on a rebuild."""
    if any(fc.field == "visual_schema" for fc in diffs):
        return diffs
    again = FieldChange(
        "visual_schema",
        before.get("visual_schema"),
        None,
        known_after_apply=True,
        forces_replace=True,
    )
    return (*diffs, again)


_EDITS = {
    StepKind.UPLOAD_IMAGE: "image upload",
    StepKind.DELETE_IMAGE: "image delete",
    StepKind.UPDATE_CAPTION: "caption update",
    StepKind.REGENERATE_CAPTION: "caption regenerated",
}


def _clone_why(copied: int, images: list[Change], recaption: bool) -> str:
    """What the clone path sends beside the clone, in a few words."""
    counts: dict[str, int] = {}
    for change in images:
        for step in change.steps:
            counts[_EDITS[step.kind]] = counts.get(_EDITS[step.kind], 0) + 1
    edits = ", ".join(
        f"{n} {label}{'s' if n > 1 and label != 'caption regenerated' else ''}"
        for label, n in counts.items()
    )
    schema = ", sets the new visual schema and regenerates every caption" if recaption else ""
    return (
        f"Clone Dataset As Draft copies its {copied} image(s){schema}, then only "
        f"{edits or 'the completion'} (instead of every image uploaded again)"
    )
