"""Pydantic shapes of Bria's requests and responses, for the OpenAPI document and its checks.

Responses are validated against these on the way out, so the document cannot drift from what
the sandbox really answers. Request models only document bodies: the backend validates bodies
itself, so each refusal names its constraint id, against the value lists spelled here once.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

ProjectIpType = Literal[
    "defined_character",
    "stylized_scene",
    "multi_object_set",
    "object_variants",
    "icons",
    "character_variants",
]
IpType = Literal[ProjectIpType, "other"]
"""`other`: Create Project takes it (published document) and Upload Model's auto-created
project has it by default."""
IpMedium = Literal["photography", "illustration"]
PrefixIpType = Literal["stylized_scene", "defined_character", "object_variants"]
UploadType = Literal["basic", "advanced"]
DatasetStatus = Literal["draft", "completed"]
TrainingMode = Literal["fully_automated", "expert"]
TrainingVersion = Literal["light", "max", "bria-2.3", "bria-3.2", "fibo"]
"""Create Model's values (docs.bria.ai create-model): a `fibo` model needs a `fibo` dataset."""
DatasetVersion = Literal["max", "light", "3.2", "2.3", "fibo"]
"""Create Dataset's values: `max` (the default today), `light`, `3.2`, `2.3` are the legacy
family (text captions, caption_prefix); `fibo` is the current one (JSON captions, visual_schema).
"""
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


class FieldError(BaseModel):
    msg: str
    field_name: str
    field_input: str


class ErrorBody(BaseModel):
    """`{"message"}` or, for field validation, `{"errors"}`; `constraint_id` is sandbox-only."""

    message: str | None = None
    constraint_id: str
    errors: list[FieldError] | None = None


class Project(BaseModel):
    id: int
    project_name: str
    project_description: str
    ip_name: str | None
    ip_description: str | None
    ip_medium: IpMedium
    ip_type: IpType
    training_version: DatasetVersion | None
    """The family the project is locked to by its first dataset; null until then."""
    status: Literal["active"]
    created_at: str
    updated_at: str


class Image(BaseModel):
    id: int
    dataset_id: int
    caption: str | None
    """Null while `pending` (a FIBO image uploaded before its dataset had a visual schema)."""
    caption_source: Literal["automatic", "manual", "unknown", "pending"] | None
    image_name: str
    image_url: str
    thumbnail_url: str
    created_at: str
    updated_at: str


class Dataset(BaseModel):
    id: int
    project_id: int
    name: str
    training_version: DatasetVersion
    caption_prefix: str | None
    """Legacy datasets only; null on a `fibo` dataset."""
    visual_schema: str | None
    """FIBO datasets only: JSON text, set with Update Dataset while draft."""
    status: DatasetStatus
    captions_update_status: Literal["empty", "in_progress", "completed"]
    upload_type: UploadType
    captions_source: Literal["automatic", "manual"] | None
    images_count: int
    created_at: str
    updated_at: str


class DatasetWithImages(Dataset):
    images: list[Image]


class FailedImage(BaseModel):
    filename: str
    error_code: int
    error_message: str


class BulkStatus(BaseModel):
    status: Literal["pending", "processing", "completed", "failed"]
    progress_percentage: int
    total_processed: int
    done: int
    failed: int
    failed_images: list[FailedImage]


class DatasetDownload(BaseModel):
    download_url: str
    captions_url: str | None = None
    caption_prefix: str


class Model(BaseModel):
    id: int
    name: str
    description: str
    status: ModelStatus
    training_mode: TrainingMode | None
    training_version: TrainingVersion | None
    generation_prefix: str | None
    active_model_version: str
    training_parameters: dict[str, Any]
    checkpoint_steps: list[str]
    project_id: int
    dataset_id: int | None
    created_at: str
    updated_at: str


class Checkpoint(BaseModel):
    checkpoint_step: int
    training_job_id: int
    created_at: str


class Checkpoints(BaseModel):
    checkpoints: list[Checkpoint]
    active_model_version: str


