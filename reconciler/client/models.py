"""Request and response bodies of Bria's training API, one record per endpoint shape.

Plain records (`json_records.py`), read without pydantic when an answer is plainly well formed;
`pydantic_models.py` holds the same shapes as pydantic models, which read anything else.

Responses are read tolerantly, because Bria's published document lists fewer fields than its
answers carry, and an organisation holds objects of both generations (legacy and FIBO):

- unknown fields are ignored; values of enumerations are plain strings, so a value tailor
  does not know (`training_version: "fibo"`, `caption_source: "pending"`) reads as itself;
- only what identifies an object or what the planner compares is required (ids, names,
  status, a project's IP type and medium); every other field may be missing or null, and
  a null reads as the field's default;
- timestamps are read with or without a zone (naive ones are UTC); one that cannot be read
  is None, never a failure.

An answer that still does not fit is never a traceback: `reconciler.client.answers` reports
a list's unreadable items one by one (`Listing.skipped`) and a single object as our own
UnreadableAnswer. Requests are strict (unknown fields refused) so a typo fails here, not at
Bria.

Annotations are evaluated as each class is made (no `from __future__ import annotations`):
`json_records.py` builds each field's reader from them once.
"""

import json
import re
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

from reconciler.client.json_records import Deferred, JsonRecord, Unsure

# Re-exported ("as"): the engine builds requests with these names from this module.
from reconciler.resources import IpMedium as IpMedium
from reconciler.resources import IpType as IpType
from reconciler.resources import PrefixIpType as PrefixIpType
from reconciler.resources import TrainingMode as TrainingMode
from reconciler.resources import TrainingVersion as TrainingVersion
from reconciler.resources import UploadType as UploadType

IpTypeOrOther = Literal[IpType, "other"]
"""What Upload Model's `project_parameters.ip_type` accepts (its default is `other`)."""

TRAINING_STARTED: frozenset[str] = frozenset(
    {"InProgress", "Completed", "Failed", "Stopping", "Stopped"}
)
"""Statuses that prove start_training took effect."""


@cache
def _stamp() -> re.Pattern[str]:
    """The two forms Bria sends; compiled on first use, not at every start-up."""
    return re.compile(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})?"
    )


def _utc(value: object) -> datetime:
    """A timestamp of the two forms Bria sends (or a datetime) in UTC; any other is Unsure,
    for pydantic, which reads more forms and makes what it cannot read None."""
    if type(value) is str:
        if _stamp().fullmatch(value) is None:
            raise Unsure
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise Unsure from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise Unsure
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def json_object(text: str | None) -> dict[str, Any] | None:
    """A schema, caption or structured prompt (JSON text) as a dict; None if it holds none."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def schema(value: object) -> object:
    """Bria documents the schema as JSON text; an object is read as given. Text that holds no
    JSON object is kept as the text (shown as it is, never a reason to skip the dataset)."""
    if isinstance(value, str):
        parsed = json_object(value)
        return value if parsed is None else parsed
    if value is None or isinstance(value, dict):
        return value
    return json.dumps(value)


def texts(value: object) -> object:
    """Checkpoint steps are strings in Bria's document; numbers are read as their text."""
    if isinstance(value, list):
        return [str(v) if isinstance(v, int | float) else v for v in value]
    return value


def five_to_ten(value: object) -> object:
    """Generate Visual Schema takes 5 to 10 images; pydantic words any other count."""
    if isinstance(value, list) and 5 <= len(value) <= 10:
        return value
    raise Unsure


def _timestamp(value: object) -> datetime | None:
    try:
        return _utc(value)
    except Unsure:
        from reconciler.client.pydantic_models import timestamp

        return timestamp(value)


Timestamp = Annotated[datetime | None, Deferred(_timestamp)]
"""`2024-05-26T12:00:00Z` or `2025-08-20T06:06:05.849402` (naive means UTC); else None.
Parsed when first read: refresh and the planner never read them."""


class _Response(JsonRecord):
    """Bria's answers: unknown fields ignored, a null where there is a default reads as it."""


class _Request(JsonRecord):
    """Our bodies: unknown fields refused, a null sent as given (when the field is sent)."""

    ignores_unknown: ClassVar[bool] = False
    null_is_default: ClassVar[bool] = False


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
    """Also `other` (projects made by Upload Model, or Create Project of the new generation)."""
    status: str = "active"
    training_version: Annotated[str | None, lower] = None
    """The family the project is locked to (`fibo`, `max`, ...); None while unlocked."""
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
        given: frozenset[str] = self.__dict__.get("_given", frozenset())
        return {name: getattr(self, name) for name in self.field_names if name in given}


# --------------------------------------------------------------------------- images


