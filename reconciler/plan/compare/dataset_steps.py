"""The API steps a dataset's content takes: caption prefix or visual schema, uploads, the
bulk ZIP.

Pure recipes from the desired dataset to `Step`s; the comparators decide when they are due.
"""

from __future__ import annotations

from collections.abc import Sequence

from reconciler.bria_rules import SCHEMA_SAMPLE_MAX
from reconciler.plan import rules
from reconciler.plan.attributes import json_document
from reconciler.plan.model import Step, StepKind
from reconciler.resources import (
    CAPTION_PREFIX_AUTO,
    DesiredDataset,
    DesiredImage,
    DesiredProject,
    JsonValue,
)

BULK_NOTE = "uploaded by the dataset's bulk upload"


def prefix_sample(images: Sequence[DesiredImage]) -> tuple[DesiredImage, ...]:
    """Up to 6 images for generate_prefix, the same for the same images whatever their order:
    sorted by sha256 (then name), evenly spaced."""
    ordered = sorted(images, key=lambda i: (i.sha256, i.name))
    return tuple(ordered[i] for i in sample_indexes(len(ordered)))


def schema_sample(images: Sequence[DesiredImage]) -> tuple[DesiredImage, ...]:
    """Up to 10 images for generate_visual_schema, chosen like `prefix_sample`: the same
    schema sample for the same image contents whatever their order or the manifest's."""
    ordered = sorted(images, key=lambda i: (i.sha256, i.name))
    return tuple(ordered[i] for i in sample_indexes(len(ordered), SCHEMA_SAMPLE_MAX))


def sample_indexes(count: int, size: int = rules.PREFIX_SAMPLE_MAX) -> tuple[int, ...]:
    """Which of `count` ordered images a sample of at most `size` takes: evenly spaced."""
    if count <= size:
        return tuple(range(count))
    return tuple(i * count // size for i in range(size))


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


def schema_steps(dataset: DesiredDataset) -> list[Step]:
    """A FIBO dataset's visual schema, set before any upload so that Bria captions each image
    at upload: generated from sampled files (stateless, so from the workspace) and refined by
    each instruction in order, or the declared object. Nothing for a legacy dataset or a
    FIBO draft that declares no schema yet."""
    address = dataset.address
    if not dataset.is_fibo:
        return []
    if dataset.visual_schema_auto:
        sample = schema_sample(dataset.images)
        generate: dict[str, JsonValue] = {
            "images": [i.path for i in sample],
            "sha256": {i.path: i.sha256 for i in sample},
        }
        return [
            Step(StepKind.GENERATE_VISUAL_SCHEMA, address, generate),
            *(
                Step(StepKind.REFINE_VISUAL_SCHEMA, address, {"instruction": instruction})
                for instruction in dataset.refine
            ),
            Step(StepKind.SET_VISUAL_SCHEMA, address, {"generated": True}),
        ]
    if dataset.visual_schema is not None:
        schema = json_document(dataset.visual_schema)
        return [Step(StepKind.SET_VISUAL_SCHEMA, address, {"visual_schema": schema})]
    return []


def upload_steps(
    dataset: DesiredDataset, image: DesiredImage, *, captions_in_zip: bool
) -> tuple[Step, ...]:
    """Basic: upload then (explicit caption) PUT caption. Advanced: the dataset's bulk upload
    carries the file; an explicit caption is PUT afterwards unless the zip carries caption
    files (`captions_in_zip(dataset)`: the caller computes it once per dataset, since it looks
    at every image)."""
    steps: list[Step] = []
    if dataset.upload_type == "basic":
        args: dict[str, JsonValue] = {
            "image_name": image.name,
            "path": image.path,
            "sha256": image.sha256,
            "increase_resolution": dataset.increase_resolution,
        }
        steps.append(Step(StepKind.UPLOAD_IMAGE, image.address, args))
    if image.caption is not None and not captions_in_zip:
        steps.append(caption_step(dataset, image))
    return tuple(steps)


def caption_step(dataset: DesiredDataset, image: DesiredImage) -> Step:
    """An explicit caption PUT: text, or a FIBO image's JSON object (sent as JSON text)."""
    caption = json_document(image.caption) if dataset.is_fibo else image.caption
    return Step(StepKind.UPDATE_CAPTION, image.address, {"caption": caption})


def captions_in_zip(dataset: DesiredDataset) -> bool:
    """An advanced dataset whose images all have explicit captions: its bulk-upload zip
    carries them as caption files, so no image PUTs its caption afterwards."""
    return (
        dataset.upload_type == "advanced"
        and not dataset.is_fibo
        and all_captions_explicit(dataset)
    )


def all_captions_explicit(dataset: DesiredDataset) -> bool:
    return all(i.caption is not None for i in dataset.images)


def bulk_upload_args(dataset: DesiredDataset, explicit: bool) -> dict[str, JsonValue]:
    """Bria's current bulk upload has no `automatic_captioning` (a FIBO dataset is always
    captioned from its schema); only the legacy generation still chooses."""
    return {} if dataset.is_fibo else {"automatic_captioning": not explicit}


def bulk_steps(dataset: DesiredDataset) -> list[Step]:
    """Advanced upload: zip the files (with caption .txt files when every image has an
    explicit caption), stage the zip where Bria can fetch it, bulk-upload, wait."""
    address = dataset.address
    explicit = captions_in_zip(dataset)
    images: list[JsonValue] = [
        {"name": i.name, "path": i.path, "sha256": i.sha256, "caption": i.caption}
        for i in sorted(dataset.images, key=lambda i: i.name)
    ]
    zip_name = f"{dataset.content_fingerprint()[:16]}.zip"
    return [
        Step(
            StepKind.BUILD_ZIP,
            address,
            {"images": images, "caption_files": explicit, "zip_name": zip_name},
        ),
        Step(StepKind.STAGE_ZIP, address, {"zip_name": zip_name}),
        Step(StepKind.BULK_UPLOAD, address, bulk_upload_args(dataset, explicit)),
        Step(
            StepKind.WAIT_BULK_UPLOAD,
            address,
            {"expected_images": len(images)},
            note="until status completed; records the image ids by name",
        ),
    ]
