"""The manifest and tailor.yaml as pydantic models: the one source of truth for the JSON
Schemas editors use (`schemas/*.json`), the errors an invalid file gets, and what the quick
check of a valid file (`quickparse.py`) accepts, which tests/manifest compares with them.

Regenerate the schemas after changing a model:

    python -m reconciler.manifest.schema manifest > schemas/manifest.schema.json
    python -m reconciler.manifest.schema tailor > schemas/tailor.schema.json

Rules that span fields (photography only for some IP types, expert parameters only in expert
mode, references between datasets and models) are checked in `rules.py` so that each error can
point at the exact key; the schemas carry them too, as if/then clauses, for editors.

A valid file is checked by `quickparse.py` without importing this module (pydantic costs
~0.1 s of CPU to load): these models check a file only when it is unsure, and `as_part` turns
what they accept into the same plain records (`parts.py`) the rules and the loader read.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
)

from reconciler.addresses import KEY_PATTERN
from reconciler.manifest import parts
from reconciler.resources import (
    ILLUSTRATION_ONLY_IP_TYPES,
    DatasetTrainingVersion,
    IpMedium,
    IpType,
    LrScheduler,
    TrainingMode,
    TrainingVersion,
    UploadType,
)

Key = Annotated[str, StringConstraints(pattern=rf"^{KEY_PATTERN}$")]
NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
NOT_BLANK = r"\S"
VerbatimText = Annotated[str, StringConstraints(pattern=NOT_BLANK)]
"""Kept exactly as written (a caption prefix usually ends with ", "), but not blank."""

IMAGE_TAGS = ("glob", "entry")
"""Tags of the images-list union; they appear in pydantic error paths and are dropped there."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Lifecycle(_Strict):
    prevent_destroy: bool = Field(
        False, description="Plan fails instead of deleting or replacing this resource."
    )


class ModelLifecycle(Lifecycle):
    retain_on_replace: bool = Field(
        False, description="Keep the old model when a replacement has finished training."
    )


class Ip(_Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {
                    "if": {"properties": {"type": {"enum": list(ILLUSTRATION_ONLY_IP_TYPES)}}},
                    "then": {"properties": {"medium": {"const": "illustration"}}},
                },
                {
                    "if": {"properties": {"type": {"const": "defined_character"}}},
                    "then": {"required": ["name", "description"]},
                },
                {
                    "if": {"properties": {"type": {"const": "object_variants"}}},
                    "then": {"required": ["description"]},
                },
            ]
        }
    )

    type: IpType = Field(description="What the IP is; fixed once the project exists.")
    medium: IpMedium = Field(
        description="photography only for defined_character and stylized_scene."
    )
    name: NonEmptyText | None = Field(
        None, description="Character name (1-3 words); required for defined_character."
    )
    description: NonEmptyText | None = Field(
        None,
        description="Short description (up to 6 words); required for defined_character "
        "and object_variants.",
    )


_FIBO_DATASET: dict[str, Any] = {
    "properties": {"training_version": {"const": "fibo"}},
    "required": ["training_version"],
}


class ImageEntry(_Strict):
    path: NonEmptyText = Field(description="File or glob, relative to the manifest.")
    caption: NonEmptyText | None = Field(
        None, description="Caption for this image; wins over a sidecar NAME.txt."
    )


ImageSpec = Annotated[
    Annotated[NonEmptyText, Tag("glob")] | Annotated[ImageEntry, Tag("entry")],
    Discriminator(lambda value: "glob" if isinstance(value, str) else "entry"),
]


class Dataset(_Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "allOf": [
                {"if": _FIBO_DATASET, "then": {"not": {"required": ["caption_prefix"]}}},
                {
                    "if": {"not": _FIBO_DATASET},
                    "then": {
                        "not": {
                            "anyOf": [{"required": ["visual_schema"]}, {"required": ["refine"]}]
                        }
                    },
                },
            ]
        }
    )

    display_name: NonEmptyText | None = Field(
        None, description="Name at Bria; defaults to the key."
    )
    training_version: DatasetTrainingVersion = Field(
        "max",
        description="Bria's generation for this dataset, fixed once it exists: max (the "
        "default, like Bria's), light, 3.2 or 2.3 (text captions, caption_prefix), or fibo "
        "(JSON captions, visual_schema).",
    )
    upload: UploadType = Field(
        "basic", description="basic (up to 200 images) or advanced (zip bulk, up to 5000)."
    )
    caption_prefix: VerbatimText | None = Field(
        None,
        description='Legacy only: "auto" (generate_prefix from up to 6 sampled images), '
        "literal text, or omitted for Bria's default prefix.",
    )
    visual_schema: NonEmptyText | dict[str, Any] | None = Field(
        None,
        description='FIBO only: "auto" (generate_visual_schema from 5-10 of the images), a '
        "PATH.json relative to the manifest, or the schema as a mapping. Needed to complete. "
        '"auto" is generated when the schema is first set or its refine changes, not when '
        "images are added to a draft later (they are captioned with the schema it has, as "
        'with caption_prefix: "auto"); a completed dataset\'s new version generates it again '
        "when its sample of images moved.",
    )
    refine: list[NonEmptyText] | None = Field(
        None,
        description="FIBO only, with visual_schema: auto: instructions applied in order to the "
        "generated schema (refine_structured_prompt).",
    )
    images: list[ImageSpec] = Field(
        default_factory=lambda: [],
        description="Paths or globs relative to the manifest; NAME.txt beside an image is its "
        "caption (FIBO: NAME.json, a JSON object).",
    )
    increase_resolution: bool = Field(
        True,
        description="Basic upload only: let Bria upscale images whose shortest side is "
        "256-1023 px.",
    )
    completed: bool = Field(
        True, description="Mark the dataset completed (required to train on it)."
    )
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)


