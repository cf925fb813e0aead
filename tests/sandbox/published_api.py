"""What Bria's published OpenAPI document ("Tailored Generation API Reference") lists for each
training operation and of v2 image generation: its statuses and, per status, the body it
documents.

Carried here, in our own words, so no test reads the shared reference folder: written from
the operation table of PUBLISHED-OPENAPI.md (sections 0.1, 0.2 and 1) that describes it. Where the
document has two copies of an operation (its `paths` and the stray block after it), statuses
and bodies are merged: a body either copy documents counts. Body kinds:

- `NONE`: the status has a description only. A 2xx must then come with no body at all; for an
  error any body is allowed (the sandbox's `{"message", "constraint_id"}`).
- `STRING`: a bare JSON string (403 quota, checkpoint 400/404).
- a JSON Schema (draft 2020-12) that states only what the document states: types, enums,
  nullability; like the document, no `required` keys except where it has them.

The conformance test's `DEVIATIONS` and `FIELD_VALUES` list where the sandbox deliberately
answers otherwise, with the reason (also in docs/bria-api-notes.md); anything else it finds is
a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NONE: dict[str, Any] = {"x-body": "none"}
STRING: dict[str, Any] = {"type": "string"}

Schema = dict[str, Any]


def _obj(**properties: Schema) -> Schema:
    return {"type": "object", "properties": properties}


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _enum(*values: str, nullable: bool = False) -> Schema:
    if nullable:
        return {"enum": [*values, None]}
    return {"type": "string", "enum": list(values)}


INT: Schema = {"type": "integer"}
STR: Schema = {"type": "string"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
NULLABLE_STR: Schema = {"type": ["string", "null"]}
TIME: Schema = {"type": "string", "format": "date-time"}
OBJECT: Schema = {"type": "object"}

IP_MEDIUM = _enum("photography", "illustration")
IP_TYPE = _enum(
    "multi_object_set",
    "object_variants",
    "icons",
    "defined_character",
    "character_variants",
    "stylized_scene",
    "other",
)
PROJECT_FIELDS: dict[str, Schema] = {
    "id": INT,
    "project_name": STR,
    "project_description": STR,
    "ip_name": STR,
    "ip_description": STR,
    "status": _enum("active"),
    "created_at": TIME,
}
PROJECT_CREATED = _obj(
    **PROJECT_FIELDS,
    ip_medium=STR,
    ip_type=STR,
    training_version=NULLABLE_STR,
)
PROJECT_LISTED = _obj(**PROJECT_FIELDS, ip_medium=IP_MEDIUM, ip_type=IP_TYPE, updated_at=TIME)
PROJECT_SHOWN = _obj(**PROJECT_FIELDS, ip_medium=IP_MEDIUM, ip_type=IP_TYPE)
PROJECT_UPDATED = _obj(**PROJECT_FIELDS, ip_medium=STR, ip_type=STR)

CAPTIONS_UPDATE = _enum("empty", "in_progress", "completed")
UPLOAD_TYPE = _enum("basic", "advanced")
DATASET_STATUS = _enum("draft", "completed")
DATASET_FIELDS: dict[str, Schema] = {
    "id": INT,
    "project_id": INT,
    "name": STR,
    "visual_schema": NULLABLE_STR,
    "captions_update_status": CAPTIONS_UPDATE,
    "created_at": TIME,
    "updated_at": TIME,
}
IMAGE_FIELDS: dict[str, Schema] = {
    "id": INT,
    "dataset_id": INT,
    "caption": STR,
    "caption_source": _enum("automatic", "manual"),
    "image_name": STR,
    "image_url": STR,
    "thumbnail_url": STR,
    "created_at": TIME,
    "updated_at": TIME,
}
IMAGE = _obj(**IMAGE_FIELDS)
IMAGE_UPLOADED = _obj(
    **{
        **IMAGE_FIELDS,
        "caption": NULLABLE_STR,
        "caption_source": _enum("automatic", "manual", "pending", nullable=True),
    }
)
IMAGE_IN_DATASET = _obj(
    **{
        **IMAGE_FIELDS,
        "caption_source": _enum("automatic", "manual", nullable=True),
        "upload_source_url": NULLABLE_STR,
    }
)
IMAGE_IN_CLONE = _obj(**{**IMAGE_FIELDS, "caption_source": _enum("automatic")})
DATASET_CREATED = _obj(**DATASET_FIELDS, status=_enum("draft"), upload_type=UPLOAD_TYPE)
DATASET_LISTED = _obj(
    **DATASET_FIELDS, status=DATASET_STATUS, upload_type=UPLOAD_TYPE, images_count=INT
)
DATASET_BY_PROJECT = _obj(
    **DATASET_FIELDS,
    status=DATASET_STATUS,
    upload_type=UPLOAD_TYPE,
    images_count=INT,
    models=_array(OBJECT),
    model_ids=_array(STR),
    # models / model_ids: only with include_models / include_models_ids
)
DATASET_SHOWN = _obj(
    **DATASET_FIELDS,
    status=DATASET_STATUS,
    upload_type=UPLOAD_TYPE,
    images_count=INT,
    images=_array(IMAGE_IN_DATASET),
)
DATASET_UPDATED = _obj(**DATASET_FIELDS, status=DATASET_STATUS, upload_type=UPLOAD_TYPE)
DATASET_CLONED = _obj(
    **DATASET_FIELDS,
    status=_enum("draft"),
    upload_type=UPLOAD_TYPE,
    images_count=INT,
    images=_array(IMAGE_IN_CLONE),
)
DATASET_REGENERATING = _obj(**DATASET_FIELDS, status=DATASET_STATUS)
BULK_STATUS = _obj(
    status=_enum("pending", "processing", "completed", "failed"),
    progress_percentage=INT,
    total_processed=INT,
    done=INT,
    failed=INT,
    failed_images=_array(_obj(filename=STR, error_code=INT, error_message=STR)),
)
DATASET_DOWNLOAD = _obj(download_url=STR, captions_url=STR)

MODEL_STATUS = _enum("Created", "InProgress", "Completed", "Failed", "Stopping", "Stopped")
TRAINING_MODE = _enum("fully_automated", "expert")
TRAINING_PARAMETERS = _obj(
    learning_rate=NUM,
    lr_scheduler=STR,
    rank=INT,
    total_training_steps=INT,
    checkpoint_interval=INT,
    lr_warmup_steps={"type": ["integer", "null"]},
)
MODEL_FIELDS: dict[str, Schema] = {
    "id": INT,
    "name": STR,
    "description": STR,
    "project_id": INT,
    "dataset_id": INT,
    "created_at": TIME,
}
MODEL_CREATED = _obj(
    **MODEL_FIELDS,
    status=_enum("Created"),
    training_mode=TRAINING_MODE,
    updated_at=TIME,
    custom_metadata=STR,
    active_model_version=STR,
    training_parameters=OBJECT,
    checkpoint_steps=_array(STR),
)
MODEL_LISTED = _obj(
    **MODEL_FIELDS,
    status=MODEL_STATUS,
    training_mode=TRAINING_MODE,
    active_model_version=STR,
    training_parameters=TRAINING_PARAMETERS,
    checkpoint_steps=_array(STR),
)
MODEL_BY_PROJECT = _obj(**MODEL_LISTED["properties"], updated_at=TIME)
MODEL_SHOWN = _obj(
    **MODEL_FIELDS,
    status=MODEL_STATUS,
    training_mode=TRAINING_MODE,
    active_model_version=STR,
    training_parameters=OBJECT,
    checkpoint_steps=_array(STR),
)
MODEL_UPDATED = _obj(**MODEL_FIELDS, status=MODEL_STATUS)
MODEL_UPLOADED = _obj(**MODEL_FIELDS, status=STR)
MODEL_TRAINING = _obj(
    **MODEL_FIELDS,
    status=_enum("InProgress"),
    training_mode=STR,
    updated_at=TIME,
    custom_metadata=STR,
    active_model_version=STR,
    training_parameters=TRAINING_PARAMETERS,
    checkpoint_steps=_array(STR),
)
FIELD_ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": _array(
            {
                "type": "object",
                "required": ["msg", "field_name", "field_input"],
                "properties": {"msg": STR, "field_name": STR, "field_input": STR},
            }
        )
    },
}
TRAINING_REFUSED = {
    "oneOf": [
        {"type": "object", "required": ["message"], "properties": {"message": STR}},
        FIELD_ERRORS,
    ]
}
"""The document's oneOf has no `required` keys, so every object matches both branches and
none passes; read as intended: exactly one of `message` or `errors` (docs/bria-api-notes.md)."""
CHECKPOINT = _obj(checkpoint_step=INT, training_job_id=INT, created_at=TIME)
CHECKPOINTS = _obj(checkpoints=_array(CHECKPOINT), active_model_version=STR)
MODEL_DOWNLOAD = _obj(download_url=STR, base_model_name=STR, base_model_card=STR)
DELETE_REFUSED = _obj(message=STR)
VISUAL_SCHEMA = _obj(visual_schema=STR)
STRUCTURED_PROMPT = _obj(structured_prompt=STR)
GENERATED_V2 = _obj(image_url=STR, structured_prompt=STR)
ACCEPTED_V2 = _obj(request_id=STR, status_url=STR)


@dataclass(frozen=True)
class Operation:
    """One documented operation: `responses` maps every listed status to its body."""

    method: str
    path: str
    responses: dict[int, Schema]


def _op(
    method: str,
    path: str,
    success: tuple[int, Schema],
    *errors: int,
    bodies: dict[int, Schema] | None = None,
    common: tuple[int, ...] = (401, 403, 429, 500),
    version: str = "/v1",
) -> Operation:
    responses: dict[int, Schema] = {success[0]: success[1]}
    for status in (*errors, *common):
        responses[status] = STRING if status == 403 else NONE
    responses.update(bodies or {})
    return Operation(method, version + path, responses)


P = "/tailored-gen/projects"
D = "/tailored-gen/datasets"
M = "/tailored-gen/models"
CHECKPOINT_ERRORS = {400: STRING, 404: STRING}

PUBLISHED: tuple[Operation, ...] = (
    _op("POST", P, (201, PROJECT_CREATED), 400),
    _op("GET", P, (200, _array(PROJECT_LISTED))),
    _op("GET", P + "/{project_id}", (200, PROJECT_SHOWN), 404),
    _op("PUT", P + "/{project_id}", (200, PROJECT_UPDATED), 404),
    _op("DELETE", P + "/{project_id}", (204, NONE), 404, 409),
    _op("POST", D, (201, DATASET_CREATED), 400, 404),
    _op("GET", D, (200, _array(DATASET_LISTED))),
    _op("GET", P + "/{project_id}/datasets", (200, _array(DATASET_BY_PROJECT)), 404),
    _op("GET", D + "/{dataset_id}", (200, DATASET_SHOWN), 400, 404),
    _op("PUT", D + "/{dataset_id}", (200, DATASET_UPDATED), 400, 404, 409),
    _op("DELETE", D + "/{dataset_id}", (204, NONE), 404, 409),
    _op("POST", D + "/{dataset_id}/clone", (201, DATASET_CLONED), 404),
    _op(
        "POST",
        D + "/{dataset_id}/images",
        (201, IMAGE_UPLOADED),
        400,
        404,
        409,
        412,
        415,
        422,
    ),
    _op("GET", D + "/{dataset_id}/images", (200, _array(IMAGE)), 404),
    _op("PUT", D + "/{dataset_id}/images", (202, DATASET_REGENERATING), 404),
    _op("POST", D + "/{dataset_id}/images/bulk-upload", (202, NONE), 400, 404, 413),
    _op("GET", D + "/{dataset_id}/images/{image_id}", (200, IMAGE), 404),
    _op("PUT", D + "/{dataset_id}/images/{image_id}", (200, IMAGE), 400, 404, 409),
    _op("DELETE", D + "/{dataset_id}/images/{image_id}", (204, NONE), 404, 409),
    _op("GET", D + "/{dataset_id}/images/bulk-upload/status", (200, BULK_STATUS), 400, 404),
    _op("POST", M, (201, MODEL_CREATED), 400, 404),
    _op("GET", M, (200, _array(MODEL_LISTED))),
    _op(
        "POST",
        M + "/upload_model",
        (200, MODEL_UPLOADED),
        400,
        404,
        415,
        422,
        common=(403, 429, 500),
    ),
    _op("GET", P + "/{project_id}/models", (200, _array(MODEL_BY_PROJECT)), 404),
    _op("GET", M + "/{model_id}", (200, MODEL_SHOWN), 404),
    _op("PUT", M + "/{model_id}", (200, MODEL_UPDATED), 404),
    _op("DELETE", M + "/{model_id}", (204, NONE), 404, 409, bodies={409: DELETE_REFUSED}),
    _op(
        "POST",
        M + "/{model_id}/start_training",
        (200, MODEL_TRAINING),
        400,
        404,
        409,
        412,
        bodies={400: TRAINING_REFUSED},
    ),
    _op("POST", M + "/{model_id}/stop_training", (200, NONE), 404, 409),
    _op(
        "GET",
        M + "/{model_id}/checkpoints",
        (200, CHECKPOINTS),
        bodies=CHECKPOINT_ERRORS,
        common=(),
    ),
    _op(
        "GET",
        M + "/{model_id}/checkpoints/{checkpoint_step}",
        (200, CHECKPOINT),
        bodies=CHECKPOINT_ERRORS,
        common=(),
    ),
    _op(
        "DELETE",
        M + "/{model_id}/checkpoints/{checkpoint_step}",
        (204, NONE),
        bodies=CHECKPOINT_ERRORS,
        common=(),
    ),
    _op("GET", M + "/{model_id}/download", (200, MODEL_DOWNLOAD), 400, 404, common=(401, 403, 500)),
    _op(
        "GET",
        "/datasets/{dataset_id}/download",
        (200, DATASET_DOWNLOAD),
        404,
        409,
        common=(401, 403, 500),
    ),
    _op("POST", "/tailored-gen/generate_visual_schema", (200, VISUAL_SCHEMA), 400, 415, 422),
    _op("POST", "/tailored-gen/refine_structured_prompt", (200, STRUCTURED_PROMPT), 400, 404),
    _op(
        "POST",
        "/image/generate/tailored",
        (200, GENERATED_V2),
        400,
        422,
        common=(403, 429, 500),
        bodies={202: ACCEPTED_V2, 403: NONE},
        version="/v2",
    ),
)
"""Every v1 training operation of the document and v2 image generation (FIBO models). The
v2 structured-prompt and video operations are not modelled (tailor never calls them)."""

ABSENT = (
    ("POST", "/v2/structured_prompt/generate/tailored"),
    ("POST", "/v2/video/generate/tailored/image-to-video"),
)
