"""Bria's rules, each written once: its constraint id, when it is broken and what to say.

`tailor validate` (reconciler.manifest) and the planner's checks (reconciler.plan) both ask
these functions, so one rule refuses one input with the same words wherever it is met. The
inputs are plain facts rather than manifest models or Desired records, so that both callers
can say what they know; each caller adds where the problem is (a YAML position and manifest
path, or a resource address). The rules are parameterised by generation: a dataset's
`training_version` picks the legacy rules (caption prefix, 1 image to complete) or FIBO's
(visual schema, 5 images). Constraint ids are those of REFERENCE section 11 and of Bria's
published document, spelt as the sandbox spells them (the sandbox is not imported here).
"""

# size: every Bria rule in one place is the point: one table to read, one import for both callers
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from reconciler.records import record
from reconciler.resources import (
    CAPTION_PREFIX_AUTO,
    DEFAULT_TOTAL_TRAINING_STEPS,
    FIBO,
    ILLUSTRATION_ONLY_IP_TYPES,
    IP_DESCRIPTION_REQUIRED,
    IP_NAME_REQUIRED,
    MAX_IMAGE_BYTES,
    MAX_IMAGES,
    MIN_SIDE_STRICT,
    MIN_SIDE_UPSCALED,
    PREFIX_IP_TYPES,
    JsonValue,
    LrScheduler,
)

Family = Literal["legacy", "fibo"]

LEGACY_MODEL_VERSIONS = ("light", "max", "bria-2.3", "bria-3.2")
MODEL_VERSION_OF_DATASET: Mapping[str, str] = {
    "max": "max",
    "light": "light",
    "3.2": "bria-3.2",
    "2.3": "bria-2.3",
    FIBO: FIBO,
}
"""The model training_version that matches a dataset's (what a FIBO model omits)."""
MIN_IMAGES_TO_COMPLETE: Mapping[Family, int] = {"legacy": 1, "fibo": 5}
"""DS-COMPLETE-MIN-1-IMAGE, DS-FIBO-COMPLETE."""
SCHEMA_SAMPLE_MIN, SCHEMA_SAMPLE_MAX = 5, 10
"""generate_visual_schema takes 5-10 images (VS-IMAGES-5-10)."""
DEFAULT_STEPS: Mapping[Family, int] = {"legacy": DEFAULT_TOTAL_TRAINING_STEPS, "fibo": 750}
"""Start Training's total_training_steps default by generation (TRAIN-FAMILY-DEFAULTS)."""
EXPERT_PARAMETER_RANGES: Mapping[str, tuple[float, float]] = {
    "rank": (4, 256),
    "learning_rate": (0.000001, 0.001),
    "total_training_steps": (1, 5000),
    "checkpoint_interval": (100, 5000),
    "lr_warmup_steps": (0, 1000),
}
"""TRAIN-RANGE. The manifest's JSON Schema carries the same bounds for editors."""
LR_SCHEDULERS: tuple[str, ...] = get_args(LrScheduler)


def family_of(training_version: str | None) -> Family:
    """A dataset's or model's generation; an omitted dataset version is Bria's default, max."""
    return "fibo" if training_version == FIBO else "legacy"


def family_name(family: Family) -> str:
    return "FIBO" if family == "fibo" else "legacy"


@record
class Violation:
    """One broken rule. `field` is the manifest key below the resource's entry (`ip.medium`
    is ("ip", "medium") of a project; empty means the entry itself)."""

    constraint: str
    message: str
    field: tuple[str, ...] = ()
    hint: str | None = None
    absent: bool = False
    """The key is missing: point at the entry that should hold it."""
    at_key: bool = False
    """Point at the key rather than its value (a list or mapping)."""


# ------------------------------------------------------------------------------ projects


@record
class ProjectFacts:
    """What Create Project's rules read: the manifest's ip, or a plan's desired project."""

    ip_type: str
    ip_medium: str
    ip_name: str | None
    ip_description: str | None