class ExpertParameters(_Strict):
    """Bounds as Bria's (TRAIN-RANGE, `bria_rules.EXPERT_PARAMETER_RANGES`); validate words a
    value out of range as the planner does (`rules.schema_errors`)."""

    rank: int | None = Field(None, ge=4, le=256)
    learning_rate: float | None = Field(None, ge=1e-6, le=1e-3)
    lr_scheduler: LrScheduler | None = None
    total_training_steps: int | None = Field(None, ge=1, le=5000)
    checkpoint_interval: int | None = Field(
        None, ge=100, description="At most total_training_steps (default 1500; FIBO 750)."
    )
    lr_warmup_steps: int | None = Field(
        None, ge=0, le=1000, description="Used only with lr_scheduler constant_with_warmup."
    )


class Model(_Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "not": {
                    "properties": {"training_mode": {"const": "expert"}},
                    "required": ["training_mode"],
                }
            },
            "then": {"not": {"required": ["parameters"]}},
        }
    )

    display_name: NonEmptyText | None = Field(
        None, description="Name at Bria; defaults to the key."
    )
    dataset: Key = Field(description="Key of a dataset in the same manifest.")
    training_version: TrainingVersion | None = Field(
        None,
        description="light, max, bria-2.3 or bria-3.2 for a legacy dataset (required), fibo "
        "for a FIBO dataset (may be omitted).",
    )
    training_mode: TrainingMode = Field("fully_automated")
    description: str = ""
    parameters: ExpertParameters | None = Field(
        None, description="Expert training parameters; only with training_mode: expert."
    )
    train: bool = Field(True, description="Start training once the model is created.")
    lifecycle: ModelLifecycle = Field(default_factory=ModelLifecycle)


class Manifest(_Strict):
    """One project per file."""

    model_config = ConfigDict(title="tailor manifest")

    project: Key = Field(description="Stable key of the project (its address).")
    display_name: NonEmptyText | None = Field(
        None, description="project_name at Bria; defaults to the key."
    )
    description: str = ""
    ip: Ip
    datasets: dict[Key, Dataset] = Field(default_factory=lambda: {})
    models: dict[Key, Model] = Field(default_factory=lambda: {})
    lifecycle: Lifecycle = Field(default_factory=Lifecycle)


class TailorFile(_Strict):
    """tailor.yaml: workspace settings (flags and environment variables win over these)."""

    model_config = ConfigDict(title="tailor.yaml workspace settings")

    api: Annotated[str, StringConstraints(pattern=r"^(sandbox|https?://\S+)$")] | None = Field(
        None,
        description='"sandbox" or the base URL of the API, e.g. '
        "https://engine.prod.bria-api.com/v1",
    )
    state: NonEmptyText | None = Field(
        None, description="SQLite path relative to the workspace, or a postgresql:// DSN."
    )
    parallelism: int | None = Field(None, ge=1, le=256)
    staging: NonEmptyText | None = Field(
        None, description="Where advanced-dataset zips are put, e.g. s3://bucket/prefix/"
    )
    requests_per_minute: float | None = Field(
        None,
        gt=0,
        description="At most this many requests a minute to Bria (default: 10, the free "
        "plan's limit, on the real API; none on a sandbox). Starter plans allow 60.",
    )
    rate_limit_wait: float | None = Field(
        None,
        ge=0,
        description="Seconds one request keeps retrying Bria's rate-limit answers (429) "
        "before apply gives up (default 600).",
    )


PARTS: dict[type[BaseModel], type[Any]] = {
    Lifecycle: parts.Lifecycle,
    ModelLifecycle: parts.ModelLifecycle,
    Ip: parts.Ip,
    ImageEntry: parts.ImageEntry,
    Dataset: parts.Dataset,
    ExpertParameters: parts.ExpertParameters,
    Model: parts.Model,
    Manifest: parts.Manifest,
}
"""Each model's plain record: the same fields (and `given`, the keys set, where it has one)."""


def as_part(model: BaseModel) -> Any:
    """A validated model as the record `quickparse` makes of the same input."""
    part = PARTS[type(model)]
    fields = {name: _field_part(getattr(model, name)) for name in type(model).model_fields}
    if "given" in part._fields:
        fields["given"] = frozenset(model.model_fields_set)
    return part(**fields)


def _field_part(value: object) -> object:
    """A field's value with the models in it made records; other values (a visual_schema
    mapping's) are left as they are."""
    if isinstance(value, BaseModel):
        return as_part(value)
    if isinstance(value, list):
        return [as_part(v) if isinstance(v, BaseModel) else v for v in value]
    if isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
        return {k: as_part(v) for k, v in value.items()}
    return value


def json_schema(model: type[BaseModel], schema_id: str) -> dict[str, Any]:
    schema = model.model_json_schema()
    _close_keyed_maps(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, **schema}


def _close_keyed_maps(node: object) -> None:
    """Maps keyed by a pattern (datasets, models) refuse other keys in editors too."""
    if isinstance(node, dict):
        if "patternProperties" in node:
            node.setdefault("additionalProperties", False)
        for child in node.values():
            _close_keyed_maps(child)
    elif isinstance(node, list):
        for child in node:
            _close_keyed_maps(child)


SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "manifest": (Manifest, "manifest.schema.json"),
    "tailor": (TailorFile, "tailor.schema.json"),
}


def render_schema(name: str) -> str:
    model, file_name = SCHEMAS[name]
    return json.dumps(json_schema(model, file_name), indent=2, sort_keys=True) + "\n"


def _main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SCHEMAS:
        sys.stderr.write(f"usage: python -m reconciler.manifest.schema {{{'|'.join(SCHEMAS)}}}\n")
        return 2
    sys.stdout.write(render_schema(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
