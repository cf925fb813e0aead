"""Injected faults on /v1 routes, and the stats and control routes around them (in-process)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import asgi_client, control, expect_error, ok, project, put_file

pytestmark = pytest.mark.anyio
PROJECTS = "/tailored-gen/projects"


async def _faults(client: httpx.AsyncClient, **config: Any) -> None:
    ok(await control(client, "PUT", "/faults", json=config))


async def test_error_rate_returns_the_configured_status(sandbox_http: httpx.AsyncClient) -> None:
    await _faults(sandbox_http, error_rate=1.0, error_status=503)
    expect_error(await sandbox_http.get(PROJECTS), 503, "FAULT-ERROR")
    assert (await control(sandbox_http, "GET", "/stats")).status_code == 200, "control unaffected"
    url = await put_file(sandbox_http, "a.bin", b"x")
    assert (await sandbox_http.get(url)).status_code == 200, "file host unaffected"
    await _faults(sandbox_http)
    assert (await sandbox_http.get(PROJECTS)).status_code == 200


async def test_rate_limit_carries_retry_after(sandbox_http: httpx.AsyncClient) -> None:
    await _faults(sandbox_http, rate_limit_rate=1.0, retry_after_s=2)
    response = await sandbox_http.get(PROJECTS)
    expect_error(response, 429, "FAULT-RATE-LIMIT")
    assert response.headers["Retry-After"] == "2"


async def test_partial_rates_are_seeded(sandbox_http: httpx.AsyncClient) -> None:
    async def statuses() -> list[int]:
        await _faults(sandbox_http, error_rate=0.5, seed=7)
        return [(await sandbox_http.get(PROJECTS)).status_code for _ in range(20)]

    first, second = await statuses(), await statuses()
    assert first == second and {200, 503} == set(first)


async def test_latency_delays_bria_requests(sandbox_http: httpx.AsyncClient) -> None:
    await _faults(sandbox_http, latency_ms=150)
    started = time.perf_counter()
    assert (await sandbox_http.get(PROJECTS)).status_code == 200
    assert time.perf_counter() - started >= 0.15


async def test_dropped_connection_is_a_transport_error(sandbox_http: httpx.AsyncClient) -> None:
    await _faults(sandbox_http, drop_connection_rate=1.0)
    with pytest.raises(httpx.TransportError):
        await sandbox_http.post(
            PROJECTS, json={"project_name": "p", "ip_type": "icons", "ip_medium": "illustration"}
        )
    await _faults(sandbox_http)
    assert ok(await sandbox_http.get(PROJECTS)) == [], "a dropped request never reached Bria"


async def test_lost_response_after_commit(sandbox_http: httpx.AsyncClient) -> None:
    await _faults(sandbox_http, lose_response_after_commit_rate=1.0)
    assert (await sandbox_http.get(PROJECTS)).status_code == 200, "reads are never lost"
    with pytest.raises(httpx.TransportError):
        await sandbox_http.post(
            PROJECTS, json={"project_name": "lost", "ip_type": "icons", "ip_medium": "illustration"}
        )
    await _faults(sandbox_http)
    assert [p["project_name"] for p in ok(await sandbox_http.get(PROJECTS))] == ["lost"]


async def test_a_held_request_waits_until_the_faults_are_set_again(
    sandbox_http: httpx.AsyncClient,
) -> None:
    import anyio

    await _faults(sandbox_http, hold_from_request=2)
    assert ok(await sandbox_http.get(PROJECTS)) == [], "the first request is not held"
    answers: list[int] = []

    async def create() -> None:
        body = {"project_name": "held", "ip_type": "icons", "ip_medium": "illustration"}
        answers.append((await sandbox_http.post(PROJECTS, json=body)).status_code)

    async with anyio.create_task_group() as group:
        group.start_soon(create)
        for _ in range(2000):
            if ok(await control(sandbox_http, "GET", "/stats"))["total"] == 2:
                break
            await anyio.sleep(0.005)
        await anyio.sleep(0.05)
        assert answers == [], "a held request is not answered"
        await _faults(sandbox_http)  # returns once the held request has run
        listed = [p["project_name"] for p in ok(await sandbox_http.get(PROJECTS))]
        assert listed == ["held"]
    assert answers in ([200], [201])


async def test_bad_fault_config_is_refused(sandbox_http: httpx.AsyncClient) -> None:
    expect_error(
        await control(sandbox_http, "PUT", "/faults", json={"error_rate": 2}), 400, "BODY-FIELD"
    )


async def test_stats_count_bria_routes_by_template(sandbox_http: httpx.AsyncClient) -> None:
    created = await project(sandbox_http)
    await sandbox_http.get(f"{PROJECTS}/{created['id']}")
    await sandbox_http.get(f"{PROJECTS}/{created['id']}")
    await control(sandbox_http, "GET", "/clock")
    stats = ok(await control(sandbox_http, "GET", "/stats"))
    assert stats == {
        "total": 3,
        "requests": {
            "GET /v1/tailored-gen/projects/{project_id}": 2,
            "POST /v1/tailored-gen/projects": 1,
        },
    }
    assert ok(await control(sandbox_http, "POST", "/stats/reset"))["total"] == 0


async def test_reset_empties_the_sandbox(sandbox_http: httpx.AsyncClient) -> None:
    await project(sandbox_http)
    ok(await control(sandbox_http, "POST", "/clock/advance", json={"seconds": 100}))
    ok(await control(sandbox_http, "POST", "/reset"))
    assert ok(await sandbox_http.get(PROJECTS)) == []
    assert ok(await control(sandbox_http, "GET", "/clock"))["offset_s"] == 0
    assert (await project(sandbox_http))["id"] == 1
    expect_error(
        await control(sandbox_http, "POST", "/clock/advance", json={"seconds": -1}),
        400,
        "BODY-FIELD",
    )


async def test_parallel_requests_are_safe(sandbox_http: httpx.AsyncClient) -> None:
    import anyio

    async def create(index: int) -> None:
        await project(sandbox_http, project_name=f"p{index}")

    async with anyio.create_task_group() as group:
        for index in range(16):
            group.start_soon(create, index)
    listed = ok(await sandbox_http.get(PROJECTS))
    assert sorted(p["id"] for p in listed) == list(range(1, 17))


async def test_configured_latency_and_training_time() -> None:
    from reconciler.sandbox.app import create_app

    async with asgi_client(create_app(latency_ms=120, training_seconds=0.0)) as client:
        started = time.perf_counter()
        assert (await client.get(PROJECTS)).status_code == 200
        assert time.perf_counter() - started >= 0.12
        from tests.sandbox.helpers import training_model

        trained = await training_model(client)
        got = ok(await client.get(f"/tailored-gen/models/{trained['id']}"))
        assert got["status"] == "Completed", "training_seconds=0 finishes at once"