class Image(Identified):
    dataset_id: int
    image_name: str
    caption: str | None = None
    """A JSON text for FIBO datasets; None while not yet captioned."""
    caption_source: str | None = None
    """automatic, manual; also unknown (legacy) or pending (FIBO)."""
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
    """Legacy generation; null for FIBO datasets, absent from Bria's published object: None
    means Bria did not say, which the planner never reads as a change."""
    visual_schema: Annotated[dict[str, Any] | str | None, schema] = None
    """FIBO generation: the schema captions follow, as an object (Bria sends JSON text; text
    that holds no object stays text); None when Bria did not say or there is none."""
    training_version: Annotated[str | None, lower] = None
    status: str
    """draft or completed."""
    captions_update_status: str | None = None
    upload_type: str = "basic"
    captions_source: str | None = None
    images_count: int = 0
    images: list[Image] | None = None
    """Only in Get Dataset by ID and Clone; None elsewhere."""
    created_at: Timestamp = None
    updated_at: Timestamp = None


DatasetTrainingVersion = Literal["max", "light", "3.2", "2.3", "fibo"]
"""Create Dataset's families: legacy max, light, 3.2, 2.3 (text captions) or fibo (JSON)."""


class CreateDatasetRequest(_Request):
    project_id: int
    name: str
    upload_type: UploadType | None = None
    training_version: DatasetTrainingVersion = "max"
    """Always sent: Bria's default is max today and "will change to fibo in future updates",
    and tailor's manifests describe legacy datasets (text captions, caption prefix)."""


class UpdateDatasetRequest(_Request):
    name: str | None = None
    caption_prefix: str | None = None
    visual_schema: str | None = None
    """FIBO datasets, while draft: the JSON text Generate Visual Schema (or refine) gave."""
    status: Literal["draft", "completed"] | None = None


class FailedImage(_Response):
    filename: str = ""
    error_code: int | str | None = None
    error_message: str | None = None


class BulkUploadStatus(_Response):
    status: str
    """pending, processing, completed or failed."""
    progress_percentage: float = 0
    total_processed: int = 0
    done: int = 0
    failed: int = 0
    failed_images: list[FailedImage] = []


class DatasetDownload(_Response):
    download_url: str
    captions_url: str | None = None
    caption_prefix: str | None = None


class GeneratePrefixRequest(_Request):
    ip_type: PrefixIpType
    ip_medium: IpMedium
    images: list[str] | None = None
    """Base64 image bytes, 1 to 6; exactly one of `images` / `image_urls`."""
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
    """Trained models: Created, InProgress, Completed, Failed, Stopping, Stopped, Deleted;
    uploaded models: syncing, completed."""
    training_mode: str | None = None
    training_version: Annotated[str | None, lower] = None
    """Read case-insensitively: Bria's prose writes Light/Max, its API light/max. Also fibo,
    bria-2.3, bria-3.2; absent from the published model object (None)."""
    generation_prefix: str = ""
    """Legacy generation; null (read as "") for FIBO models."""
    active_model_version: str | None = None
    training_parameters: dict[str, Any] = {}
    checkpoint_steps: Annotated[list[str], texts] = []
    custom_metadata: str | None = None
    project_id: int | None = None
    dataset_id: int | None = None
    created_at: Timestamp = None
    updated_at: Timestamp = None


ModelTrainingVersion = Literal["light", "max", "bria-2.3", "bria-3.2", "fibo"]
"""Create Model's values (docs.bria.ai create-model); the family must match the dataset's."""


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


UploadTrainingVersion = Literal["bria-2.3", "bria-3.2"]
"""The base models an uploaded model may be built on (docs.bria.ai Upload Model; FIBO-based
uploads go through Bria's support)."""


class UploadModelRequest(_Request):
    """Upload Model's fields: `model_url`, `model_name`, `training_version`, `caption_prefix`,
    and the project as `project_id` or `project_parameters` (exactly one)."""

    model_url: str
    model_name: str
    """Required here (optional at Bria) so a lost answer can be found again by name."""
    training_version: UploadTrainingVersion
    """Required by Bria's Upload Model page; the published OpenAPI file omits it."""
    caption_prefix: str | None = None
    project_id: int | None = None
    project_parameters: ProjectParameters | None = None


class Checkpoint(_Response):
    checkpoint_step: int
    training_job_id: int | None = None
    created_at: Timestamp = None


class CheckpointList(_Response):
    checkpoints: list[Checkpoint] = []
    active_model_version: str | None = None


class ModelDownload(_Response):
    download_url: str
    base_model_name: str | None = None
    base_model_card: str | None = None
    generation_prefix: str | None = None


# --------------------------------------------------------------------------- generation


class GeneratedImage(_Response):
    urls: list[str] = []
    seed: int | None = None
    uuid: str | None = None


class GenerationResult(_Response):
    result: list[GeneratedImage] = []


# --------------------------------------------------------------------------- FIBO


class GenerateVisualSchemaRequest(_Request):
    images: Annotated[list[str], five_to_ten]
    """5 to 10 sample images, each a base64 string or a public URL."""
    content_moderation: bool | None = None


class VisualSchema(_Response):
    visual_schema: str
    """JSON text, to be set on a draft dataset with Update Dataset."""


class RefineStructuredPromptRequest(_Request):
    dataset_id: int
    """A draft dataset of the account (Bria checks ownership with it)."""
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
    """IN_PROGRESS, COMPLETED, ERROR or UNKNOWN (Bria's status service)."""
    result: dict[str, Any] = {}
    error: dict[str, Any] | None = None
