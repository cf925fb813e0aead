"""Whether an advanced dataset's one bulk upload is still due, or spent (BULK-ONCE-ONLY)."""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.addresses import Kind
from reconciler.plan.context import PlanningContext
from reconciler.resources import DesiredDataset, LiveDataset, RecordedResource


def second_bulk_upload(
    ctx: PlanningContext, desired: DesiredDataset, live: LiveDataset, content: list[str]
) -> bool:
    """The images would need another bulk upload into this advanced dataset: it holds images
    (they came by its one upload) and some are added or changed, or none arrived but Bria
    reports that one upload."""
    if desired.upload_type != "advanced":
        return False
    recorded = ctx.children(desired.address, Kind.IMAGE)
    if (live.images_count > 0 or recorded) and ("add" in content or "content" in content):
        return True
    return live.bulk_status is not None and bulk_due(ctx, desired, live, recorded)


def bulk_due(
    ctx: PlanningContext,
    desired: DesiredDataset,
    live: LiveDataset,
    recorded: Sequence[RecordedResource],
) -> bool:
    """The declared images of an existing advanced dataset arrive by a bulk upload into it:
    none of them is at Bria yet."""
    live_images = ctx.live_images(live.remote_id)
    return (
        desired.upload_type == "advanced"
        and bool(desired.images)
        and live.images_count == 0
        and not any(r.remote_id in live_images for r in recorded)
    )


def bulk_once_only_note(live: LiveDataset) -> str:
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
