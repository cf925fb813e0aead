"""Test-only control endpoints under /_sandbox: stats, clock, faults, limits, seeding, files,
reset.

They need no token, never see injected faults, are not counted in stats and are left out of
the OpenAPI document (which describes Bria's API only).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Request, Response

from reconciler.sandbox.clock import iso
from reconciler.sandbox.constraints import BODY_FIELD, NOT_FOUND
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.faults import FaultConfig, FaultConfigError
from reconciler.sandbox.limits import LimitsConfig, LimitsConfigError
from reconciler.sandbox.routes.common import JsonBody, backend_of
from reconciler.sandbox.seeding import SeedError
from reconciler.sandbox.stats import RequestStats

router = APIRouter(prefix="/_sandbox", include_in_schema=False)


def _stats(request: Request) -> RequestStats:
    stats: RequestStats = request.app.state.stats
    return stats


@router.get("/stats")
def get_stats(request: Request) -> dict[str, Any]:
    return _stats(request).snapshot()


@router.post("/stats/reset")
def reset_stats(request: Request) -> dict[str, Any]:
    _stats(request).reset()
    return _stats(request).snapshot()


def _clock_view(request: Request) -> dict[str, Any]:
    clock = backend_of(request).clock
    now = clock.now()
    return {"now": iso(now), "now_epoch_s": now, "offset_s": clock.offset}


@router.get("/clock")
def get_clock(request: Request) -> dict[str, Any]:
    return _clock_view(request)


@router.post("/clock/advance")
def advance_clock(request: Request, body: JsonBody) -> dict[str, Any]:
    seconds = body.get("seconds")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise BriaError(BODY_FIELD, "seconds must be a non-negative number")
    backend_of(request).advance_clock(float(seconds))
    return _clock_view(request)


@router.get("/faults")
def get_faults(request: Request) -> dict[str, Any]:
    return backend_of(request).faults.config.to_body()


@router.put("/faults")
def put_faults(request: Request, body: JsonBody) -> dict[str, Any]:
    try:
        config = FaultConfig.from_body(body)
    except FaultConfigError as error:
        raise BriaError(BODY_FIELD, str(error)) from error
    backend_of(request).faults.configure(config)
    return config.to_body()


@router.get("/limits")
def get_limits(request: Request) -> dict[str, Any]:
    return backend_of(request).limits.view()


@router.put("/limits")
def put_limits(request: Request, body: JsonBody) -> dict[str, Any]:
    """Replace the plan limits (absent or null: unlimited), e.g. raise the quota mid-test.

    The quota already used is kept unless `quota_used` is sent.
    """
    try:
        config = LimitsConfig.from_body(body)
    except LimitsConfigError as error:
        raise BriaError(BODY_FIELD, str(error)) from error
    used = body.get("quota_used")
    if used is not None and (isinstance(used, bool) or not isinstance(used, int) or used < 0):
        raise BriaError(BODY_FIELD, "quota_used must be a non-negative integer")
    limits = backend_of(request).limits
    limits.configure(config, quota_used=used)
    return limits.view()


@router.post("/seed", status_code=201)
def seed(request: Request, body: JsonBody) -> dict[str, Any]:
    """Objects of either generation made at once, optionally with overrides per kind.

    Body (all optional): `{"generation": "fibo"|"max"|"light"|"3.2"|"2.3", "project_id": N,
    "images": 5, "model": true, "pending": true, "overrides": {"project"|"dataset"|"image"|
    "model": {"set": {...}, "omit": [...]}}}`. Answers the ids made: `{"project_id",
    "dataset_ids", "image_ids", "model_id"}`.
    """
    try:
        return backend_of(request).seeder.seed(body)
    except SeedError as error:
        raise BriaError(BODY_FIELD, str(error)) from error


@router.put("/objects/{kind}/{object_id}")
def override_object(request: Request, kind: str, object_id: int, body: JsonBody) -> Any:
    """Give an object fields Bria's rules would not: `{"set": {...}, "omit": [...]}`.

    `kind` is projects, datasets, images or models; every answer that shows the object carries
    the `set` fields (new fields or unknown values) and lacks the `omit` ones. `{}` clears them.
    """
    try:
        result = backend_of(request).seeder.override(kind, object_id, body)
    except SeedError as error:
        raise BriaError(BODY_FIELD, str(error)) from error
    if result is None:
        raise BriaError(NOT_FOUND, f"No {kind} with id {object_id}", status=404)
    return result


@router.post("/reset")
def reset(request: Request) -> dict[str, Any]:
    backend = backend_of(request)
    backend.reset()
    backend.faults.configure(FaultConfig())
    _stats(request).reset()
    return {"reset": True}


@router.put("/files/{name:path}")
async def put_file(request: Request, name: str, declared_size: int | None = None) -> Response:
    if declared_size is not None and declared_size < 0:
        raise BriaError(BODY_FIELD, "declared_size must not be negative")
    data = await request.body()
    content_type = request.headers.get("content-type")
    backend_of(request).files.put(
        name, data, content_type=content_type, declared_size=declared_size
    )
    return Response(status_code=201)


@router.get("/files/{name:path}")
def get_file(request: Request, name: str) -> Response:
    stored = backend_of(request).files.get(name)
    if stored is None:
        raise BriaError(NOT_FOUND, f"No file named {name}", status=404)
    return Response(content=stored.data, media_type=stored.content_type)


@router.delete("/files/{name:path}")
def delete_file(request: Request, name: str) -> Response:
    """What a staging bucket offers: the uploader removes its ZIP once Bria has read it."""
    if not backend_of(request).files.delete(name):
        raise BriaError(NOT_FOUND, f"No file named {name}", status=404)
    return Response(status_code=204)
