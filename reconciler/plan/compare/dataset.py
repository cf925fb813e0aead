"""Datasets and their images.

A draft dataset is edited in place: name and caption prefix by PUT (the prefix before any
upload), images uploaded, deleted (content changed under the same name = delete + upload),
captions PUT, and completion last. Images whose caption is automatic get `regenerate_caption`
one by one after a prefix change, so explicit captions are never overwritten.

A completed dataset is never edited (Bria refuses image, caption and prefix changes): any such
change rebuilds it. The rebuild creates a NEW dataset, uploads every image, captions, completes,
then deletes the old dataset (deferred while a model still trains on it). Clone-as-draft would
save uploads, but cannot work for advanced datasets (a clone is not empty and bulk upload needs
an empty dataset) and would leave the copied images' ids unknown to the state; one path for both
upload types keeps the result exactly the manifest. The same rebuild answers `completed: false`
on a completed dataset (no reopening at Bria) and an advanced dataset whose one bulk upload is
spent (BULK-ONCE-ONLY): images added or changed after it, or none arrived but Bria reports the
upload started (it failed, rejected every image, or was sent from the Console), where another
bulk upload would be refused (Bria documents a 400). `caption_prefix: auto` on a rebuild is
generated again from the new images.

A dataset deleted in the Console is recreated with its images; its models are not replaced,
since the content they trained on is the same.
"""
# size: being split into modules of one job by issue 18 (h18s)

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.addresses import Address, Kind
from reconciler.plan import attributes as attrs
from reconciler.plan.diff import diff_attributes, drift_fields
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
from reconciler.plan.planner import (
    Mode,
    Planner,
    bulk_steps,
    captions_in_zip,
    deposed_gone,
    prefix_sample,
    upload_steps,
)
from reconciler.resources import (
    CAPTION_PREFIX_AUTO,
    MAX_IMAGE_BYTES,
    MAX_IMAGES,
    MIN_SIDE_STRICT,
    MIN_SIDE_UPSCALED,
    PREFIX_IP_TYPES,
    DesiredDataset,
    DesiredImage,
    DesiredProject,
    JsonValue,
    LiveDataset,
    LiveImage,
    RecordedResource,
)

_BULK_NOTE = "uploaded by the dataset's bulk upload"
_DEFERRED_NOTE = (
    "once no model trains on it: at the end of this apply if it ends that training, "
    "else by a later plan"
)


def plan_dataset(
    p: Planner,
    project: DesiredProject,
    parent_mode: Mode,
    project_live_id: int | None,
    desired: DesiredDataset | None,
    rec: RecordedResource | None,
    address: Address,
) -> None:
    if desired is None:
        assert rec is not None
        delete_dataset_tree(p, rec, by_parent=False)
        return
    check_dataset(p, project, desired)
    after = attrs.dataset_attributes(desired)
    live = p.live.datasets.get(rec.remote_id) if rec else None
    if parent_mode is Mode.NEW or rec is None:
        if parent_mode is Mode.KEEP:
            warn_unmanaged_dataset(p, desired, project_live_id)
        build_dataset(p, project, desired, rec, Action.CREATE, Reason.NEW, None, after)
        return
    if parent_mode is Mode.RECREATE or live is None:
        if parent_mode is Mode.KEEP:
            p.gone(address)
        build_dataset(
            p,
            project,
            desired,
            rec,
            Action.CREATE,
            Reason.RECREATE_DELETED_OUTSIDE,
            dict(rec.attributes),
            after,
        )
        return
    view = attrs.live_dataset_view(live)
    p.add_drift(address, drift_fields(Kind.DATASET, rec.attributes, view))
    _image_drift(p, rec, live)
    before: dict[str, JsonValue] = {**rec.attributes, **view}
    if parent_mode is Mode.REPLACE:
        build_dataset(
            p,
            project,
            desired,
            rec,
            Action.REPLACE,
            Reason.CASCADE,
            before,
            after,
            replaced_by=project.address,
        )
        return
    completed = bool(view["completed"]) or rec.attributes.get("completed") is True
    diffs = diff_attributes(Kind.DATASET, before, after, frozen=completed)
    content = image_content_changes(p, desired, rec, live)
    prefix_changed = any(fc.field == "caption_prefix" for fc in diffs)
    forcing = [fc.field for fc in diffs if fc.forces_replace and fc.field != "caption_prefix"]
    reason: Reason | None = None
    notes: tuple[str, ...] = ()
    if forcing:
        reason = Reason.REQUIRES_REPLACE
    elif completed and (content or prefix_changed):
        reason = Reason.COMPLETED_DATASET_CONTENT
        forcing = (["images"] if content else []) + (["caption_prefix"] if prefix_changed else [])
    elif completed and not desired.completed:
        reason = Reason.DATASET_REOPEN
        forcing = ["completed"]
    elif _second_bulk_upload(p, desired, live, content):
        reason = Reason.BULK_ONCE_ONLY
        forcing = ["images"]
        notes = (_bulk_once_only_note(live),)
    if reason is None:
        update_dataset(p, project, desired, rec, live, before, after, diffs)
        return
    build_dataset(
        p,
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
    )