def project_violations(project: ProjectFacts) -> list[Violation]:
    """PRJ-*: Create Project's rules on the IP."""
    found: list[Violation] = []
    ip_type = project.ip_type
    if project.ip_medium == "photography" and ip_type in ILLUSTRATION_ONLY_IP_TYPES:
        found.append(
            Violation(
                "PRJ-MEDIUM-ILLUSTRATION-ONLY",
                f"photography is not available for {ip_type}; Bria allows it only for "
                "defined_character and stylized_scene",
                ("ip", "medium"),
                "use medium: illustration",
            )
        )
    if ip_type in IP_NAME_REQUIRED and not project.ip_name:
        found.append(
            Violation(
                "PRJ-IP-NAME-REQUIRED",
                f"required when ip.type is {ip_type}",
                ("ip", "name"),
                "the character's name, 1-3 words",
                absent=True,
            )
        )
    if ip_type in IP_DESCRIPTION_REQUIRED and not project.ip_description:
        found.append(
            Violation(
                "PRJ-IP-DESC-REQUIRED",
                f"required when ip.type is {ip_type}",
                ("ip", "description"),
                "a short description, up to 6 words",
                absent=True,
            )
        )
    return found


# ------------------------------------------------------------------------------ datasets


@record
class DatasetFacts:
    """What the dataset rules read, from a manifest or a plan alike."""

    key: str
    training_version: str
    upload_type: str
    caption_prefix: str | None
    visual_schema: Literal["auto", "declared"] | None
    refine: int
    """How many refine instructions."""
    images: int
    completed: bool
    increase_resolution_set: bool = False
    """An advanced dataset that says increase_resolution: true (only a manifest can)."""

    @property
    def family(self) -> Family:
        return family_of(self.training_version)


def dataset_violations(dataset: DatasetFacts, ip_type: str | None) -> list[Violation]:
    """One dataset's rules for its generation; `ip_type` None when the project's is unknown."""
    found = _family_field_violations(dataset)
    upload, count = dataset.upload_type, dataset.images
    limit = MAX_IMAGES["advanced" if upload == "advanced" else "basic"]
    if count > limit:
        found.append(
            Violation(
                "IMG-MAX-200" if upload == "basic" else "BULK-MAX-5000",
                f"{count} images; {'an' if upload == 'advanced' else 'a'} {upload} dataset holds "
                f"at most {limit}",
                ("images",),
                "use upload: advanced for up to 5000 images" if upload == "basic" else None,
                at_key=True,
            )
        )
    if upload == "advanced" and dataset.increase_resolution_set:
        found.append(
            Violation(
                "BULK-NO-INCREASE-RESOLUTION",
                "Bria does not upscale images in an advanced (bulk) upload; every image "
                "needs a shortest side of 1024 px",
                ("increase_resolution",),
                "remove increase_resolution, or use upload: basic",
            )
        )
    if dataset.family == "fibo":
        found.extend(_fibo_dataset_violations(dataset))
    else:
        found.extend(_legacy_dataset_violations(dataset, ip_type))
    return found


def _family_field_violations(dataset: DatasetFacts) -> list[Violation]:
    """DS-FIELD-FAMILY: caption_prefix is legacy-only, visual_schema and refine FIBO-only."""
    if dataset.family == "fibo":
        if dataset.caption_prefix is None:
            return []
        return [
            Violation(
                "DS-FIELD-FAMILY",
                "a FIBO dataset (training_version: fibo) has no caption prefix; its captions "
                "are JSON documents shaped by its visual_schema",
                ("caption_prefix",),
                "remove caption_prefix, or use a legacy training_version (max, light, 3.2, 2.3)",
            )
        ]
    found: list[Violation] = []
    for name, present in (("visual_schema", dataset.visual_schema), ("refine", dataset.refine)):
        if present:
            found.append(
                Violation(
                    "DS-FIELD-FAMILY",
                    f"only a FIBO dataset has a visual schema, and this one's training_version "
                    f"is {dataset.training_version} (legacy)",
                    (name,),
                    f"set training_version: fibo, or remove {name}",
                    at_key=True,
                )
            )
    return found


