"""The client over a real loopback socket (uvicorn): real disconnects, limits, pacing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.client.api import BriaClient
from reconciler.client.models import CreateDatasetRequest, CreateProjectRequest
from tests.client.conftest import FAST_RETRY, TOKEN, Control

pytestmark = pytest.mark.anyio


async def test_creates_survive_real_disconnects(served_app_url: tuple[str, Any]) -> None:
    origin, _ = served_app_url
    async with httpx.AsyncClient(base_url=origin) as http, BriaClient(
        f"{origin}/v1", SecretStr(TOKEN), retry=FAST_RETRY
    ) as bria:
        control = Control(http)
        project = await bria.create_project(CreateProjectRequest(
            project_name="sock", ip_medium="illustration", ip_type="icons"))
        await control.faults(drop_connection_rate=0.3, lose_response_after_commit_rate=0.3,
                             error_rate=0.2, seed=3)
        names = [f"d{n}" for n in range(30)]
        made = await asyncio.gather(*(
            bria.create_dataset(CreateDatasetRequest(project_id=project.id, name=name),
                                known_ids=()) for name in names))
        await control.faults()
        listed = await bria.list_project_datasets(project.id)
        assert sorted(d.name for d in listed) == sorted(names)
        assert sorted(d.id for d in made) == sorted(d.id for d in listed)
        assert (await control.stats())["POST /v1/tailored-gen/datasets"] > len(names)


async def test_concurrency_cap_and_rate_limit(served_app_url: tuple[str, Any]) -> None:
    origin, _ = served_app_url
    async with httpx.AsyncClient(base_url=origin) as http:
        control = Control(http)
        await control.faults(latency_ms=100)
        async with BriaClient(f"{origin}/v1", SecretStr(TOKEN), max_concurrency=2) as bria:
            started = time.monotonic()
            await asyncio.gather(*(bria.list_projects() for _ in range(6)))
            capped = time.monotonic() - started
        assert capped >= 0.3 * 0.9  # 6 calls of 100 ms, at most 2 at a time
        await control.faults()
        async with BriaClient(f"{origin}/v1", SecretStr(TOKEN), max_concurrency=8,
                              requests_per_minute=2400) as bria:
            started = time.monotonic()
            await asyncio.gather(*(bria.list_projects() for _ in range(9)))
            paced = time.monotonic() - started
        assert paced >= 8 / 40 * 0.9
