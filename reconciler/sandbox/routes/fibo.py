"""FIBO's routes: the schema operations under /v1/tailored-gen and generation under /v2."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from reconciler.sandbox import schemas
from reconciler.sandbox.routes.common import (
    JsonBody,
    answers,
    backend_of,
    bria_router,
    documented_body,
)

router = bria_router("visual schema", prefix="/v1/tailored-gen")
v2_router = bria_router("generation v2", prefix="/v2")


@router.post(
    "/generate_visual_schema",
    **answers(schemas.VisualSchema),
    openapi_extra=documented_body(schemas.VisualSchemaRequest),
)
def generate_visual_schema(request: Request, body: JsonBody) -> Any:
    return backend_of(request).structured.generate_visual_schema(body)


@router.post(
    "/refine_structured_prompt",
    **answers(schemas.StructuredPrompt),
    openapi_extra=documented_body(schemas.RefineRequest),
)
def refine_structured_prompt(request: Request, body: JsonBody) -> Any:
    return backend_of(request).structured.refine(body)


@v2_router.post(
    "/image/generate/tailored",
    status_code=200,
    response_model=None,
    responses={
        200: {"model": schemas.GeneratedV2, "description": "sync: the image"},
        202: {"model": schemas.AcceptedV2, "description": "poll status_url"},
    },
    openapi_extra=documented_body(schemas.GenerateV2Request),
)
def generate_image(request: Request, body: JsonBody) -> JSONResponse:
    status, answer = backend_of(request).tailored_v2.generate(body)
    return JSONResponse(answer, status_code=status)


@v2_router.get("/status/{request_id}", **answers(schemas.RequestStatus))
def request_status(request: Request, request_id: str) -> Any:
    return backend_of(request).tailored_v2.status(request_id)
