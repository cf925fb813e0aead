"""Request and response bodies of Bria's training API, one model per endpoint shape.

Responses are tolerant: unknown fields are ignored (Bria adds fields over time), timestamps
are read with or without a zone (naive ones are UTC), and `ip_type` may be `other` (projects
made by Upload Model). Requests are strict (`extra="forbid"`) so a typo fails here, not at Bria.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

# Re-exported ("as"): the engine builds requests with these names from this module.
from reconciler.resources import IpMedium as IpMedium
from reconciler.resources import IpType as IpType
from reconciler.resources import PrefixIpType as PrefixIpType
from reconciler.resources import TrainingMode as TrainingMode
from reconciler.resources import UploadType as UploadType

IpTypeRead = Literal[IpType, "other"]
"""What Bria may answer: also `other`, for projects made by Upload Model."""
DatasetStatus = Literal["draft", "completed"]
CaptionsUpdateStatus = Literal["empty", "in_progress", "completed"]
CaptionSource = Literal["automatic", "manual", "unknown"]
TrainingVersion = Literal["light", "max", "bria-2.3", "bria-3.2"]
BulkStatus = Literal["pending", "processing", "completed", "failed"]
ModelStatus = Literal[
    "Created",
    "InProgress",
    "Completed",
    "Failed",
    "Stopping",
    "Stopped",
    "Deleted",
    "syncing",
    "completed",
]
"""Trained models use the capitalised values; uploaded models `syncing`/`completed`."""

TRAINING_STARTED: frozenset[str] = frozenset(
    {"InProgress", "Completed", "Failed", "Stopping", "Stopped"}
)
"""Statuses that prove start_training took effect."""


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


Timestamp = Annotated[datetime, AfterValidator(_as_utc)]
"""`2024-05-26T12:00:00Z` or `2025-08-20T06:06:05.849402` (naive means UTC)."""


# defer_build: a model's validator is built when first used, not when tailor starts; a plan
# uses a handful of these models.
class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def body(self) -> dict[str, Any]:
        """The JSON body: fields left unset are not sent, so Bria applies its defaults."""
        return self.model_dump(mode="json", exclude_none=True)


# --------------------------------------------------------------------------- projects


class Project(_Response):
    id: int
    project_name: str
    project_description: str | None = ""
    ip_name: str | None = None
    ip_description: str | None = None
    ip_medium: IpMedium
    ip_type: IpTypeRead
    status: str = "active"
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


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


class Image(_Response):
    id: int
    dataset_id: int
    image_name: str
    caption: str | None = None
    caption_source: CaptionSource | None = None
    image_url: str | None = None
    thumbnail_url: str | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


# --------------------------------------------------------------------------- datasets


class Dataset(_Response):
    id: int
    project_id: int
    name: str
    caption_prefix: str = ""
    status: DatasetStatus
    captions_update_status: CaptionsUpdateStatus | None = None
    upload_type: UploadType = "basic"
    captions_source: Literal["automatic", "manual"] | None = None
    images_count: int = 0
    images: list[Image] | None = None
    """Only in Get Dataset by ID and Clone; None elsewhere."""
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class CreateDatasetRequest(_Request):
    project_id: int
    name: str
    upload_type: UploadType | None = None


class UpdateDatasetRequest(_Request):
    name: str | None = None
    caption_prefix: str | None = None
    status: DatasetStatus | None = None


class FailedImage(_Response):
    filename: str
    error_code: int | None = None
    error_message: str | None = None


class BulkUploadStatus(_Response):
    status: BulkStatus
    progress_percentage: float = 0
    total_processed: int = 0
    done: int = 0
    failed: int = 0
    failed_images: list[FailedImage] = Field(default_factory=list)


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


class Model(_Response):
    id: int
    name: str
    description: str | None = ""
    status: ModelStatus
    training_mode: TrainingMode | None = None
    training_version: Annotated[TrainingVersion | None, BeforeValidator(_lower)] = None
    """Read case-insensitively: Bria's prose writes Light/Max, its API light/max."""
    generation_prefix: str | None = ""
    active_model_version: str | None = None
    training_parameters: dict[str, Any] = Field(default_factory=dict)
    checkpoint_steps: list[str] = Field(default_factory=list)
    project_id: int | None = None
    dataset_id: int | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None


class CreateModelRequest(_Request):
    name: str
    dataset_id: int
    training_mode: TrainingMode
    training_version: Literal["light", "max"]
    description: str | None = None


class UpdateModelRequest(_Request):
    name: str | None = None
    description: str | None = None


class ProjectParameters(_Request):
    """The project Upload Model creates when no `project_id` is given."""

    project_name: str
    ip_medium: IpMedium
    project_description: str | None = None
    ip_type: IpTypeRead | None = None


class UploadModelRequest(_Request):
    model_url: str
    model_name: str
    """Required here (optional at Bria) so a lost answer can be found again by name."""
    project_id: int | None = None
    project_parameters: ProjectParameters | None = None


class Checkpoint(_Response):
    checkpoint_step: int
    training_job_id: int | None = None
    created_at: Timestamp | None = None


class CheckpointList(_Response):
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    active_model_version: str | None = None


class ModelDownload(_Response):
    download_url: str
    base_model_name: str | None = None
    base_model_card: str | None = None
    generation_prefix: str | None = None


# --------------------------------------------------------------------------- generation


class GeneratedImage(_Response):
    urls: list[str] = Field(default_factory=list)
    seed: int | None = None
    uuid: str | None = None


class GenerationResult(_Response):
    result: list[GeneratedImage] = Field(default_factory=list)