def _second_bulk_upload(
    p: Planner, desired: DesiredDataset, live: LiveDataset, content: list[str]
) -> bool:
    """The images would need another bulk upload into this advanced dataset: it holds images
    (they came by its one upload) and some are added or changed, or none arrived but Bria
    reports that one upload."""
    if desired.upload_type != "advanced":
        return False
    recorded = p.children(desired.address, Kind.IMAGE)
    if (live.images_count > 0 or recorded) and ("add" in content or "content" in content):
        return True
    return live.bulk_status is not None and _bulk_due(p, desired, live, recorded)


def _bulk_due(
    p: Planner, desired: DesiredDataset, live: LiveDataset, recorded: Sequence[RecordedResource]
) -> bool:
    """The declared images of an existing advanced dataset arrive by a bulk upload into it:
    none of them is at Bria yet."""
    live_images = p.live_images(live.remote_id)
    return (
        desired.upload_type == "advanced"
        and bool(desired.images)
        and live.images_count == 0
        and not any(r.remote_id in live_images for r in recorded)
    )


def _bulk_once_only_note(live: LiveDataset) -> str:
    """Why the dataset takes no upload, with what Bria reported of the one it had."""
    if live.bulk_status is None:
        return "an advanced dataset takes one bulk upload only (BULK-ONCE-ONLY)"
    said = repr(live.bulk_status)
    if live.bulk_status == "failed":
        said += " (its ZIP could not be read)"
    elif live.bulk_rejected:
        said += f" with {live.bulk_rejected} image(s) rejected"
    return (
        f"Bria reports this dataset's bulk upload as {said} and refuses a second one "
        "(BULK-ONCE-ONLY)"
    )


def check_dataset(p: Planner, project: DesiredProject, dataset: DesiredDataset) -> None:
    """Bria's dataset and upload rules, checked before any call."""
    address, where = dataset.address, dataset.location
    limit = MAX_IMAGES[dataset.upload_type]
    if len(dataset.images) > limit:
        p.error(
            f"{address}: {len(dataset.images)} images, but a {dataset.upload_type} dataset "
            f"holds at most {limit}",
            address,
            where,
            constraint="IMG-MAX-200" if dataset.upload_type == "basic" else "BULK-MAX-5000",
        )
    if dataset.completed and not dataset.images:
        p.error(
            f"{address}: a dataset needs at least 1 image to be completed",
            address,
            where,
            constraint="DS-COMPLETE-MIN-1-IMAGE",
        )
    if dataset.caption_prefix == CAPTION_PREFIX_AUTO:
        if project.ip_type not in PREFIX_IP_TYPES:
            p.error(
                f"{address}: caption_prefix: auto is only available for "
                f"{', '.join(sorted(PREFIX_IP_TYPES))}, not {project.ip_type}",
                address,
                where,
                detail="write the prefix text instead of auto",
                constraint="PFX-IP-TYPE-SUPPORTED",
            )
        if not dataset.images:
            p.error(
                f"{address}: caption_prefix: auto needs at least 1 image",
                address,
                where,
                constraint="PFX-IMAGES-1-6",
            )
    for image in dataset.images:
        _check_image(p, dataset, image)


