"""Models, training, checkpoints and tailored generation under /v1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request, Response

from reconciler.sandbox import schemas
from reconciler.sandbox.constraints import NOT_FOUND
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.routes.common import (
    JsonBody,
    OptionalJsonBody,
    answers,
    backend_of,
    bria_router,
    documented_body,
)

router = bria_router("models")
BASE = "/tailored-gen/models"


@router.post(
    BASE,
    **answers(schemas.Model, 201),
    openapi_extra=documented_body(schemas.ModelCreate),
)
def create_model(request: Request, body: JsonBody) -> Any:
    return backend_of(request).models.create(body)


@router.get(BASE, **answers(list[schemas.Model]))
def list_models(request: Request, include_training_parameters: bool = False) -> Any:
    return backend_of(request).models.list_all(include_training_parameters)


@router.post(
    BASE + "/upload_model",
    **answers(schemas.Model),
    openapi_extra=documented_body(schemas.UploadModel),
)
def upload_model(request: Request, body: JsonBody) -> Any:
    return backend_of(request).models.upload(body)


@router.get(BASE + "/{model_id}", **answers(schemas.Model))
def get_model(request: Request, model_id: int) -> Any:
    return backend_of(request).models.get(model_id)


@router.put(
    BASE + "/{model_id}",
    **answers(schemas.Model),
    openapi_extra=documented_body(schemas.ModelUpdate),
)
def update_model(request: Request, model_id: int, body: JsonBody) -> Any:
    return backend_of(request).models.update(model_id, body)


@router.delete(BASE + "/{model_id}", status_code=204, response_class=Response)
def delete_model(request: Request, model_id: int) -> Response:
    backend_of(request).models.delete(model_id)
    return Response(status_code=204)


@router.post(
    BASE + "/{model_id}/start_training",
    **answers(schemas.Model),
    openapi_extra=documented_body(schemas.StartTraining, required=False),
)
def start_training(request: Request, model_id: int, body: OptionalJsonBody) -> Any:
    return backend_of(request).models.start_training(model_id, body)


@router.post(
    BASE + "/{model_id}/stop_training",
    response_class=Response,
    responses={200: {"description": "Training job successfully stopped"}},
)
def stop_training(request: Request, model_id: int) -> Response:
    """Bria documents no body for the 200: the model's status is read with Get Model."""
    backend_of(request).models.stop_training(model_id)
    return Response(status_code=200)


STRING_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {"application/json": {"schema": {"type": "string"}}},
    }
    for status, description in ((400, "Bad Request"), (404, "Not Found"))
}
"""The checkpoint operations answer 400 and 404 with a bare JSON string (Bria's document)."""


@contextmanager
def bare_errors() -> Iterator[None]:
    try:
        yield
    except BriaError as error:
        raise error.as_bare() from None


def _path_id(value: str, missing: str) -> int:
    """A path id the checkpoint operations parse themselves, so a bad one is a bare 404 too."""
    if not value.isdigit() or len(value) > 18:
        raise BriaError(NOT_FOUND, missing, status=404, bare=True)
    return int(value)


@router.get(BASE + "/{model_id}/checkpoints", **answers(schemas.Checkpoints, errors=STRING_ERRORS))
def list_checkpoints(request: Request, model_id: str) -> Any:
    with bare_errors():
        return backend_of(request).models.checkpoints(_path_id(model_id, "Model not found"))


@router.get(
    BASE + "/{model_id}/checkpoints/{checkpoint_step}",
    **answers(schemas.Checkpoint, errors=STRING_ERRORS),
)
def get_checkpoint(request: Request, model_id: str, checkpoint_step: str) -> Any:
    with bare_errors():
        return backend_of(request).models.checkpoint(
            _path_id(model_id, "Model not found"),
            _path_id(checkpoint_step, "Checkpoint not found"),
        )


@router.delete(
    BASE + "/{model_id}/checkpoints/{checkpoint_step}",
    status_code=204,
    response_class=Response,
    responses=STRING_ERRORS,
)
def delete_checkpoint(request: Request, model_id: str, checkpoint_step: str) -> Response:
    with bare_errors():
        backend_of(request).models.delete_checkpoint(
            _path_id(model_id, "Model not found"),
            _path_id(checkpoint_step, "Checkpoint not found"),
        )
    return Response(status_code=204)


@router.get(BASE + "/{model_id}/download", **answers(schemas.ModelDownload))
def download_model(request: Request, model_id: int) -> Any:
    return backend_of(request).models.download(model_id)


@router.post(
    "/text-to-image/tailored/{model_id}",
    **answers(schemas.Generated),
    openapi_extra=documented_body(schemas.GenerateRequest),
)
def generate(request: Request, model_id: int, body: JsonBody) -> Any:
    return backend_of(request).generation.text_to_image(model_id, body)


@router.post(
    "/text-to-image/tailored/{model_id}/{checkpoint_step}",
    **answers(schemas.Generated),
    openapi_extra=documented_body(schemas.GenerateRequest),
)
def generate_from_checkpoint(
    request: Request,
    model_id: int,
    checkpoint_step: int,
    body: JsonBody,
) -> Any:
    return backend_of(request).generation.text_to_image(model_id, body, checkpoint_step)
