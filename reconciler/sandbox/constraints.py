"""The constraint ids of Bria's rules (REFERENCE section 11), carried as our own constants.

Every error the sandbox returns names one of these ids in `constraint_id`, so tests can assert
exactly which rule refused a request. The sandbox-only ids at the end cover failures the
reference gives no id to (unknown resource, a body that is not JSON, a malformed field).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Constraint:
    """One documented rule: its id and the HTTP status (or statuses) it answers with."""

    id: str
    statuses: tuple[int, ...]
    rule: str


def _c(cid: str, statuses: int | tuple[int, ...], rule: str) -> Constraint:
    return Constraint(cid, statuses if isinstance(statuses, tuple) else (statuses,), rule)


AUTH_TOKEN = _c("AUTH-TOKEN", 401, "api_token header missing or unknown")
PRJ_NAME_REQUIRED = _c("PRJ-NAME-REQUIRED", 400, "project_name required, non-empty")
PRJ_IP_TYPE_ENUM = _c("PRJ-IP-TYPE-ENUM", 400, "ip_type required, one of seven")
PRJ_IP_MEDIUM_ENUM = _c("PRJ-IP-MEDIUM-ENUM", 400, "ip_medium required")
PRJ_MEDIUM_ILLUSTRATION_ONLY = _c(
    "PRJ-MEDIUM-ILLUSTRATION-ONLY", 400, "some ip types need illustration"
)
PRJ_IP_NAME_REQUIRED = _c("PRJ-IP-NAME-REQUIRED", 400, "ip_name required for defined_character")
PRJ_IP_DESC_REQUIRED = _c("PRJ-IP-DESC-REQUIRED", 400, "ip_description required for some types")
PRJ_UPDATE_IMMUTABLE = _c("PRJ-UPDATE-IMMUTABLE", 400, "ip_type/ip_medium cannot be updated")
PRJ_DELETE_TRAINING = _c("PRJ-DELETE-TRAINING", 409, "cannot delete project while a model trains")
PFX_IP_TYPE_SUPPORTED = _c("PFX-IP-TYPE-SUPPORTED", 400, "only three ip types get a prefix")
PFX_IMAGES_XOR = _c("PFX-IMAGES-XOR", 400, "exactly one of images / image_urls")
PFX_IMAGES_1_6 = _c("PFX-IMAGES-1-6", 400, "1-6 images")
PFX_IMAGE_INVALID = _c("PFX-IMAGE-INVALID", (415, 400, 422), "any invalid image fails")
PFX_MODERATION = _c("PFX-MODERATION", 422, "blocked image fails the request")
DS_PROJECT_REQUIRED = _c("DS-PROJECT-REQUIRED", (400, 404), "project_id required and must exist")
DS_NAME_REQUIRED = _c("DS-NAME-REQUIRED", 400, "name required")
DS_UPLOAD_TYPE_ENUM = _c("DS-UPLOAD-TYPE-ENUM", 400, "upload_type basic/advanced")
DS_DEFAULT_PREFIX = _c("DS-DEFAULT-PREFIX", 201, "new dataset has a default caption_prefix")
DS_COMPLETED_PREFIX_LOCKED = _c(
    "DS-COMPLETED-PREFIX-LOCKED", 409, "no caption_prefix change once completed"
)
DS_COMPLETE_MIN_1_IMAGE = _c("DS-COMPLETE-MIN-1-IMAGE", 409, ">= 1 image to mark completed")
DS_COMPLETED_NO_REOPEN = _c("DS-COMPLETED-NO-REOPEN", 409, "completed -> draft not allowed")
DS_STATUS_ENUM = _c("DS-STATUS-ENUM", 400, "status draft/completed")
DS_COMPLETE_WHILE_CAPTIONING = _c(
    "DS-COMPLETE-WHILE-CAPTIONING", 409, "cannot complete during captioning or bulk upload"
)
DS_PREFIX_CHANGE_NO_AUTO_RECAPTION = _c(
    "DS-PREFIX-CHANGE-NO-AUTO-RECAPTION", 200, "prefix change leaves captions untouched"
)
DS_DELETE_IN_TRAINING = _c("DS-DELETE-IN-TRAINING", 409, "dataset used by a training model")
DS_CLONE_DRAFT = _c("DS-CLONE-DRAFT", 201, "clone is a new draft with copied images and prefix")
DS_REGEN_COMPLETED = _c("DS-REGEN-COMPLETED", 409, "no caption regeneration on completed dataset")
DS_REGEN_RUNNING = _c("DS-REGEN-RUNNING", 409, "regeneration already in progress")
DS_REGEN_EMPTY = _c("DS-REGEN-EMPTY", 202, "regeneration on an empty dataset is a no-op")
DS_DOWNLOAD_ADVANCED_ONLY = _c("DS-DOWNLOAD-ADVANCED-ONLY", 409, "download only advanced datasets")
IMG_BASIC_ONLY = _c("IMG-BASIC-ONLY", 400, "single upload only into basic datasets")
DS_COMPLETED_NO_UPLOAD = _c("DS-COMPLETED-NO-UPLOAD", 409, "no upload into completed dataset")
IMG_MAX_200 = _c("IMG-MAX-200", 409, "at most 200 images per basic dataset")
IMG_FILE_XOR_URL = _c("IMG-FILE-XOR-URL", 400, "exactly one of file / image_url")
IMG_FORMAT = _c("IMG-FORMAT", 415, "jpg, jpeg, png, webp only")
IMG_MIN_256 = _c("IMG-MIN-256", 412, "shortest side >= 256 (upscaling on)")
IMG_MIN_1024_STRICT = _c("IMG-MIN-1024-STRICT", 412, "shortest side >= 1024 without upscaling")
IMG_URL_UNREACHABLE = _c("IMG-URL-UNREACHABLE", 422, "image_url not fetchable")
IMG_MODERATION = _c("IMG-MODERATION", 422, "moderation blocks image")
IMG_SIZE_12MB = _c("IMG-SIZE-12MB", 400, "image payload <= 12 MB (413 in REF; not published)")
IMG_CAPTION_XOR_REGENERATE = _c(
    "IMG-CAPTION-XOR-REGENERATE", 400, "exactly one of caption / regenerate_caption"
)
IMG_CAPTION_COMPLETED_DATASET = _c(
    "IMG-CAPTION-COMPLETED-DATASET", 409, "no caption edits in completed dataset"
)
IMG_CAPTION_NONEMPTY = _c("IMG-CAPTION-NONEMPTY", 400, "manual caption not empty")
IMG_DELETE_COMPLETED_DATASET = _c(
    "IMG-DELETE-COMPLETED-DATASET", 409, "no image delete in completed dataset"
)
BULK_ADVANCED_ONLY = _c("BULK-ADVANCED-ONLY", 400, "bulk upload only into advanced datasets")
# Bria's document lists 400, not 409, for a refused bulk upload (REFERENCE assumed 409).
BULK_DATASET_NOT_EMPTY = _c("BULK-DATASET-NOT-EMPTY", 400, "dataset must be empty")
BULK_IN_PROGRESS = _c("BULK-IN-PROGRESS", 400, "no concurrent bulk upload")
BULK_ONCE_ONLY = _c("BULK-ONCE-ONLY", 400, "no second bulk upload attempt ever")
BULK_COMPLETED_DATASET = _c("BULK-COMPLETED-DATASET", 400, "no bulk upload into completed dataset")
BULK_ZIP_URL_REQUIRED = _c("BULK-ZIP-URL-REQUIRED", 400, "zip_url required / reachable")
BULK_ZIP_5GB = _c("BULK-ZIP-5GB", 413, "ZIP <= 5 GB")
BULK_MAX_5000 = _c("BULK-MAX-5000", 202, "images past 5000 reported failed")
BULK_NO_INCREASE_RESOLUTION = _c(
    "BULK-NO-INCREASE-RESOLUTION", 202, "no upscaling; < 1024x1024 reported failed"
)
BULK_STATUS_NONE = _c("BULK-STATUS-NONE", 404, "no bulk upload ever started")
MODEL_NAME_REQUIRED = _c("MODEL-NAME-REQUIRED", 400, "name required")
MODEL_DATASET_REQUIRED = _c("MODEL-DATASET-REQUIRED", (400, 404), "dataset_id required, exists")
MODEL_MODE_ENUM = _c("MODEL-MODE-ENUM", 400, "training_mode required, fully_automated/expert")
MODEL_VERSION_ENUM = _c("MODEL-VERSION-ENUM", 400, "training_version required, light/max")
MODEL_UPDATE_NAME_DESC_ONLY = _c(
    "MODEL-UPDATE-NAME-DESC-ONLY", 400, "only name/description updatable"
)
MODEL_DELETED_IMMUTABLE = _c("MODEL-DELETED-IMMUTABLE", 409, "no update of a Deleted model")
MODEL_DELETE_TRAINING = _c("MODEL-DELETE-TRAINING", 409, "no delete while InProgress/Stopping")
UPLOAD_SAFETENSORS = _c("UPLOAD-SAFETENSORS", 415, ".safetensors only")
UPLOAD_MAX_3GB = _c("UPLOAD-MAX-3GB", 400, "model <= 3 GB (413 in REF; not published)")
UPLOAD_URL_UNREACHABLE = _c("UPLOAD-URL-UNREACHABLE", 422, "model_url fetchable")
UPLOAD_PROJECT = _c("UPLOAD-PROJECT", (400, 404), "project_id or project_parameters")
TRAIN_DATASET_COMPLETED = _c("TRAIN-DATASET-COMPLETED", 412, "dataset must be completed")
TRAIN_EXPERT_PARAMS_ONLY = _c(
    "TRAIN-EXPERT-PARAMS-ONLY", 400, "advanced params only for expert models"
)
TRAIN_RANGE = _c("TRAIN-RANGE", 400, "parameter ranges / enums")
TRAIN_CHECKPOINT_LE_STEPS = _c(
    "TRAIN-CHECKPOINT-LE-STEPS", 400, "checkpoint_interval <= total_training_steps"
)
TRAIN_ALREADY_STARTED = _c("TRAIN-ALREADY-STARTED", 409, "only from Created; no resume")
TRAIN_DELETED = _c("TRAIN-DELETED", 409, "no training of a Deleted (or uploaded) model")
STOP_NOT_TRAINING = _c("STOP-NOT-TRAINING", 409, "stop only while InProgress")
CKPT_EXPERT_ONLY = _c("CKPT-EXPERT-ONLY", 400, "checkpoints only for expert models")
CKPT_MODEL_COMPLETED = _c("CKPT-MODEL-COMPLETED", 400, "checkpoints only after Completed")
CKPT_DELETE_ACTIVE = _c("CKPT-DELETE-ACTIVE", 400, "cannot delete the active checkpoint")
MODEL_DOWNLOAD_COMPLETED = _c("MODEL-DOWNLOAD-COMPLETED", 400, "download only completed models")
GEN_MODEL_READY = _c("GEN-MODEL-READY", 400, "generation only from completed models")
GEN_GUIDANCE_ORDER = _c("GEN-GUIDANCE-ORDER", 400, "guidance_method_2 needs guidance_method_1")
GEN_CHECKPOINT_EXISTS = _c("GEN-CHECKPOINT-EXISTS", 404, "checkpoint must exist")

REFERENCE_CONSTRAINTS: tuple[Constraint, ...] = tuple(
    value for name, value in list(globals().items()) if isinstance(value, Constraint)
)
"""Every row of the reference's constraint index, in the order the reference lists them."""