def _check_image(p: Planner, dataset: DesiredDataset, image: DesiredImage) -> None:
    side = min(image.width, image.height)
    address, where = image.address, image.location or dataset.location
    size = f"{image.width}x{image.height}"
    if dataset.upload_type == "advanced":
        if side < MIN_SIDE_STRICT:
            p.error(
                f"{address}: {size} is smaller than 1024x1024 (advanced upload never upscales)",
                address,
                where,
                constraint="BULK-NO-INCREASE-RESOLUTION",
            )
    elif not dataset.increase_resolution:
        if side < MIN_SIDE_STRICT:
            p.error(
                f"{address}: {size} is smaller than 1024x1024 and increase_resolution is false",
                address,
                where,
                constraint="IMG-MIN-1024-STRICT",
            )
    elif side < MIN_SIDE_UPSCALED:
        p.error(
            f"{address}: {size} is smaller than 256x256", address, where, constraint="IMG-MIN-256"
        )
    if dataset.upload_type == "basic" and image.size_bytes > MAX_IMAGE_BYTES:
        p.error(
            f"{address}: {image.size_bytes} bytes is over the 12 MB limit",
            address,
            where,
            constraint="IMG-SIZE-12MB",
        )
    if image.caption is not None and not image.caption.strip():
        p.error(
            f"{address}: an explicit caption cannot be empty",
            address,
            where,
            constraint="IMG-CAPTION-NONEMPTY",
        )


def warn_unmanaged_dataset(p: Planner, dataset: DesiredDataset, project_id: int | None) -> None:
    managed = p.managed_ids(Kind.DATASET)
    for remote_id, live in sorted(p.live.datasets.items()):
        if live.project_id == project_id and remote_id not in managed and live.name == dataset.name:
            p.warn(
                f"{dataset.address} looks like it exists already (dataset {remote_id} named "
                f"{live.name!r} is not managed by tailor)",
                dataset.address,
                dataset.location,
                detail=f"to manage it: tailor import {dataset.address} {remote_id}",
            )
            return


def image_content_changes(
    p: Planner, desired: DesiredDataset, rec: RecordedResource, live: LiveDataset
) -> list[str]:
    """Kinds of image-level change: add, content, caption, remove, outside (a live image
    tailor does not own)."""
    found: list[str] = []
    recorded = {r.address.key: r for r in p.children(rec.address, Kind.IMAGE)}
    live_images = p.live_images(live.remote_id)
    wanted = {i.name: i for i in desired.images}
    for name, image in wanted.items():
        r = recorded.get(name)
        if r is None or r.remote_id not in live_images:
            found.append("add")
        elif r.attributes.get("sha256") != image.sha256:
            found.append("content")
        elif _caption_moved(image, r, live_images[r.remote_id]):
            found.append("caption")
    found.extend("remove" for name in recorded if name not in wanted)
    managed = {r.remote_id for r in recorded.values()}
    found.extend("outside" for image_id in live_images if image_id not in managed)
    return found


def _image_drift(p: Planner, rec: RecordedResource, live: LiveDataset) -> None:
    """Console edits of the dataset's images: reported whatever the dataset's action."""
    live_images = p.live_images(live.remote_id)
    for image in p.children(rec.address, Kind.IMAGE):
        seen = live_images.get(image.remote_id)
        if seen is None:
            p.gone(image.address)
        else:
            view = attrs.live_image_view(seen)
            p.add_drift(image.address, drift_fields(Kind.IMAGE, image.attributes, view))