class ModelDownload(BaseModel):
    download_url: str
    base_model_name: str
    base_model_card: str
    generation_prefix: str | None


class Prefix(BaseModel):
    prefix: str


class GenerationResult(BaseModel):
    urls: list[str]
    seed: int
    uuid: str


class Generated(BaseModel):
    result: list[GenerationResult]


class VisualSchema(BaseModel):
    visual_schema: str
    """JSON text; set it on a draft dataset with Update Dataset."""


class StructuredPrompt(BaseModel):
    structured_prompt: str


class GeneratedV2(BaseModel):
    image_url: str
    structured_prompt: str


class AcceptedV2(BaseModel):
    request_id: str
    status_url: str


class RequestStatus(BaseModel):
    request_id: str
    status: Literal["IN_PROGRESS", "COMPLETED", "ERROR", "UNKNOWN"]
    result: dict[str, Any] | None = None


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class ProjectCreate(_Body):
    project_name: str
    project_description: str | None = None
    ip_name: str | None = None
    ip_description: str | None = None
    ip_medium: IpMedium
    ip_type: IpType


class ProjectUpdate(_Body):
    project_name: str | None = None
    project_description: str | None = None
    ip_name: str | None = None
    ip_description: str | None = None


class DatasetCreate(_Body):
    project_id: int
    name: str
    upload_type: UploadType = "basic"
    training_version: DatasetVersion = "max"


class DatasetUpdate(_Body):
    name: str | None = None
    caption_prefix: str | None = None
    visual_schema: str | None = None
    status: DatasetStatus | None = None


class DatasetClone(_Body):
    name: str | None = None
    description: str | None = None


class ImageUpload(_Body):
    file: str | None = None
    image_url: str | None = None
    image_name: str | None = None
    increase_resolution: bool = True
    content_moderation: bool = False


class CaptionUpdate(_Body):
    caption: str | None = None
    regenerate_caption: bool | None = None


class BulkUpload(_Body):
    zip_url: str
    automatic_captioning: bool = True
    content_moderation: bool = False


class PrefixRequest(_Body):
    images: list[str] | None = None
    image_urls: list[str] | None = None
    ip_type: PrefixIpType
    ip_medium: IpMedium
    ip_name: str | None = None
    content_moderation: bool = False


class ModelCreate(_Body):
    name: str
    dataset_id: int
    training_mode: TrainingMode
    training_version: TrainingVersion
    description: str | None = None


class ModelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    description: str | None = None


class StartTraining(_Body):
    rank: int | None = None
    learning_rate: float | None = None
    lr_scheduler: str | None = None
    total_training_steps: int | None = None
    checkpoint_interval: int | None = None
    lr_warmup_steps: int | None = None


class UploadModel(_Body):
    model_url: str
    training_version: Literal["bria-2.3", "bria-3.2"]
    caption_prefix: str | None = None
    model_name: str | None = None
    project_id: int | None = None
    project_parameters: dict[str, Any] | None = None


class GenerateRequest(_Body):
    prompt: str
    num_results: int = 1
    aspect_ratio: str = "1:1"
    sync: bool = False
    seed: int | None = None
    negative_prompt: str | None = None
    include_generation_prefix: bool = True
    guidance_method_1: str | None = None
    guidance_method_2: str | None = None


class VisualSchemaRequest(_Body):
    images: list[str]
    """5 to 10 sample images: base64 strings or public URLs (png, jpg, jpeg, webp)."""
    content_moderation: bool = False


class RefineRequest(_Body):
    dataset_id: int
    structured_prompt: str
    instruction: str
    context_images: list[str] | None = None


class GenerateV2Request(_Body):
    tailored_model_id: str
    prompt: str | None = None
    structured_prompt: str | None = None
    negative_prompt: str | None = None
    tailored_model_influence: float = 1.0
    guidance_scale: int = 5
    aspect_ratio: str = "1:1"
    steps_num: int = 50
    seed: int | None = None
    sync: bool = False
    prompt_content_moderation: bool = True
    visual_output_content_moderation: bool = True
