"""Projects and caption-prefix generation under /v1/tailored-gen."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from reconciler.sandbox import schemas
from reconciler.sandbox.routes.common import (
    JsonBody,
    answers,
    backend_of,
    bria_router,
    documented_body,
)

router = bria_router("projects", prefix="/v1/tailored-gen")


@router.post(
    "/projects",
    **answers(schemas.Project, 201),
    openapi_extra=documented_body(schemas.ProjectCreate),
)
def create_project(request: Request, body: JsonBody) -> Any:
    return backend_of(request).projects.create(body)


@router.get("/projects", **answers(list[schemas.Project]))
def list_projects(request: Request) -> Any:
    return backend_of(request).projects.list_all()


@router.get("/projects/{project_id}", **answers(schemas.Project))
def get_project(request: Request, project_id: int) -> Any:
    return backend_of(request).projects.get(project_id)


@router.put(
    "/projects/{project_id}",
    **answers(schemas.Project),
    openapi_extra=documented_body(schemas.ProjectUpdate),
)
def update_project(request: Request, project_id: int, body: JsonBody) -> Any:
    return backend_of(request).projects.update(project_id, body)


@router.delete("/projects/{project_id}", status_code=204, response_class=Response)
def delete_project(request: Request, project_id: int) -> Response:
    backend_of(request).projects.delete(project_id)
    return Response(status_code=204)


@router.get("/projects/{project_id}/datasets", **answers(list[schemas.Dataset]))
def list_project_datasets(
    request: Request,
    project_id: int,
    include_models: bool = False,
    include_models_ids: bool = False,
) -> Any:
    return backend_of(request).datasets.list_by_project(
        project_id, include_models=include_models, include_models_ids=include_models_ids
    )


@router.get("/projects/{project_id}/models", **answers(list[schemas.Model]))
def list_project_models(
    request: Request, project_id: int, include_training_parameters: bool = False
) -> Any:
    return backend_of(request).models.list_by_project(project_id, include_training_parameters)


@router.post(
    "/generate_prefix",
    **answers(schemas.Prefix),
    openapi_extra=documented_body(schemas.PrefixRequest),
)
def generate_prefix(request: Request, body: JsonBody) -> Any:
    return backend_of(request).generation.prefix(body)