def _caption_moved(image: DesiredImage, rec: RecordedResource, live: LiveImage) -> bool:
    """An explicit caption that differs live, or one dropped back to automatic."""
    if image.caption is not None:
        return image.caption != live.caption
    return rec.attributes.get("caption") is not None


def prefix_steps(project: DesiredProject, dataset: DesiredDataset) -> list[Step]:
    address = dataset.address
    if dataset.caption_prefix == CAPTION_PREFIX_AUTO:
        args: dict[str, JsonValue] = {
            "images": [i.path for i in prefix_sample(dataset.images)],
            "ip_type": project.ip_type,
            "ip_medium": project.ip_medium,
        }
        if project.ip_name:
            args["ip_name"] = project.ip_name
        return [
            Step(StepKind.GENERATE_PREFIX, address, args),
            Step(StepKind.SET_CAPTION_PREFIX, address, {"generated": True}),
        ]
    if dataset.caption_prefix is not None:
        return [
            Step(StepKind.SET_CAPTION_PREFIX, address, {"caption_prefix": dataset.caption_prefix})
        ]
    return []


def build_dataset(
    p: Planner,
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
) -> None:
    """A dataset built from scratch: create, prefix, upload, caption, complete."""
    address = desired.address
    create_args: dict[str, JsonValue] = {
        "project_address": str(project.address),
        "name": desired.name,
        "upload_type": desired.upload_type,
    }
    steps = [Step(StepKind.CREATE_DATASET, address, create_args)]
    steps.extend(prefix_steps(project, desired))
    advanced = desired.upload_type == "advanced"
    if advanced:
        steps.extend(bulk_steps(desired))
    if desired.completed:
        steps.append(
            Step(StepKind.COMPLETE_DATASET, address, {"status": "completed"}, phase=Phase.FINALIZE)
        )
    all_notes = list(notes)
    if action is Action.REPLACE and rec is not None and old_live is not None:
        training = p.training_on(dataset_id=rec.remote_id)
        steps.append(
            Step(
                StepKind.DELETE_DATASET,
                address,
                {"old_id": rec.remote_id},
                {"dataset_id": "old_id"},
                Phase.FINALIZE,
                deferred=bool(training),
                note=_DEFERRED_NOTE if training else "",
            )
        )
        if training:
            ids = ", ".join(str(m.remote_id) for m in training)
            all_notes.append(
                f"the old dataset {rec.remote_id} is kept while model(s) {ids} train on it"
            )
    field_changes = diffs
    if after.get("caption_prefix_auto") is True and before is not None:
        field_changes = (
            *(fc for fc in diffs if fc.field != "caption_prefix"),
            FieldChange(
                "caption_prefix",
                before.get("caption_prefix"),
                None,
                known_after_apply=True,
                forces_replace=action is Action.REPLACE,
            ),
        )
    replacing = action is Action.REPLACE
    p.add(
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
        )
    )
    p.datasets[address] = action
    image_notes = (_BULK_NOTE,) if advanced else ()
    in_zip = captions_in_zip(desired)
    recorded_images = {r.address.key: r for r in p.children(address, Kind.IMAGE)}
    for image in desired.images:
        r = recorded_images.get(image.name)
        upload = upload_steps(desired, image, captions_in_zip=in_zip)
        if r is None or action is Action.CREATE:
            _create_image(p, image, r, upload, image_notes)
            continue
        img_after = attrs.image_attributes(image)
        content = r.attributes.get("sha256") != image.sha256
        p.add(
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
            p.add(
                Change(
                    address=r.address,
                    action=Action.DELETE,
                    reason=Reason.REMOVED_FROM_MANIFEST,
                    before=dict(r.attributes),
                    notes=("goes with the old dataset",),
                    remote_id=r.remote_id,
                )
            )
    if rec is not None:
        plan_dataset_deposed(p, rec)


def update_dataset(
    p: Planner,
    project: DesiredProject,
    desired: DesiredDataset,
    rec: RecordedResource,
    live: LiveDataset,
    before: dict[str, JsonValue],
    after: dict[str, JsonValue],
    diffs: tuple[FieldChange, ...],
) -> None:
    """A draft dataset edited in place; its images are their own changes."""
    address = desired.address
    steps: list[Step] = []
    if any(fc.field == "name" for fc in diffs):
        steps.append(Step(StepKind.UPDATE_DATASET, address, {"name": desired.name}))
    prefix_changed = any(fc.field == "caption_prefix" for fc in diffs)
    if prefix_changed:
        steps.extend(prefix_steps(project, desired))
    live_images = p.live_images(live.remote_id)
    recorded_images = {r.address.key: r for r in p.children(address, Kind.IMAGE)}
    bulk = _bulk_due(p, desired, live, p.children(address, Kind.IMAGE))
    if bulk:
        steps.extend(bulk_steps(desired))
    if desired.completed and not before.get("completed"):
        steps.append(
            Step(StepKind.COMPLETE_DATASET, address, {"status": "completed"}, phase=Phase.FINALIZE)
        )
    p.add(
        Change(
            address=address,
            action=Action.UPDATE if diffs else Action.NO_OP,
            reason=Reason.UPDATED_FIELDS if diffs else Reason.UNCHANGED,
            before=before,
            after=after,
            field_changes=diffs,
            steps=tuple(steps),
            remote_id=rec.remote_id,
            location=desired.location,
        )
    )
    p.datasets[address] = Action.UPDATE if diffs else Action.NO_OP
    in_zip = captions_in_zip(desired)
    for image in desired.images:
        _update_image(
            p,
            desired,
            image,
            recorded_images.get(image.name),
            live_images,
            prefix_changed=prefix_changed,
            bulk=bulk,
            in_zip=in_zip,
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
        p.add(
            Change(
                address=r.address,
                action=Action.DELETE,
                reason=Reason.REMOVED_FROM_MANIFEST,
                before=dict(r.attributes),
                steps=(step,),
                notes=notes,
                remote_id=r.remote_id,
            )
        )
    managed = {r.remote_id for r in recorded_images.values()}
    for image_id, li in sorted(live_images.items()):
        if image_id not in managed:
            p.warn(
                f"{address}: image {li.name!r} ({image_id}) was added outside tailor and will "
                "be trained on",
                address,
                desired.location,
                detail="delete it in the Console, or declare it in the manifest",
            )
    plan_dataset_deposed(p, rec)


def _update_image(
    p: Planner,
    dataset: DesiredDataset,
    image: DesiredImage,
    rec: RecordedResource | None,
    live_images: Mapping[int, LiveImage],
    *,
    prefix_changed: bool,
    bulk: bool,
    in_zip: bool,
) -> None:
    """One image of a dataset edited in place. Upload steps are built only for an image that
    is (re)uploaded: most images of a large plan are no-ops."""
    notes: list[str] = [_BULK_NOTE] if bulk else []
    if rec is None or rec.remote_id not in live_images:
        upload = upload_steps(dataset, image, captions_in_zip=in_zip)
        _create_image(p, image, rec, upload, tuple(notes))
        return
    after = attrs.image_attributes(image)
    live = live_images[rec.remote_id]
    before: dict[str, JsonValue] = dict(rec.attributes)
    if before.get("caption") is not None:
        before["caption"] = live.caption
    diffs = list(diff_attributes(Kind.IMAGE, before, after))
    if any(fc.forces_replace for fc in diffs):
        delete = Step(
            StepKind.DELETE_IMAGE, image.address, {"old_id": rec.remote_id}, {"image_id": "old_id"}
        )
        p.add(
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
        steps.append(Step(StepKind.UPDATE_CAPTION, image.address, {"caption": image.caption}))
    elif image.caption is None and (before.get("caption") is not None or prefix_changed):
        diffs = [fc for fc in diffs if fc.field != "caption"]
        diffs.append(FieldChange("caption", before.get("caption"), None, known_after_apply=True))
        steps.append(Step(StepKind.REGENERATE_CAPTION, image.address, {"regenerate_caption": True}))
        if prefix_changed and before.get("caption") is None:
            notes.append("automatic caption regenerated with the new caption prefix")
    p.add(
        Change(
            address=image.address,
            action=Action.UPDATE if diffs else Action.NO_OP,
            reason=Reason.UPDATED_FIELDS if diffs else Reason.UNCHANGED,
            before=before,
            after=after,
            field_changes=tuple(diffs),
            steps=tuple(steps),
            notes=tuple(notes),
            remote_id=rec.remote_id,
            location=image.location,
        )
    )


def _create_image(
    p: Planner,
    image: DesiredImage,
    rec: RecordedResource | None,
    upload: tuple[Step, ...],
    notes: tuple[str, ...],
) -> None:
    """An image uploaded anew: newly declared (`rec` None), or recorded but gone (deleted
    outside tailor, or its dataset is created again)."""
    p.add(
        Change(
            address=image.address,
            action=Action.CREATE,
            reason=Reason.NEW if rec is None else Reason.RECREATE_DELETED_OUTSIDE,
            before=None if rec is None else dict(rec.attributes),
            after=attrs.image_attributes(image),
            steps=upload,
            notes=notes,
            location=image.location,
        )
    )


def delete_dataset_tree(p: Planner, rec: RecordedResource, *, by_parent: bool) -> None:
    """The dataset's DELETE takes its images along; under a deleted project, the project's
    DELETE takes the dataset too."""
    address = rec.address
    for image in p.children(address, Kind.IMAGE):
        p.add(
            Change(
                address=image.address,
                action=Action.DELETE,
                reason=Reason.PARENT_DELETED,
                before=dict(image.attributes),
                remote_id=image.remote_id,
            )
        )
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    if not by_parent:
        if rec.remote_id in p.live.datasets:
            steps = (Step(StepKind.DELETE_DATASET, address),)
        else:
            p.gone(address)
            steps = (Step(StepKind.FORGET, address),)
            notes = ("already deleted outside tailor",)
    reason = Reason.PARENT_DELETED if by_parent else Reason.REMOVED_FROM_MANIFEST
    p.add(
        Change(
            address=address,
            action=Action.DELETE,
            reason=reason,
            before=dict(rec.attributes),
            steps=steps,
            notes=notes,
            remote_id=rec.remote_id,
        )
    )
    for dep in rec.deposed:
        old = {"old_id": dep}
        if by_parent or dep not in p.live.datasets:
            step = Step(StepKind.FORGET, address, old)
        else:
            step = Step(StepKind.DELETE_DATASET, address, old, {"dataset_id": "old_id"})
        p.add(
            Change(
                address=address,
                action=Action.DELETE,
                reason=Reason.DEPOSED_CLEANUP,
                steps=(step,),
                deposed=dep,
            )
        )


def plan_dataset_deposed(p: Planner, rec: RecordedResource) -> None:
    """A predecessor dataset goes once no model trains on it (DS-DELETE-IN-TRAINING)."""
    for dep in rec.deposed:
        if dep not in p.live.datasets:
            p.add(deposed_gone(rec.address, dep))
        elif p.training_on(dataset_id=dep):
            p.note(rec.address, f"predecessor dataset {dep} is kept while a model trains on it")
        else:
            old = {"old_id": dep}
            step = Step(StepKind.DELETE_DATASET, rec.address, old, {"dataset_id": "old_id"})
            p.add(
                Change(
                    address=rec.address,
                    action=Action.DELETE,
                    reason=Reason.DEPOSED_CLEANUP,
                    steps=(step,),
                    deposed=dep,
                )
            )
