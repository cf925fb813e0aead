"""Step kinds: each API call (or local/state action) a plan's steps name, and its endpoint.

The executor's handler registry is keyed by `StepKind` (one handler each, checked by a test);
`STEP_ENDPOINTS` gives each step the method and path plans show ("POST /tailored-gen/models")
and the cost estimate reads (LOCAL and STATE steps are no requests).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from reconciler.records import record


class StepKind(StrEnum):
    """One API call (or local/state action) the executor knows how to run."""

    CREATE_PROJECT = "create_project"
    UPDATE_PROJECT = "update_project"
    DELETE_PROJECT = "delete_project"
    CREATE_DATASET = "create_dataset"
    CLONE_DATASET = "clone_dataset"
    """POST clone of `args.source_id` named `args.name`: a draft copy with its images, whose
    ids it records by name for the image steps that follow."""
    UPDATE_DATASET = "update_dataset"
    """PUT name (and/or a literal caption_prefix) of a dataset."""
    GENERATE_PREFIX = "generate_prefix"
    """POST generate_prefix with `args.images` (paths); its result feeds SET_CAPTION_PREFIX."""
    SET_CAPTION_PREFIX = "set_caption_prefix"
    """PUT caption_prefix: `args.caption_prefix`, or the GENERATE_PREFIX result when
    `args.generated` is true."""
    GENERATE_VISUAL_SCHEMA = "generate_visual_schema"
    """FIBO: POST generate_visual_schema with `args.images` (5-10 paths); stateless."""
    REFINE_VISUAL_SCHEMA = "refine_visual_schema"
    """FIBO: POST refine_structured_prompt with `args.instruction`, on the schema generated
    (or refined) so far, else `args.visual_schema`; the dataset must be a draft."""
    SET_VISUAL_SCHEMA = "set_visual_schema"
    """FIBO: PUT visual_schema: `args.visual_schema` (a JSON object), or the generated and
    refined one when `args.generated` is true."""
    REGENERATE_CAPTIONS = "regenerate_captions"
    WAIT_CAPTIONS = "wait_captions"
    COMPLETE_DATASET = "complete_dataset"
    DELETE_DATASET = "delete_dataset"
    UPLOAD_IMAGE = "upload_image"
    UPDATE_CAPTION = "update_caption"
    REGENERATE_CAPTION = "regenerate_caption"
    DELETE_IMAGE = "delete_image"
    BUILD_ZIP = "build_zip"
    STAGE_ZIP = "stage_zip"
    BULK_UPLOAD = "bulk_upload"
    WAIT_BULK_UPLOAD = "wait_bulk_upload"
    CREATE_MODEL = "create_model"
    UPDATE_MODEL = "update_model"
    START_TRAINING = "start_training"
    STOP_TRAINING = "stop_training"
    WAIT_TRAINING_STOPPED = "wait_training_stopped"
    DELETE_MODEL = "delete_model"
    FORGET = "forget"
    """State only: drop `{old_id}` (or the address) from the state without an API call."""


@record
class Endpoint:
    """Where a step goes: Bria's method and path, or local or state-only work."""

    method: str
    """HTTP method, or "LOCAL" (files on this machine / staging) or "STATE" (state only)."""
    path: str
    """Path template relative to the API base; placeholders are resolved by the executor."""


STEP_ENDPOINTS: Mapping[StepKind, Endpoint] = {
    StepKind.CREATE_PROJECT: Endpoint("POST", "/tailored-gen/projects"),
    StepKind.UPDATE_PROJECT: Endpoint("PUT", "/tailored-gen/projects/{project_id}"),
    StepKind.DELETE_PROJECT: Endpoint("DELETE", "/tailored-gen/projects/{project_id}"),
    StepKind.CREATE_DATASET: Endpoint("POST", "/tailored-gen/datasets"),
    StepKind.CLONE_DATASET: Endpoint("POST", "/tailored-gen/datasets/{dataset_id}/clone"),
    StepKind.UPDATE_DATASET: Endpoint("PUT", "/tailored-gen/datasets/{dataset_id}"),
    StepKind.GENERATE_PREFIX: Endpoint("POST", "/tailored-gen/generate_prefix"),
    StepKind.SET_CAPTION_PREFIX: Endpoint("PUT", "/tailored-gen/datasets/{dataset_id}"),
    StepKind.GENERATE_VISUAL_SCHEMA: Endpoint("POST", "/tailored-gen/generate_visual_schema"),
    StepKind.REFINE_VISUAL_SCHEMA: Endpoint("POST", "/tailored-gen/refine_structured_prompt"),
    StepKind.SET_VISUAL_SCHEMA: Endpoint("PUT", "/tailored-gen/datasets/{dataset_id}"),
    StepKind.REGENERATE_CAPTIONS: Endpoint("PUT", "/tailored-gen/datasets/{dataset_id}/images"),
    StepKind.WAIT_CAPTIONS: Endpoint("GET", "/tailored-gen/datasets/{dataset_id}"),
    StepKind.COMPLETE_DATASET: Endpoint("PUT", "/tailored-gen/datasets/{dataset_id}"),
    StepKind.DELETE_DATASET: Endpoint("DELETE", "/tailored-gen/datasets/{dataset_id}"),
    StepKind.UPLOAD_IMAGE: Endpoint("POST", "/tailored-gen/datasets/{dataset_id}/images"),
    StepKind.UPDATE_CAPTION: Endpoint(
        "PUT", "/tailored-gen/datasets/{dataset_id}/images/{image_id}"
    ),
    StepKind.REGENERATE_CAPTION: Endpoint(
        "PUT", "/tailored-gen/datasets/{dataset_id}/images/{image_id}"
    ),
    StepKind.DELETE_IMAGE: Endpoint(
        "DELETE", "/tailored-gen/datasets/{dataset_id}/images/{image_id}"
    ),
    StepKind.BUILD_ZIP: Endpoint("LOCAL", "build zip"),
    StepKind.STAGE_ZIP: Endpoint("LOCAL", "stage zip"),
    StepKind.BULK_UPLOAD: Endpoint(
        "POST", "/tailored-gen/datasets/{dataset_id}/images/bulk-upload"
    ),
    StepKind.WAIT_BULK_UPLOAD: Endpoint(
        "GET", "/tailored-gen/datasets/{dataset_id}/images/bulk-upload/status"
    ),
    StepKind.CREATE_MODEL: Endpoint("POST", "/tailored-gen/models"),
    StepKind.UPDATE_MODEL: Endpoint("PUT", "/tailored-gen/models/{model_id}"),
    StepKind.START_TRAINING: Endpoint("POST", "/tailored-gen/models/{model_id}/start_training"),
    StepKind.STOP_TRAINING: Endpoint("POST", "/tailored-gen/models/{model_id}/stop_training"),
    StepKind.WAIT_TRAINING_STOPPED: Endpoint("GET", "/tailored-gen/models/{model_id}"),
    StepKind.DELETE_MODEL: Endpoint("DELETE", "/tailored-gen/models/{model_id}"),
    StepKind.FORGET: Endpoint("STATE", "forget"),
}
