"""What every Bria route shares: the token check, JSON bodies, documented error responses."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel

from reconciler.sandbox.backend import Backend
from reconciler.sandbox.constraints import AUTH_TOKEN, BODY_JSON
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.schemas import ErrorBody

TOKEN_HEADER = APIKeyHeader(name="api_token", auto_error=False, scheme_name="api_token")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (400, "Validation error"),
        (401, "Missing or unknown api_token"),
        (404, "Not found"),
        (409, "Conflict with the resource's state"),
        (412, "Precondition failed"),
        (413, "Payload too large"),
        (415, "Unsupported media type"),
        (422, "Unprocessable (unreachable URL, moderation)"),
    )
}


def backend_of(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


def require_token(request: Request, token: str | None = Security(TOKEN_HEADER)) -> None:
    """Bria refuses every request without a known `api_token` header."""
    if not token:
        raise BriaError(AUTH_TOKEN, "Missing api_token header")
    allowed: frozenset[str] | None = request.app.state.api_tokens
    if allowed is not None and token not in allowed:
        raise BriaError(AUTH_TOKEN, "Unknown api_token")


def bria_router(tag: str, prefix: str = "/v1") -> APIRouter:
    """A router of Bria's routes: the token check and the documented error responses."""
    return APIRouter(
        prefix=prefix,
        dependencies=[Depends(require_token)],
        responses=ERROR_RESPONSES,
        tags=[tag],
    )


async def _parse(request: Request, *, optional: bool) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if optional:
            return {}
        raise BriaError(BODY_JSON, "The request body must be a JSON object")
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BriaError(BODY_JSON, "The request body is not valid JSON") from error
    if not isinstance(value, dict):
        raise BriaError(BODY_JSON, "The request body must be a JSON object")
    return value


async def json_body(request: Request) -> dict[str, Any]:
    return await _parse(request, optional=False)


async def optional_json_body(request: Request) -> dict[str, Any]:
    return await _parse(request, optional=True)


def answers(
    model: Any, status: int = 200, *, errors: dict[int | str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Route arguments that document `model` as the success body without re-validating answers.

    The views build every answer; objects a test seeded (`/_sandbox/seed`, `/_sandbox/objects`)
    may carry fields and values no schema lists, as a real organisation's objects may, and must
    reach the client as stored. The OpenAPI fuzz test checks the views against these models.
    `errors` documents error bodies that differ from the router's.
    """
    return {
        "status_code": status,
        "response_model": None,
        "responses": {status: {"model": model, "description": "Success"}, **(errors or {})},
    }


def documented_body(model: type[BaseModel], *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` that documents a JSON body the backend parses itself."""
    return {
        "requestBody": {
            "required": required,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


JsonBody = Annotated[dict[str, Any], Depends(json_body)]
OptionalJsonBody = Annotated[dict[str, Any], Depends(optional_json_body)]
