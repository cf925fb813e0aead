"""Images of a dataset: content and caption changes, Console edits, uploads and re-uploads.

An image's content is its sha256: new content under the same name is a delete and an upload
(a name is unique within its dataset). An explicit caption is PUT; an automatic one is
regenerated, also after a caption prefix change, so explicit captions are never overwritten.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.addresses import Kind
from reconciler.plan import attributes as attrs
from reconciler.plan.compare.dataset_steps import BULK_NOTE, caption_step, upload_steps
from reconciler.plan.context import PlanningContext
from reconciler.plan.diff import diff_attributes, drift_fields
from reconciler.plan.draft import DraftPlan
from reconciler.plan.model import Action, Change, FieldChange, Reason, ReplaceMode, Step, StepKind
from reconciler.resources import (
    FIBO,
    DesiredDataset,
    DesiredImage,
    JsonValue,
    LiveDataset,
    LiveImage,
    RecordedResource,
)


def image_content_changes(
    ctx: PlanningContext, desired: DesiredDataset, rec: RecordedResource, live: LiveDataset
) -> list[str]:
    """Kinds of image-level change: add, content, caption, remove, outside (a live image
    tailor does not own)."""
    found: list[str] = []
    recorded = {r.address.key: r for r in ctx.children(rec.address, Kind.IMAGE)}
    live_images = ctx.live_images(live.remote_id)
    wanted = {i.name: i for i in desired.images}
    for name, image in wanted.items():
        r = recorded.get(name)
        if r is None or r.remote_id not in live_images:
            found.append("add")
        elif r.attributes.get("sha256") != image.sha256:
            found.append("content")
        elif _caption_moved(desired, image, r, live_images[r.remote_id]):
            found.append("caption")
    found.extend("remove" for name in recorded if name not in wanted)
    managed = {r.remote_id for r in recorded.values()}
    found.extend("outside" for image_id in live_images if image_id not in managed)
    return found


def image_drift(
    ctx: PlanningContext, out: DraftPlan, rec: RecordedResource, live: LiveDataset
) -> None:
    """Console edits of the dataset's images: reported whatever the dataset's action."""
    live_images = ctx.live_images(live.remote_id)
    fibo = rec.attributes.get("training_version") == FIBO
    for image in ctx.children(rec.address, Kind.IMAGE):
        seen = live_images.get(image.remote_id)
        if seen is None:
            out.gone(image.address)
        else:
            view = attrs.live_image_view(seen, json_caption=fibo)
            out.add_drift(image.address, drift_fields(Kind.IMAGE, image.attributes, view))


def _caption_moved(
    dataset: DesiredDataset, image: DesiredImage, rec: RecordedResource, live: LiveImage
) -> bool:
    """An explicit caption that differs live, or one dropped back to automatic."""
    if image.caption is not None:
        if dataset.is_fibo:
            return attrs.json_document(image.caption) != attrs.json_document(live.caption)
        return image.caption != live.caption
    return rec.attributes.get("caption") is not None


def update_image(
    out: DraftPlan,
    dataset: DesiredDataset,
    image: DesiredImage,
    rec: RecordedResource | None,
    live_images: Mapping[int, LiveImage],
    *,
    prefix_changed: bool,
    bulk: bool,
    in_zip: bool,
    copied: bool = False,
    recaptioned: bool = False,
) -> None:
    """One image of a dataset edited in place. Upload steps are built only for an image that
    is (re)uploaded: most images of a large plan are no-ops. `copied`: the image is a copy a
    clone makes in this apply, whose id is only known then (a delete names the address).
    `recaptioned`: Bria regenerates every caption of the dataset first (a new FIBO schema),
    so an explicit caption is PUT again even if unchanged."""
    notes: list[str] = [BULK_NOTE] if bulk else []
    if rec is None or rec.remote_id not in live_images:
        upload = upload_steps(dataset, image, captions_in_zip=in_zip)
        create_image(out, image, rec, upload, tuple(notes), json_caption=dataset.is_fibo)
        return
    after = attrs.image_attributes(image, json_caption=dataset.is_fibo)
    live = live_images[rec.remote_id]
    before: dict[str, JsonValue] = dict(rec.attributes)
    if before.get("caption") is not None:
        before["caption"] = attrs.live_image_view(live, json_caption=dataset.is_fibo)["caption"]
    diffs = list(diff_attributes(Kind.IMAGE, before, after))
    if any(fc.forces_replace for fc in diffs):
        delete = (
            Step(StepKind.DELETE_IMAGE, image.address)
            if copied
            else Step(
                StepKind.DELETE_IMAGE,
                image.address,
                {"old_id": rec.remote_id},
                {"image_id": "old_id"},
            )
        )
        out.add(
            Change(
                address=image.address,
                action=Action.REPLACE,
                reason=Reason.IMAGE_CONTENT_CHANGED,
                before=before,
                after=after,
                field_changes=tuple(diffs),
                requires_replace=tuple(fc.field for fc in diffs if fc.forces_replace),
                replace_mode=ReplaceMode.DESTROY_BEFORE_CREATE,
                steps=(delete, *upload_steps(dataset, image, captions_in_zip=in_zip)),
                remote_id=rec.remote_id,
                location=image.location,
            )
        )
        return
    steps: list[Step] = []
    if image.caption is not None and any(fc.field == "caption" for fc in diffs):
        steps.append(caption_step(dataset, image))
    elif image.caption is None and (before.get("caption") is not None or prefix_changed):
        diffs = [fc for fc in diffs if fc.field != "caption"]
        diffs.append(FieldChange("caption", before.get("caption"), None, known_after_apply=True))
        if recaptioned:
            notes.append("regenerated with every caption for the new schema")
        else:
            steps.append(
                Step(StepKind.REGENERATE_CAPTION, image.address, {"regenerate_caption": True})
            )
        if prefix_changed and before.get("caption") is None:
            notes.append("automatic caption regenerated with the new caption prefix")
    elif recaptioned and image.caption is not None:
        steps.append(caption_step(dataset, image))
        notes.append("PUT again after every caption is regenerated for the new schema")
    out.add(
        Change(
            address=image.address,
            action=Action.UPDATE if diffs or steps else Action.NO_OP,
            reason=Reason.UPDATED_FIELDS if diffs or steps else Reason.UNCHANGED,
            before=before,
            after=after,
            field_changes=tuple(diffs),
            steps=tuple(steps),
            notes=tuple(notes),
            remote_id=rec.remote_id,
            location=image.location,
        )
    )


def create_image(
    out: DraftPlan,
    image: DesiredImage,
    rec: RecordedResource | None,
    upload: tuple[Step, ...],
    notes: tuple[str, ...],
    *,
    json_caption: bool = False,
) -> None:
    """An image uploaded anew: newly declared (`rec` None), or recorded but gone (deleted
    outside tailor, or its dataset is created again)."""
    out.add(
        Change(
            address=image.address,
            action=Action.CREATE,
            reason=Reason.NEW if rec is None else Reason.RECREATE_DELETED_OUTSIDE,
            before=None if rec is None else dict(rec.attributes),
            after=attrs.image_attributes(image, json_caption=json_caption),
            steps=upload,
            notes=notes,
            location=image.location,
        )
    )
