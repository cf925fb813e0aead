"""Nothing listening: connection errors are retried within bounds, then reported plainly."""

from __future__ import annotations

import time

import pytest

from reconciler.client.api import BriaClient
from reconciler.client.errors import ApiUnreachable
from reconciler.client.models import CreateProjectRequest
from reconciler.client.retry import RetryPolicy
from reconciler.secret import Secret
from tests.conftest import free_port

TOKEN = "tok-SECRET-unreachable-0001"


@pytest.mark.anyio
async def test_refused_connection_is_retried_then_reported() -> None:
    policy = RetryPolicy(max_attempts=4, total_seconds=5.0, base_delay=0.01, max_delay=0.02)
    async with BriaClient(f"http://127.0.0.1:{free_port()}/v1", Secret(TOKEN),
                          retry=policy) as client:
        with pytest.raises(ApiUnreachable) as caught:
            await client.list_projects()
    error = caught.value
    assert error.status is None
    assert error.method == "GET" and error.path == "/tailored-gen/projects"
    assert "after 4 attempts" in str(error)
    assert error.hint is not None
    assert TOKEN not in str(error) and TOKEN not in repr(error)


@pytest.mark.anyio
async def test_create_that_never_reached_bria_is_retried_without_lookup() -> None:
    """A refused connection is 'not sent': the create is retried, no recovery listing needed."""
    policy = RetryPolicy(max_attempts=3, total_seconds=5.0, base_delay=0.01, max_delay=0.02)
    async with BriaClient(f"http://127.0.0.1:{free_port()}/v1", Secret(TOKEN),
                          retry=policy) as client:
        request = CreateProjectRequest(project_name="p", ip_medium="illustration",
                                       ip_type="icons")
        with pytest.raises(ApiUnreachable) as caught:
            await client.create_project(request, known_ids=())
    assert caught.value.method == "POST"
    assert "after 3 attempts" in str(caught.value)


@pytest.mark.anyio
async def test_total_time_bounds_the_retries() -> None:
    policy = RetryPolicy(max_attempts=1000, total_seconds=0.5, base_delay=0.05, max_delay=0.1)
    started = time.monotonic()
    async with BriaClient(f"http://127.0.0.1:{free_port()}/v1", Secret(TOKEN),
                          retry=policy) as client:
        with pytest.raises(ApiUnreachable):
            await client.get_project(1)
    assert time.monotonic() - started < 3.0