def _legacy_dataset_violations(dataset: DatasetFacts, ip_type: str | None) -> list[Violation]:
    found: list[Violation] = []
    if dataset.completed and dataset.images < MIN_IMAGES_TO_COMPLETE["legacy"]:
        found.append(
            Violation(
                "DS-COMPLETE-MIN-1-IMAGE",
                "no images, but a completed dataset needs at least one",
                hint="add images, or set completed: false",
                at_key=True,
            )
        )
    if dataset.caption_prefix == CAPTION_PREFIX_AUTO:
        if ip_type is not None and ip_type not in PREFIX_IP_TYPES:
            found.append(
                Violation(
                    "PFX-IP-TYPE-SUPPORTED",
                    "'auto' asks Bria's generate_prefix, which supports only "
                    f"{', '.join(PREFIX_IP_TYPES)}, not {ip_type}",
                    ("caption_prefix",),
                    "omit caption_prefix for Bria's default, or write the prefix yourself",
                )
            )
        if not dataset.images:
            found.append(
                Violation(
                    "PFX-IMAGES-1-6",
                    "'auto' needs at least one image to sample",
                    ("caption_prefix",),
                )
            )
    return found


def _fibo_dataset_violations(dataset: DatasetFacts) -> list[Violation]:
    found: list[Violation] = []
    least = MIN_IMAGES_TO_COMPLETE["fibo"]
    if dataset.completed and dataset.images < least:
        found.append(
            Violation(
                "DS-FIBO-COMPLETE",
                f"{dataset.images} image(s), but a completed FIBO dataset needs at least {least}",
                ("images",) if dataset.images else (),
                "add images, or set completed: false",
                at_key=True,
            )
        )
    if dataset.completed and dataset.visual_schema is None:
        found.append(
            Violation(
                "DS-FIBO-COMPLETE",
                "required to complete a FIBO dataset",
                ("visual_schema",),
                "visual_schema: auto (generated from 5-10 of its images), a PATH.json file, "
                "or a mapping; or set completed: false",
                absent=True,
            )
        )
    if dataset.visual_schema == "auto" and dataset.images < SCHEMA_SAMPLE_MIN:
        found.append(
            Violation(
                "VS-IMAGES-5-10",
                f"'auto' asks Bria's generate_visual_schema, which needs "
                f"{SCHEMA_SAMPLE_MIN}-{SCHEMA_SAMPLE_MAX} sample images, but the dataset has "
                f"{dataset.images}",
                ("visual_schema",),
                "add images, or give the schema as a PATH.json file or a mapping",
            )
        )
    return found


FAMILY_LOCK = "DS-FAMILY-LOCK"
"""Bria locks a project to the generation of its first dataset."""


def family_lock_violations(
    datasets: Sequence[tuple[str, str]], locked: str | None = None
) -> dict[str, Violation]:
    """DS-FAMILY-LOCK: a project holds datasets of one family. `datasets` is (key,
    training_version) in key order; the project is locked by `locked` (the version Bria
    reports for it) or else by the first dataset. By dataset key."""
    if not datasets:
        return {}
    first_key, first_version = datasets[0]
    lock = family_of(locked) if locked is not None else family_of(first_version)
    by = (
        f"Bria reports the project locked to {locked}"
        if locked is not None
        else f"datasets.{first_key} is {first_version}"
    )
    found: dict[str, Violation] = {}
    for key, version in datasets:
        if family_of(version) != lock:
            found[key] = Violation(
                FAMILY_LOCK,
                f"{version} is a {family_name(family_of(version))} version, but this project "
                f"is {family_name(lock)} ({by}); Bria locks a project to the family of its "
                "first dataset",
                ("training_version",),
                "keep each generation in a project of its own (another manifest)",
            )
    return found


# ------------------------------------------------------------------------------ images


@record
class ImageRuleFacts:
    """What the image rules read: a file's pixels and bytes, its dataset's upload and upscaling."""

    width: int
    height: int
    size_bytes: int | None
    """None when not yet known (validate checks the size from stat before reading)."""
    upload_type: str
    upscale: bool
    caption: str | None
    caption_is_json: bool
    """The caption is a JSON object (a NAME.json sidecar), not text."""
    training_version: str


