"""Plan limits: 429 with no body past the rate, 403 with Bria's quota string past the quota."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.sandbox.app import create_app
from reconciler.sandbox.limits import QUOTA_EXCEEDED_MESSAGE, LimitsConfig, RequestLimits
from reconciler.sandbox.store import Store
from tests.conftest import SANDBOX_ORIGIN, serve_sandbox
from tests.sandbox.helpers import asgi_client, control, covers, expect_error, ok

PROJECTS = "/tailored-gen/projects"
QUOTA_TEXT = (
    "Quota exceeded: Free users can make up to 1000 requests in total. "
    "Please upgrade your plan to continue using the service."
)


def _limited(**limits: Any) -> httpx.AsyncClient:
    return asgi_client(create_app(public_url=SANDBOX_ORIGIN, **limits))


def _assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429
    assert response.content == b""
    assert "retry-after" not in response.headers


def _assert_quota_exceeded(response: httpx.Response) -> None:
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == QUOTA_TEXT


@covers("LIMIT-RATE")
@pytest.mark.anyio
async def test_past_the_rate_answers_429_without_body_or_retry_after() -> None:
    async with _limited(requests_per_minute=2) as client:
        assert (await client.get(PROJECTS)).status_code == 200
        assert (await client.post(PROJECTS, json={})).status_code == 400, "refusals count too"
        _assert_rate_limited(await client.get(PROJECTS))
        _assert_rate_limited(await client.get(PROJECTS))
        assert (await control(client, "GET", "/stats")).status_code == 200, "control unlimited"
        view = ok(await control(client, "GET", "/limits"))
        assert view["requests_in_last_minute"] == 2 and view["quota_used"] == 2


@covers("LIMIT-QUOTA")
@pytest.mark.anyio
async def test_past_the_quota_answers_403_with_brias_string_until_raised() -> None:
    async with _limited(quota=2) as client:
        assert (await client.get(PROJECTS)).status_code == 200
        assert (await client.get(PROJECTS)).status_code == 200
        _assert_quota_exceeded(await client.get(PROJECTS))
        _assert_quota_exceeded(await client.post(PROJECTS, json={}))
        raised = ok(await control(client, "PUT", "/limits", json={"quota": 3}))
        assert raised == {
            "requests_per_minute": None,
            "quota": 3,
            "quota_used": 2,
            "requests_in_last_minute": 0,
            "window_seconds": 60.0,
        }, "refused requests use no quota"
        assert (await client.get(PROJECTS)).status_code == 200
        _assert_quota_exceeded(await client.get(PROJECTS))
        ok(await control(client, "PUT", "/limits", json={}))
        assert (await client.get(PROJECTS)).status_code == 200, "null limits: unlimited"


@covers("LIMIT-QUOTA", "LIMIT-RATE")
@pytest.mark.anyio
async def test_quota_is_checked_before_the_rate() -> None:
    async with _limited(requests_per_minute=1, quota=1) as client:
        assert (await client.get(PROJECTS)).status_code == 200
        _assert_quota_exceeded(await client.get(PROJECTS))


def test_message_is_brias_text() -> None:
    assert QUOTA_EXCEEDED_MESSAGE == QUOTA_TEXT


def test_the_window_slides_over_sixty_seconds() -> None:
    now = [1000.0]
    limits = RequestLimits(Store(None), LimitsConfig(requests_per_minute=2), now=lambda: now[0])
    assert [limits.admit(), limits.admit(), limits.admit()] == ["ok", "ok", "rate_limited"]
    now[0] += 59.9
    assert limits.admit() == "rate_limited"
    now[0] += 0.1
    assert limits.admit() == "ok", "the first request left the window"
    assert limits.admit() == "ok", "so did the second"
    assert limits.admit() == "rate_limited"


@covers("LIMIT-RATE")
@pytest.mark.anyio
async def test_a_burst_of_the_whole_minute_passes_and_one_more_is_refused() -> None:
    """Bria's free plan's 10 sent at once all pass (a sliding window, not a spacing); the
    11th within the minute gets the bare 429."""
    async with _limited(requests_per_minute=10) as client:
        burst = await asyncio.gather(*(client.get(PROJECTS) for _ in range(10)))
        assert [response.status_code for response in burst] == [200] * 10
        _assert_rate_limited(await client.get(PROJECTS))


def test_a_shortened_window_counts_the_same_way() -> None:
    """Tests shorten the minute (`window_seconds`) to see several pass in seconds."""
    now = [1000.0]
    config = LimitsConfig.from_body({"requests_per_minute": 2, "window_seconds": 0.5})
    limits = RequestLimits(Store(None), config, now=lambda: now[0])
    assert [limits.admit(), limits.admit(), limits.admit()] == ["ok", "ok", "rate_limited"]
    now[0] += 0.5
    assert [limits.admit(), limits.admit(), limits.admit()] == ["ok", "ok", "rate_limited"]
    assert limits.view()["window_seconds"] == 0.5


@pytest.mark.anyio
async def test_reset_restores_startup_limits_and_forgets_use() -> None:
    async with _limited(quota=1) as client:
        assert (await client.get(PROJECTS)).status_code == 200
        ok(await control(client, "PUT", "/limits", json={"quota": 0, "requests_per_minute": 5}))
        ok(await control(client, "POST", "/reset"))
        view = ok(await control(client, "GET", "/limits"))
        assert (view["quota"], view["quota_used"], view["requests_per_minute"]) == (1, 0, None)


@pytest.mark.anyio
async def test_bad_limits_are_refused() -> None:
    async with _limited() as client:
        for body in ({"quota": -1}, {"requests_per_minute": 0}, {"quota_used": "x"},
                     {"window_seconds": 0}, {"window_seconds": 61}, {"window_seconds": "1"}):
            expect_error(await control(client, "PUT", "/limits", json=body), 400, "BODY-FIELD")


@pytest.mark.anyio
async def test_a_file_sandbox_keeps_limits_and_use_across_restarts(tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.db")
    async with asgi_client(create_app(db_path=db)) as client:
        ok(await control(client, "PUT", "/limits", json={"quota": 2}))
        assert (await client.get(PROJECTS)).status_code == 200
    async with asgi_client(create_app(db_path=db)) as client:
        assert (await client.get(PROJECTS)).status_code == 200
        _assert_quota_exceeded(await client.get(PROJECTS))
    async with asgi_client(create_app(db_path=db, quota=5)) as client:
        view = ok(await control(client, "GET", "/limits"))
        assert (view["quota"], view["quota_used"]) == (5, 2), "explicit limits replace saved ones"


@pytest.mark.socket
@covers("LIMIT-RATE", "LIMIT-QUOTA")
def test_serve_flags_limit_requests_over_a_socket(tmp_path: Path) -> None:
    flags = ("--requests-per-minute", "2", "--quota", "3")
    with (
        serve_sandbox(tmp_path / "s.db", extra_args=flags) as served,
        httpx.Client(base_url=f"{served.origin}/v1", headers={"api_token": "t"}) as client,
    ):
        assert [client.get(PROJECTS).status_code for _ in range(2)] == [200, 200]
        _assert_rate_limited(client.get(PROJECTS))
        limits = client.put(f"{served.origin}/_sandbox/limits", json={"quota": 2})
        assert limits.json()["quota_used"] == 2
        _assert_quota_exceeded(client.get(PROJECTS))
