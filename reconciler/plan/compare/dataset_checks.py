"""Bria's dataset, upload and image rules, checked on the manifest before any call."""

from __future__ import annotations

from reconciler.plan.draft import DraftPlan
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
)


def check_dataset(out: DraftPlan, project: DesiredProject, dataset: DesiredDataset) -> None:
    """Bria's dataset and upload rules, checked before any call."""
    address, where = dataset.address, dataset.location
    limit = MAX_IMAGES[dataset.upload_type]
    if len(dataset.images) > limit:
        out.error(
            f"{address}: {len(dataset.images)} images, but a {dataset.upload_type} dataset "
            f"holds at most {limit}",
            address,
            where,
            constraint="IMG-MAX-200" if dataset.upload_type == "basic" else "BULK-MAX-5000",
        )
    if dataset.completed and not dataset.images:
        out.error(
            f"{address}: a dataset needs at least 1 image to be completed",
            address,
            where,
            constraint="DS-COMPLETE-MIN-1-IMAGE",
        )
    if dataset.caption_prefix == CAPTION_PREFIX_AUTO:
        if project.ip_type not in PREFIX_IP_TYPES:
            out.error(
                f"{address}: caption_prefix: auto is only available for "
                f"{', '.join(sorted(PREFIX_IP_TYPES))}, not {project.ip_type}",
                address,
                where,
                detail="write the prefix text instead of auto",
                constraint="PFX-IP-TYPE-SUPPORTED",
            )
        if not dataset.images:
            out.error(
                f"{address}: caption_prefix: auto needs at least 1 image",
                address,
                where,
                constraint="PFX-IMAGES-1-6",
            )
    for image in dataset.images:
        _check_image(out, dataset, image)


def _check_image(out: DraftPlan, dataset: DesiredDataset, image: DesiredImage) -> None:
    side = min(image.width, image.height)
    address, where = image.address, image.location or dataset.location
    size = f"{image.width}x{image.height}"
    if dataset.upload_type == "advanced":
        if side < MIN_SIDE_STRICT:
            out.error(
                f"{address}: {size} is smaller than 1024x1024 (advanced upload never upscales)",
                address,
                where,
                constraint="BULK-NO-INCREASE-RESOLUTION",
            )
    elif not dataset.increase_resolution:
        if side < MIN_SIDE_STRICT:
            out.error(
                f"{address}: {size} is smaller than 1024x1024 and increase_resolution is false",
                address,
                where,
                constraint="IMG-MIN-1024-STRICT",
            )
    elif side < MIN_SIDE_UPSCALED:
        out.error(
            f"{address}: {size} is smaller than 256x256", address, where, constraint="IMG-MIN-256"
        )
    if dataset.upload_type == "basic" and image.size_bytes > MAX_IMAGE_BYTES:
        out.error(
            f"{address}: {image.size_bytes} bytes is over the 12 MB limit",
            address,
            where,
            constraint="IMG-SIZE-12MB",
        )
    if image.caption is not None and not image.caption.strip():
        out.error(
            f"{address}: an explicit caption cannot be empty",
            address,
            where,
            constraint="IMG-CAPTION-NONEMPTY",
        )