def image_violations(image: ImageRuleFacts) -> list[Violation]:
    found: list[Violation] = []
    if image.size_bytes is not None:
        found.extend(image_size_violations(image.size_bytes, image.upload_type))
    side = min(image.width, image.height)
    size = f"{image.width}x{image.height} px"
    if image.upload_type == "advanced":
        if side < MIN_SIDE_STRICT:
            found.append(
                Violation(
                    "BULK-NO-INCREASE-RESOLUTION",
                    f"{size}; an advanced upload needs a shortest side of at least "
                    f"{MIN_SIDE_STRICT} px (Bria never upscales a bulk upload)",
                )
            )
    elif not image.upscale:
        if side < MIN_SIDE_STRICT:
            found.append(
                Violation(
                    "IMG-MIN-1024-STRICT",
                    f"{size}; with increase_resolution: false the shortest side must be at "
                    f"least {MIN_SIDE_STRICT} px",
                )
            )
    elif side < MIN_SIDE_UPSCALED:
        found.append(
            Violation(
                "IMG-MIN-256",
                f"{size}; the shortest side must be at least {MIN_SIDE_UPSCALED} px (Bria "
                f"upscales {MIN_SIDE_UPSCALED}-{MIN_SIDE_STRICT - 1} px)",
            )
        )
    found.extend(caption_violations(image.caption, image.caption_is_json, image.training_version))
    return found


class DatasetImageRules:
    """One dataset's image rules, but the file size (IMG-SIZE-12MB, asked apart with
    `image_size_violations`). Without a caption an image's verdict depends on its size alone,
    so it is asked once per size, not once for each of thousands of images."""

    def __init__(self, upload_type: str, upscale: bool, training_version: str) -> None:
        self._upload_type = upload_type
        self._upscale = upscale
        self._training_version = training_version
        self._uncaptioned: dict[tuple[int, int], list[Violation]] = {}

    def violations(
        self, width: int, height: int, caption: str | None, caption_is_json: bool
    ) -> list[Violation]:
        if caption is None:
            found = self._uncaptioned.get((width, height))
            if found is not None:
                return found
        found = image_violations(
            ImageRuleFacts(
                width=width,
                height=height,
                size_bytes=None,
                upload_type=self._upload_type,
                upscale=self._upscale,
                caption=caption,
                caption_is_json=caption_is_json,
                training_version=self._training_version,
            )
        )
        if caption is None:
            self._uncaptioned[(width, height)] = found
        return found


def image_size_violations(size_bytes: int, upload_type: str) -> list[Violation]:
    """IMG-SIZE-12MB, checked from the file's size alone (nothing read to refuse it)."""
    if size_bytes <= MAX_IMAGE_BYTES:
        return []
    article = "an" if upload_type == "advanced" else "a"
    return [
        Violation(
            "IMG-SIZE-12MB",
            f"{size_bytes / 2**20:.1f} MiB; {article} {upload_type} upload takes images up to "
            f"{MAX_IMAGE_BYTES / 2**20:.0f} MiB",
            hint="shrink or re-encode the image (Bria resizes to 1024 px anyway)",
        )
    ]


def caption_violations(
    caption: str | None, caption_is_json: bool, training_version: str
) -> list[Violation]:
    """IMG-CAPTION-NONEMPTY, and IMG-CAPTION-JSON: a FIBO caption is a JSON object."""
    if caption is None:
        return []
    if not caption.strip():
        return [Violation("IMG-CAPTION-NONEMPTY", "an explicit caption cannot be empty")]
    if family_of(training_version) == "fibo" and not caption_is_json:
        return [
            Violation(
                "IMG-CAPTION-JSON",
                "a FIBO image's caption is a JSON object (a NAME.json sidecar), not text",
                hint="write the caption as a JSON object in NAME.json beside the image, or "
                "remove it to let Bria caption the image from the visual schema",
            )
        ]
    return []


# ------------------------------------------------------------------------------ models


@record
class ModelFacts:
    """What the model rules read, from a manifest or a plan alike."""

    training_version: str | None
    """None when the manifest omits it (allowed for a FIBO dataset only)."""
    training_mode: str
    parameters: Mapping[str, JsonValue]
    train: bool


@record
class ModelDatasetFacts:
    """What a model's rules need of the dataset it trains on."""

    key: str
    training_version: str
    completed: bool


def model_version(model: ModelFacts, dataset: ModelDatasetFacts | None) -> str | None:
    """The training_version Create Model gets: the declared one, or the dataset's match."""
    if model.training_version is not None:
        return model.training_version
    if dataset is not None and family_of(dataset.training_version) == "fibo":
        return FIBO
    return None


