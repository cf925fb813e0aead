"""Datasets, their images and bulk uploads under /v1/tailored-gen, and dataset download."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response

from reconciler.sandbox import schemas
from reconciler.sandbox.datasets import MAX_IMAGES_DEFAULT
from reconciler.sandbox.routes.common import (
    JsonBody,
    OptionalJsonBody,
    answers,
    backend_of,
    bria_router,
    documented_body,
)

router = bria_router("datasets")
BASE = "/tailored-gen/datasets"


@router.post(
    BASE,
    **answers(schemas.Dataset, 201),
    openapi_extra=documented_body(schemas.DatasetCreate),
)
def create_dataset(request: Request, body: JsonBody) -> Any:
    return backend_of(request).datasets.create(body)


@router.get(BASE, **answers(list[schemas.Dataset]))
def list_datasets(request: Request) -> Any:
    return backend_of(request).datasets.list_all()


@router.get(BASE + "/{dataset_id}", **answers(schemas.DatasetWithImages))
def get_dataset(
    request: Request,
    dataset_id: int,
    max_images: Annotated[int, Query(ge=1, le=MAX_IMAGES_DEFAULT)] = MAX_IMAGES_DEFAULT,
) -> Any:
    return backend_of(request).datasets.get(dataset_id, max_images)


@router.put(
    BASE + "/{dataset_id}",
    **answers(schemas.Dataset),
    openapi_extra=documented_body(schemas.DatasetUpdate),
)
def update_dataset(request: Request, dataset_id: int, body: JsonBody) -> Any:
    return backend_of(request).datasets.update(dataset_id, body)


@router.delete(BASE + "/{dataset_id}", status_code=204, response_class=Response)
def delete_dataset(request: Request, dataset_id: int) -> Response:
    backend_of(request).datasets.delete(dataset_id)
    return Response(status_code=204)


@router.post(
    BASE + "/{dataset_id}/clone",
    **answers(schemas.DatasetWithImages, 201),
    openapi_extra=documented_body(schemas.DatasetClone, required=False),
)
def clone_dataset(request: Request, dataset_id: int, body: OptionalJsonBody) -> Any:
    return backend_of(request).datasets.clone(dataset_id, body)


@router.get(
    "/datasets/{dataset_id}/download",
    **answers(schemas.DatasetDownload),
)
def download_dataset(request: Request, dataset_id: int) -> Any:
    return backend_of(request).datasets.download(dataset_id)


@router.post(
    BASE + "/{dataset_id}/images/bulk-upload",
    status_code=202,
    response_class=Response,
    responses={202: {"description": "Bulk upload job started successfully."}},
    openapi_extra=documented_body(schemas.BulkUpload),
)
def bulk_upload(request: Request, dataset_id: int, body: JsonBody) -> Response:
    """Bria documents no body for the 202: progress is read from the status route."""
    backend_of(request).bulk.start(dataset_id, body)
    return Response(status_code=202)


@router.get(BASE + "/{dataset_id}/images/bulk-upload/status", **answers(schemas.BulkStatus))
def bulk_upload_status(request: Request, dataset_id: int) -> Any:
    return backend_of(request).bulk.status(dataset_id)


@router.post(
    BASE + "/{dataset_id}/images",
    **answers(schemas.Image, 201),
    openapi_extra=documented_body(schemas.ImageUpload),
)
def upload_image(request: Request, dataset_id: int, body: JsonBody) -> Any:
    return backend_of(request).images.upload(dataset_id, body)


@router.get(BASE + "/{dataset_id}/images", **answers(list[schemas.Image]))
def list_images(request: Request, dataset_id: int) -> Any:
    return backend_of(request).images.list_all(dataset_id)


@router.put(BASE + "/{dataset_id}/images", **answers(schemas.Dataset, 202))
def regenerate_captions(request: Request, dataset_id: int) -> Any:
    return backend_of(request).datasets.regenerate_captions(dataset_id)


@router.get(BASE + "/{dataset_id}/images/{image_id}", **answers(schemas.Image))
def get_image(request: Request, dataset_id: int, image_id: int) -> Any:
    return backend_of(request).images.get(dataset_id, image_id)


@router.put(
    BASE + "/{dataset_id}/images/{image_id}",
    **answers(schemas.Image),
    openapi_extra=documented_body(schemas.CaptionUpdate),
)
def update_caption(
    request: Request,
    dataset_id: int,
    image_id: int,
    body: JsonBody,
) -> Any:
    return backend_of(request).images.update_caption(dataset_id, image_id, body)


@router.delete(BASE + "/{dataset_id}/images/{image_id}", status_code=204, response_class=Response)
def delete_image(request: Request, dataset_id: int, image_id: int) -> Response:
    backend_of(request).images.delete(dataset_id, image_id)
    return Response(status_code=204)
