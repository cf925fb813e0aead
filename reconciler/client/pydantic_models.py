"""Bria's answers and our requests as pydantic models: the reference reader.

`models.py` holds the same shapes as plain records, read without pydantic when an answer is
plainly well formed. This module is loaded only for anything else (a string where a number
goes, a missing field, a rarer timestamp form, a request that does not fit): its models read
it with the tolerance documented in `models.py`, and word the error when it cannot be read.
`as_record` turns what they read into the records the rest of tailor uses. Each field means
what its record's field says (models.py); tests/client/test_quick_read.py keeps the two
declarations alike, field by field, and proves they read every answer alike.

Annotations here are evaluated as each class is made (no `from __future__ import
annotations`): pydantic then has no strings to resolve for 33 models.
"""

import functools
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from reconciler.client import models
from reconciler.client.json_records import JsonRecord
from reconciler.client.models import (
    DatasetTrainingVersion,
    IpMedium,
    IpType,
    IpTypeOrOther,
    ModelTrainingVersion,
    PrefixIpType,
    TrainingMode,
    UploadTrainingVersion,
    UploadType,
)
from reconciler.client.models import lower as _lower
from reconciler.client.models import schema as _schema
from reconciler.client.models import texts as _texts

R = TypeVar("R", bound=JsonRecord)


def _as_utc(value: object, handler: ValidatorFunctionWrapHandler) -> datetime | None:
    try:
        parsed = handler(value)
    except ValidationError:
        return None
    if not isinstance(parsed, datetime):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


Timestamp = Annotated[datetime | None, WrapValidator(_as_utc)]
"""`2024-05-26T12:00:00Z` or `2025-08-20T06:06:05.849402` (naive means UTC); else None."""


# defer_build: a model's validator is built when first used, not when tailor starts; a plan
# uses a handful of these models.
class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_default(cls, data: Any) -> Any:
        """A null where the field has a default reads as that default (Bria sends nulls
        for fields of the other generation: a FIBO dataset's `caption_prefix`)."""
        if isinstance(data, dict) and None in data.values():
            fields = cls.model_fields
            return {
                k: v
                for k, v in data.items()
                if v is not None or k not in fields or fields[k].is_required()
            }
        return data


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def body(self) -> dict[str, Any]:
        """The JSON body: fields left unset are not sent, so Bria applies its defaults."""
        return self.model_dump(mode="json", exclude_none=True)


# --------------------------------------------------------------------------- projects


class Identified(_Response):
    """A response for an object with an id (what a create answers)."""

    id: int


class Project(Identified):
    project_name: str
    project_description: str = ""
    ip_name: str | None = None
    ip_description: str | None = None
    ip_medium: str
    ip_type: str
    status: str = "active"
    training_version: Annotated[str | None, BeforeValidator(_lower)] = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


class CreateProjectRequest(_Request):
    project_name: str
    ip_medium: IpMedium
    ip_type: IpType
    project_description: str | None = None
    ip_name: str | None = None
    ip_description: str | None = None


class UpdateProjectRequest(_Request):
    """Only the fields given are sent; one given as None is sent as null, which clears it
    at Bria (ip_name, ip_description; project_description becomes "")."""

    project_name: str | None = None
    project_description: str | None = None
    ip_name: str | None = None
    ip_description: str | None = None

    def body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


# --------------------------------------------------------------------------- images


class Image(Identified):
    dataset_id: int
    image_name: str
    caption: str | None = None
    caption_source: str | None = None
    image_url: str | None = None
    thumbnail_url: str | None = None
    upload_source_url: str | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


# --------------------------------------------------------------------------- datasets


class Dataset(Identified):
    project_id: int
    name: str
    caption_prefix: str | None = None
    visual_schema: Annotated[dict[str, Any] | str | None, BeforeValidator(_schema)] = None
    training_version: Annotated[str | None, BeforeValidator(_lower)] = None
    status: str
    captions_update_status: str | None = None
    upload_type: str = "basic"
    captions_source: str | None = None
    images_count: int = 0
    images: list[Image] | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


class CreateDatasetRequest(_Request):
    project_id: int
    name: str
    upload_type: UploadType | None = None
    training_version: DatasetTrainingVersion = "max"


class UpdateDatasetRequest(_Request):
    name: str | None = None
    caption_prefix: str | None = None
    visual_schema: str | None = None
    status: Literal["draft", "completed"] | None = None


class FailedImage(_Response):
    filename: str = ""
    error_code: int | str | None = None
    error_message: str | None = None


class BulkUploadStatus(_Response):
    status: str
    progress_percentage: float = 0
    total_processed: int = 0
    done: int = 0
    failed: int = 0
    failed_images: list[FailedImage] = Field(default_factory=lambda: [])


class DatasetDownload(_Response):
    download_url: str
    captions_url: str | None = None
    caption_prefix: str | None = None


class GeneratePrefixRequest(_Request):
    ip_type: PrefixIpType
    ip_medium: IpMedium
    images: list[str] | None = None
    image_urls: list[str] | None = None
    ip_name: str | None = None
    content_moderation: bool | None = None


class CaptionPrefix(_Response):
    prefix: str


# --------------------------------------------------------------------------- models


class Model(Identified):
    name: str
    description: str = ""
    status: str
    training_mode: str | None = None
    training_version: Annotated[str | None, BeforeValidator(_lower)] = None
    generation_prefix: str = ""
    active_model_version: str | None = None
    training_parameters: dict[str, Any] = Field(default_factory=lambda: {})
    checkpoint_steps: Annotated[list[str], BeforeValidator(_texts)] = Field(
        default_factory=lambda: []
    )
    custom_metadata: str | None = None
    project_id: int | None = None
    dataset_id: int | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