LIMIT_RATE = _c("LIMIT-RATE", 429, "past the plan's requests per minute: no body, no Retry-After")
LIMIT_QUOTA = _c("LIMIT-QUOTA", 403, "past the plan's total requests: Bria's quota JSON string")

DS_VERSION_ENUM = _c("DS-VERSION-ENUM", 400, "training_version max/light/3.2/2.3/fibo")
DS_VERSION_IMMUTABLE = _c("DS-VERSION-IMMUTABLE", 400, "a dataset's training_version never changes")
DS_FAMILY_LOCK = _c("DS-FAMILY-LOCK", 400, "a project holds datasets of one family only")
DS_FIELD_FAMILY = _c(
    "DS-FIELD-FAMILY", 400, "caption_prefix legacy-only; visual_schema FIBO-only, JSON text"
)
DS_COMPLETED_SCHEMA_LOCKED = _c(
    "DS-COMPLETED-SCHEMA-LOCKED", 409, "no visual_schema change once completed"
)
DS_FIBO_COMPLETE = _c("DS-FIBO-COMPLETE", 409, "FIBO: >= 5 images and a visual_schema to complete")
IMG_CAPTION_JSON = _c("IMG-CAPTION-JSON", 400, "a FIBO caption is JSON text")
IMG_FIBO_PENDING = _c("IMG-FIBO-PENDING", 201, "no visual_schema yet: caption null, pending")
UPLOAD_VERSION = _c("UPLOAD-VERSION", 400, "Upload Model: training_version bria-2.3/bria-3.2")
MODEL_VERSION_FAMILY = _c("MODEL-VERSION-FAMILY", 400, "model and dataset of the same family")
TRAIN_FAMILY_DEFAULTS = _c(
    "TRAIN-FAMILY-DEFAULTS", 200, "defaults: FIBO constant_with_warmup/750, legacy constant/1500"
)
VS_IMAGES_5_10 = _c("VS-IMAGES-5-10", 400, "generate_visual_schema takes 5-10 images")
VS_IMAGE_INVALID = _c(
    "VS-IMAGE-INVALID", (415, 400, 422), "every sample is a reachable jpg/png/webp image"
)
VS_MODERATION = _c("VS-MODERATION", 422, "content_moderation refuses a blocked sample image")
REFINE_FIELDS = _c(
    "REFINE-FIELDS", 400, "dataset_id, structured_prompt (JSON object) and instruction required"
)
REFINE_DATASET = _c("REFINE-DATASET", 404, "refine names a dataset that exists")
REFINE_DRAFT = _c("REFINE-DRAFT", 400, "refine only against a draft dataset")
GEN_FAMILY = _c("GEN-FAMILY", 400, "FIBO models generate on v2, legacy models on v1")
GEN2_MODEL_ORG = _c("GEN2-MODEL-ORG", 403, "tailored_model_id is a model of this organization")
GEN2_INPUT = _c("GEN2-INPUT", 400, "prompt, structured_prompt with seed, or both")
GEN2_MODERATION = _c("GEN2-MODERATION", 422, "prompt_content_moderation refuses a blocked prompt")
GEN2_RANGE = _c("GEN2-RANGE", 400, "influence 0-1.5, guidance 3-5, steps 20-50, aspect ratio")
STATUS_REQUEST = _c("STATUS-REQUEST", 404, "a v2 status request_id must exist")

