"""A completed dataset whose content digest matches: its images held as a count.

Bria refuses every change to a completed dataset's images, and refresh takes their live view
from the state while Bria reports the dataset completed with the recorded image count. So
when the manifest's dataset hashes (`plan.digest`) to the digest apply recorded when it was
completed, and the state's image rows are untouched since (the store voids the digest
otherwise), comparing its images one by one can only find no-ops: the plan keeps them as
`UnchangedImages`, whose changes are made (by the same `update_image` a comparison runs)
only for what reads them. Any difference, in any field of the dataset or of any image, or a
state without a digest, takes the full comparison.
"""

from __future__ import annotations

from reconciler.addresses import Kind
from reconciler.plan.compare.dataset_delete import plan_dataset_deposed
from reconciler.plan.compare.dataset_steps import captions_in_zip
from reconciler.plan.compare.image import update_image
from reconciler.plan.context import PlanningContext
from reconciler.plan.diff import diff_attributes
from reconciler.plan.digest import desired_digest
from reconciler.plan.draft import DraftPlan
from reconciler.plan.model import Action, Change, Reason, UnchangedImages
from reconciler.resources import DesiredDataset, JsonValue, LiveDataset, RecordedResource


def plan_unchanged_completed(
    ctx: PlanningContext,
    out: DraftPlan,
    desired: DesiredDataset,
    rec: RecordedResource,
    live: LiveDataset,
    before: dict[str, JsonValue],
    after: dict[str, JsonValue],
) -> bool:
    """Plan the dataset as a no-op with its images as a count, if its digest allows; False
    (nothing written) when it must be compared in full."""
    if rec.content_digest is None or live.remote_id not in ctx.live.images_from_state:
        return False
    completed = rec.attributes.get("completed") is True and live.status == "completed"
    if not completed or not desired.completed:
        return False
    if diff_attributes(Kind.DATASET, before, after, frozen=True):
        return False
    if ctx.image_count(desired.address) != len(desired.images):
        return False
    if desired_digest(desired) != rec.content_digest:
        return False
    out.add(
        Change(
            address=desired.address,
            action=Action.NO_OP,
            reason=Reason.UNCHANGED,
            before=before,
            after=after,
            remote_id=rec.remote_id,
            location=desired.location,
        )
    )

    def changes() -> tuple[Change, ...]:
        scratch = DraftPlan()
        recorded = {r.address.key: r for r in ctx.children(desired.address, Kind.IMAGE)}
        live_images = ctx.live_images(live.remote_id)
        in_zip = captions_in_zip(desired)
        for image in desired.images:
            update_image(
                scratch,
                desired,
                image,
                recorded.get(image.name),
                live_images,
                prefix_changed=False,
                bulk=False,
                in_zip=in_zip,
            )
        return tuple(scratch.changes)

    out.unchanged.append(UnchangedImages(desired.address, len(desired.images), changes))
    plan_dataset_deposed(ctx, out, rec)
    return True
