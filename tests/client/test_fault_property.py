"""Property: whatever mix of faults the sandbox injects, N creates make exactly N objects."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.client.api import BriaClient
from reconciler.client.models import CreateProjectRequest
from reconciler.client.retry import RetryPolicy
from reconciler.secret import Secret
from tests.client.conftest import BASE_URL, ORIGIN

POLICY = RetryPolicy(max_attempts=25, total_seconds=20.0, base_delay=0.001, max_delay=0.01)


async def _run(faults: dict[str, object], count: int) -> tuple[list[int], list[str]]:
    from reconciler.sandbox.app import create_app

    app = create_app(public_url=ORIGIN)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ORIGIN) as control, BriaClient(
        BASE_URL, Secret("prop"), transport=transport, retry=POLICY, max_concurrency=4
    ) as bria:
        assert (await control.put("/_sandbox/faults", json=faults)).status_code == 200
        made = await asyncio.gather(*(
            bria.create_project(CreateProjectRequest(
                project_name=f"n{n}", ip_medium="illustration", ip_type="icons"),
                known_ids=())
            for n in range(count)))
        await control.put("/_sandbox/faults", json={})
        listed = await bria.list_projects()
    assert sorted(p.id for p in made) == sorted(p.id for p in listed)
    return [p.id for p in listed], [p.project_name for p in listed]


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    error_rate=st.sampled_from([0.0, 0.2, 0.4]),
    error_status=st.sampled_from([502, 503, 504]),
    drop=st.sampled_from([0.0, 0.1, 0.3]),
    lose=st.sampled_from([0.0, 0.2, 0.5]),
    seed=st.integers(0, 10_000),
)
def test_creates_are_exact_under_any_fault_mix(
    error_rate: float, error_status: int, drop: float, lose: float, seed: int
) -> None:
    faults = {"error_rate": error_rate, "error_status": error_status, "retry_after_s": 0,
              "rate_limit_rate": 0.1, "drop_connection_rate": drop,
              "lose_response_after_commit_rate": lose, "seed": seed}
    ids, names = asyncio.run(_run(faults, 25))
    assert len(ids) == 25
    assert sorted(names) == sorted(f"n{n}" for n in range(25))
