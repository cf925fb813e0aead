"""The client over a real loopback socket (uvicorn): real disconnects, limits, pacing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from reconciler import settings
from reconciler.client.api import BriaClient
from reconciler.client.models import CreateDatasetRequest, CreateProjectRequest
from reconciler.secret import Secret
from tests.client.conftest import FAST_RETRY, TOKEN, Control

pytestmark = pytest.mark.anyio


async def test_creates_survive_real_disconnects(served_app_url: tuple[str, Any]) -> None:
    origin, _ = served_app_url
    async with httpx.AsyncClient(base_url=origin) as http, BriaClient(
        f"{origin}/v1", Secret(TOKEN), retry=FAST_RETRY
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


async def _timed_list(bria: BriaClient) -> float:
    await bria.list_projects()
    return time.monotonic()


async def test_concurrency_cap_and_rate_limit(
    served_app_url: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap holds; at a rate, a minute's allowance goes at once and the rest waits for the
    minute, which a sandbox counting that rate over that minute never refuses. The minute is
    shortened to 0.6 s here (the sandbox's to 0.5 s: 2% of so short a window, 12 ms, is less
    than this machine's scheduling jitter under load; a real minute's 2% is 1.2 s)."""
    origin, _ = served_app_url
    monkeypatch.setattr(settings, "RATE_WINDOW_SECONDS", 0.6)
    async with httpx.AsyncClient(base_url=origin) as http:
        control = Control(http)
        await control.faults(latency_ms=100)
        async with BriaClient(f"{origin}/v1", Secret(TOKEN), max_concurrency=2) as bria:
            started = time.monotonic()
            await asyncio.gather(*(bria.list_projects() for _ in range(6)))
            capped = time.monotonic() - started
        assert capped >= 0.3 * 0.9  # 6 calls of 100 ms, at most 2 at a time
        await control.faults()
        limits = {"requests_per_minute": 4, "window_seconds": 0.5}
        assert (await http.put("/_sandbox/limits", json=limits)).status_code == 200
        await control.reset_stats()
        async with BriaClient(f"{origin}/v1", Secret(TOKEN), max_concurrency=8,
                              requests_per_minute=4) as bria:
            started = time.monotonic()
            ends = await asyncio.gather(*(_timed_list(bria) for _ in range(9)))
        waited = sorted(end - started for end in ends)
        assert waited[3] < 0.3, "the first 4 go at once (spaced, the 4th would be at 0.46 s)"
        assert waited[4] >= 0.6 / 0.98 * 0.95, "the 5th waits for the first's minute"
        assert waited[8] >= 2 * 0.6 / 0.98 * 0.95
        assert (await control.stats())["GET /v1/tailored-gen/projects"] == 9, "no 429"