def missing_dataset_violation(project: str, dataset: str) -> Violation:
    """MODEL-DATASET-REQUIRED: a model names a dataset of its own project."""
    return Violation(
        "MODEL-DATASET-REQUIRED",
        f"no dataset '{dataset}' in project '{project}'",
        ("dataset",),
        "declare it under datasets",
    )


def model_violations(model: ModelFacts, dataset: ModelDatasetFacts | None) -> list[Violation]:
    """MODEL-*, TRAIN-*: Create Model's and Start Training's rules. `dataset` None when the
    model's dataset is unknown (undeclared or itself invalid: reported elsewhere)."""
    found: list[Violation] = []
    version = model.training_version
    if dataset is not None:
        dataset_family = family_of(dataset.training_version)
        matching = MODEL_VERSION_OF_DATASET.get(dataset.training_version, "max")
        if version is None and dataset_family == "legacy":
            found.append(
                Violation(
                    "MODEL-VERSION-ENUM",
                    f"required for a model of a legacy dataset ({', '.join(LEGACY_MODEL_VERSIONS)})"
                    "; only a model of a FIBO dataset may omit it",
                    ("training_version",),
                    f"training_version: {matching} matches dataset '{dataset.key}'",
                    absent=True,
                )
            )
        elif version is not None and family_of(version) != dataset_family:
            found.append(
                Violation(
                    "MODEL-VERSION-FAMILY",
                    f"{version} is a {family_name(family_of(version))} version, but dataset "
                    f"'{dataset.key}' is {family_name(dataset_family)} (training_version: "
                    f"{dataset.training_version}); a model trains only on a dataset of its "
                    "own family",
                    ("training_version",),
                    f"use training_version: {matching}"
                    + (", or omit it" if dataset_family == "fibo" else ""),
                )
            )
        if model.train and not dataset.completed:
            found.append(
                Violation(
                    "TRAIN-DATASET-COMPLETED",
                    f"training needs a completed dataset, but dataset '{dataset.key}' has "
                    "completed: false",
                    ("train",),
                    f"set completed: true on datasets.{dataset.key}, or train: false on the model",
                )
            )
    found.extend(_parameter_violations(model, dataset))
    return found


def _parameter_violations(model: ModelFacts, dataset: ModelDatasetFacts | None) -> list[Violation]:
    found: list[Violation] = []
    params = model.parameters
    if params and model.training_mode != "expert":
        found.append(
            Violation(
                "TRAIN-EXPERT-PARAMS-ONLY",
                "training parameters are only allowed with training_mode: expert",
                ("parameters",),
                "set training_mode: expert, or remove parameters",
                at_key=True,
            )
        )
    for name, value in sorted(params.items()):
        found.extend(parameter_range_violations(name, value))
    interval = params.get("checkpoint_interval")
    family = family_of(
        model_version(model, dataset) or (dataset.training_version if dataset else None)
    )
    default = DEFAULT_STEPS[family]
    total = params.get("total_training_steps", default)
    if isinstance(interval, int | float) and isinstance(total, int | float) and interval > total:
        said = "" if "total_training_steps" in params else f", the {family_name(family)} default"
        found.append(
            Violation(
                "TRAIN-CHECKPOINT-LE-STEPS",
                f"{interval} is more than total_training_steps ({total}{said})",
                ("parameters", "checkpoint_interval"),
            )
        )
    return found


def parameter_range_violations(name: str, value: JsonValue) -> list[Violation]:
    """TRAIN-RANGE for one expert parameter (unknown names are the schema's business)."""
    if name == "lr_scheduler":
        if value in LR_SCHEDULERS:
            return []
        return [
            Violation(
                "TRAIN-RANGE",
                f"{value!r} is not one of {', '.join(LR_SCHEDULERS)}",
                ("parameters", name),
            )
        ]
    bounds = EXPERT_PARAMETER_RANGES.get(name)
    if bounds is None:
        return []
    low, high = bounds
    if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
        return []
    return [
        Violation(
            "TRAIN-RANGE",
            f"{value} is outside {_number(low)}..{_number(high)}",
            ("parameters", name),
        )
    ]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