PUBLISHED_CONSTRAINTS: tuple[Constraint, ...] = (
    LIMIT_RATE,
    LIMIT_QUOTA,
    DS_VERSION_ENUM,
    DS_VERSION_IMMUTABLE,
    DS_FAMILY_LOCK,
    DS_FIELD_FAMILY,
    DS_COMPLETED_SCHEMA_LOCKED,
    DS_FIBO_COMPLETE,
    IMG_CAPTION_JSON,
    IMG_FIBO_PENDING,
    UPLOAD_VERSION,
    MODEL_VERSION_FAMILY,
    TRAIN_FAMILY_DEFAULTS,
    VS_IMAGES_5_10,
    VS_IMAGE_INVALID,
    VS_MODERATION,
    REFINE_FIELDS,
    REFINE_DATASET,
    REFINE_DRAFT,
    GEN_FAMILY,
    GEN2_MODEL_ORG,
    GEN2_INPUT,
    GEN2_MODERATION,
    GEN2_RANGE,
    STATUS_REQUEST,
)
"""Rules from Bria's published OpenAPI document and docs pages that REFERENCE section 11 lacks."""

NOT_FOUND = _c("NOT-FOUND", 404, "the resource in the path does not exist")
BODY_JSON = _c("BODY-JSON", 400, "the request body is not a JSON object")
BODY_FIELD = _c("BODY-FIELD", 400, "a request field has the wrong type or value")
QUERY_PARAM = _c("QUERY-PARAM", 400, "a query parameter is out of range")
METHOD_NOT_ALLOWED = _c("METHOD-NOT-ALLOWED", 405, "the path exists but not with this method")
FAULT_RATE_LIMIT = _c("FAULT-RATE-LIMIT", 429, "an injected rate limit (PUT /_sandbox/faults)")
FAULT_ERROR = _c("FAULT-ERROR", 503, "an injected server error (PUT /_sandbox/faults)")

SANDBOX_CONSTRAINTS: tuple[Constraint, ...] = (
    NOT_FOUND,
    BODY_JSON,
    BODY_FIELD,
    QUERY_PARAM,
    METHOD_NOT_ALLOWED,
    FAULT_RATE_LIMIT,
    FAULT_ERROR,
)
"""Ids for failures the reference leaves without one; not part of Bria's contract."""
