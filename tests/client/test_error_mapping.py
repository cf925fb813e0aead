"""A 4xx from the sandbox becomes the right ApiError, with Bria's words, and is never retried."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from reconciler.client.api import BriaClient
from reconciler.client.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PreconditionFailed,
    RateLimited,
    ServerError,
    Unauthorized,
)
from reconciler.client.models import (
    CreateDatasetRequest,
    CreateModelRequest,
    CreateProjectRequest,
)
from reconciler.client.retry import RetryPolicy
from reconciler.secret import Secret
from tests.client.conftest import BASE_URL, Control

pytestmark = pytest.mark.anyio


async def test_4xx_errors_map_to_their_classes_and_are_sent_once(
    client: BriaClient, control: Control
) -> None:
    project = await client.create_project(CreateProjectRequest(
        project_name="p", ip_medium="illustration", ip_type="icons"))
    dataset = await client.create_dataset(CreateDatasetRequest(project_id=project.id, name="d"))
    model = await client.create_model(CreateModelRequest(
        name="m", dataset_id=dataset.id, training_mode="expert", training_version="max"))
    await control.reset_stats()

    with pytest.raises(NotFound) as not_found:
        await client.get_project(9999)
    assert not_found.value.status == 404
    assert (not_found.value.method, not_found.value.path) == (
        "GET", "/tailored-gen/projects/9999")

    with pytest.raises(PreconditionFailed) as precondition:
        await client.start_training(model.id)
    assert "completed" in precondition.value.bria_message.lower()
    assert "POST /tailored-gen/models/" in str(precondition.value)

    with pytest.raises(Conflict) as conflict:
        await client.stop_training(model.id)
    assert conflict.value.status == 409

    with pytest.raises(BadRequest) as bad:
        await client.create_project(CreateProjectRequest(
            project_name="q", ip_medium="photography", ip_type="icons"))
    assert bad.value.bria_message in str(bad.value)

    stats = await control.stats()
    assert stats["GET /v1/tailored-gen/projects/{project_id}"] == 1
    assert stats["POST /v1/tailored-gen/models/{model_id}/start_training"] == 1
    assert stats["POST /v1/tailored-gen/models/{model_id}/stop_training"] == 1
    assert stats["POST /v1/tailored-gen/projects"] == 1


async def test_injected_4xx_is_not_retried_but_429_and_5xx_are(
    client: BriaClient, control: Control
) -> None:
    await control.faults(error_rate=1.0, error_status=418)
    with pytest.raises(Exception) as teapot:
        await client.list_projects()
    assert getattr(teapot.value, "status", None) == 418
    assert (await control.stats())["GET /v1/tailored-gen/projects"] == 1

    await control.reset_stats()
    await control.faults(error_rate=1.0, error_status=502)
    with pytest.raises(ServerError) as server:
        await client.list_projects()
    assert "after 12 attempts" in str(server.value)
    assert (await control.stats())["GET /v1/tailored-gen/projects"] == 12


async def test_retry_after_is_honoured_and_bounded(app: Any, control: Control) -> None:
    """429 waits at least Retry-After; when Retry-After exceeds the rate-limit budget left,
    give up now."""
    await control.faults(rate_limit_rate=1.0, retry_after_s=1)
    policy = RetryPolicy(max_attempts=3, total_seconds=10.0, base_delay=0.001, max_delay=0.002,
                         rate_limit_seconds=2.5)
    async with BriaClient(BASE_URL, Secret("t"), retry=policy,
                          transport=httpx.ASGITransport(app=app)) as bria:
        started = time.monotonic()
        with pytest.raises(RateLimited) as limited:
            await bria.list_projects()
        assert time.monotonic() - started >= 2.0  # two waits of one second each
    assert limited.value.hint is not None
    assert (await control.stats())["GET /v1/tailored-gen/projects"] == 3

    await control.reset_stats()
    await control.faults(rate_limit_rate=1.0, retry_after_s=30)
    async with BriaClient(BASE_URL, Secret("t"), retry=policy,
                          transport=httpx.ASGITransport(app=app)) as bria:
        with pytest.raises(RateLimited):
            await bria.list_projects()
    assert (await control.stats())["GET /v1/tailored-gen/projects"] == 1


async def test_unknown_token_is_unauthorized_with_a_hint() -> None:
    from reconciler.sandbox.app import create_app

    strict = create_app(api_tokens=frozenset({"the-right-one"}))
    async with BriaClient(BASE_URL, Secret("the-wrong-one"),
                          transport=httpx.ASGITransport(app=strict)) as bria:
        with pytest.raises(Unauthorized) as caught:
            await bria.list_models()
    assert caught.value.hint and "BRIA_API_TOKEN" in caught.value.hint
    assert "the-wrong-one" not in str(caught.value)