class CreateModelRequest(_Request):
    name: str
    dataset_id: int
    training_mode: TrainingMode
    training_version: ModelTrainingVersion
    description: str | None = None


class UpdateModelRequest(_Request):
    name: str | None = None
    description: str | None = None


class ProjectParameters(_Request):
    """The project Upload Model creates when no `project_id` is given."""

    project_name: str
    ip_medium: IpMedium
    project_description: str | None = None
    ip_type: IpTypeOrOther | None = None


class UploadModelRequest(_Request):
    """Upload Model's fields: `model_url`, `model_name`, `training_version`, `caption_prefix`,
    and the project as `project_id` or `project_parameters` (exactly one)."""

    model_url: str
    model_name: str
    training_version: UploadTrainingVersion
    caption_prefix: str | None = None
    project_id: int | None = None
    project_parameters: ProjectParameters | None = None


class Checkpoint(_Response):
    checkpoint_step: int
    training_job_id: int | None = None
    created_at: Timestamp = None


class CheckpointList(_Response):
    checkpoints: list[Checkpoint] = Field(default_factory=lambda: [])
    active_model_version: str | None = None


class ModelDownload(_Response):
    download_url: str
    base_model_name: str | None = None
    base_model_card: str | None = None
    generation_prefix: str | None = None


# --------------------------------------------------------------------------- generation


class GeneratedImage(_Response):
    urls: list[str] = Field(default_factory=lambda: [])
    seed: int | None = None
    uuid: str | None = None


class GenerationResult(_Response):
    result: list[GeneratedImage] = Field(default_factory=lambda: [])


# --------------------------------------------------------------------------- FIBO


class GenerateVisualSchemaRequest(_Request):
    images: Annotated[list[str], Field(min_length=5, max_length=10)]
    content_moderation: bool | None = None


class VisualSchema(_Response):
    visual_schema: str


class RefineStructuredPromptRequest(_Request):
    dataset_id: int
    structured_prompt: str
    instruction: str
    context_images: list[str] | None = None


class StructuredPrompt(_Response):
    structured_prompt: str


class GenerateImageRequest(_Request):
    """v2 `/image/generate/tailored` (FIBO models): a prompt, a structured prompt, or both."""

    tailored_model_id: str
    prompt: str | None = None
    structured_prompt: str | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    aspect_ratio: str | None = None
    tailored_model_influence: float | None = None
    guidance_scale: int | None = None
    steps_num: int | None = None
    sync: bool | None = None
    prompt_content_moderation: bool | None = None
    visual_output_content_moderation: bool | None = None


class ImageGenerated(_Response):
    image_url: str
    structured_prompt: str | None = None


class ImageAccepted(_Response):
    """A v2 request still running: poll its status by `request_id`."""

    request_id: str
    status_url: str | None = None


class RequestStatus(_Response):
    status: str
    result: dict[str, Any] = Field(default_factory=lambda: {})
    error: dict[str, Any] | None = None


# Built now, not on first use: every command that talks to Bria reads these, as lists and one
# by one, and a list's TypeAdapter made before its model's own validator builds the model's
# schema a second time (~1-2 ms each).
for _read_at_every_run in (Image, Project, Dataset, Model):
    _read_at_every_run.model_rebuild()


def schema_of(record: type[JsonRecord]) -> type[BaseModel]:
    """The pydantic model of a record class (same name)."""
    model: type[BaseModel] = globals()[record.__name__]
    return model


def _plain(value: object) -> object:
    if isinstance(value, BaseModel):
        return as_record(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def as_record(instance: BaseModel) -> Any:
    """The record of the same name holding what the model read (requests: and which fields
    were given, for bodies that send only those)."""
    record: type[JsonRecord] = getattr(models, type(instance).__name__)
    made = record.__new__(record)
    values = {name: _plain(getattr(instance, name)) for name in record.field_names}
    if not record.ignores_unknown:
        values["_given"] = frozenset(instance.model_fields_set)
    made.__dict__.update(values)
    return made


def _as_data(value: object) -> object:
    """What pydantic reads of a record given as a value (a request's nested project)."""
    if isinstance(value, JsonRecord):
        return {name: _as_data(getattr(value, name)) for name in value.field_names}
    if isinstance(value, list):
        return [_as_data(v) for v in value]
    return value


def read(record: type[R], data: object) -> R:
    """`data` (decoded JSON) read by the record's model; its ValidationError if it cannot."""
    made: R = as_record(schema_of(record).model_validate(_as_data(data)))
    return made


def read_json(record: type[R], content: bytes) -> R:
    """An answer's body read by the record's model; its ValidationError if it cannot."""
    made: R = as_record(schema_of(record).model_validate_json(content))
    return made


@functools.cache
def _timestamp_adapter() -> TypeAdapter[datetime | None]:
    return TypeAdapter(Timestamp)


def timestamp(value: object) -> datetime | None:
    """A timestamp the records' quick parser was unsure of, as the models read it."""
    return _timestamp_adapter().validate_python(value)


@functools.cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    """Built once per model: building a TypeAdapter costs ~0.1 ms, a list call's parse less."""
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def read_list_json(record: type[R], content: bytes) -> list[R]:
    """A list answer's body read by the record's model; its ValidationError if any item
    cannot be read."""
    return [as_record(m) for m in _list_adapter(schema_of(record)).validate_json(content)]


def construct(record: type[R], values: dict[str, Any]) -> R:
    """The record built from keywords by its model, as `Model(**values)` would be."""
    made: R = as_record(schema_of(record)(**{k: _as_data(v) for k, v in values.items()}))
    return made
