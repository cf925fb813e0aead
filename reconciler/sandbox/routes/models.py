"""Models, training, checkpoints and tailored generation under /v1."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from reconciler.sandbox import schemas
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


@router.post(BASE + "/{model_id}/stop_training", **answers(schemas.Model))
def stop_training(request: Request, model_id: int) -> Any:
    return backend_of(request).models.stop_training(model_id)


@router.get(BASE + "/{model_id}/checkpoints", **answers(schemas.Checkpoints))
def list_checkpoints(request: Request, model_id: int) -> Any:
    return backend_of(request).models.checkpoints(model_id)


@router.get(BASE + "/{model_id}/checkpoints/{checkpoint_step}", **answers(schemas.Checkpoint))
def get_checkpoint(request: Request, model_id: int, checkpoint_step: int) -> Any:
    return backend_of(request).models.checkpoint(model_id, checkpoint_step)


@router.delete(
    BASE + "/{model_id}/checkpoints/{checkpoint_step}", status_code=204, response_class=Response
)
def delete_checkpoint(request: Request, model_id: int, checkpoint_step: int) -> Response:
    backend_of(request).models.delete_checkpoint(model_id, checkpoint_step)
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
