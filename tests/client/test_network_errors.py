"""Every failure httpx can raise ends as one of our errors, never a traceback (a bad
HTTPS_PROXY was enough to print one): retried when that may help, reported at once when not."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from reconciler.client import retry_stop
from reconciler.client.api import BriaClient
from reconciler.client.errors import ApiError, ApiUnreachable
from reconciler.client.models import CreateProjectRequest
from reconciler.client.retry import RetryPolicy
from reconciler.client.retry_stop import GONE_AFTER_SECONDS
from reconciler.errors import ConfigError
from reconciler.secret import Secret
from tests.conftest import EXAMPLES, copy_example, free_port

TOKEN = "tok-SECRET-network-0001"
BASE = "http://127.0.0.1:9/v1"

Raise = Callable[[httpx.Request], Exception]

CANNOT_SEND: dict[str, tuple[Raise, str]] = {
    "proxy": (lambda r: httpx.ProxyError("407 Proxy Authentication Required"), "HTTPS_PROXY"),
    "scheme": (lambda r: httpx.UnsupportedProtocol("Request URL has an unsupported protocol"),
               "api"),
    "local-protocol": (lambda r: httpx.LocalProtocolError(f"Illegal header value b'{TOKEN}\\n'"),
                       "BRIA_API_TOKEN"),
    "redirects": (lambda r: httpx.TooManyRedirects("Exceeded maximum redirects", request=r),
                  "network"),
    "invalid-url": (lambda r: httpx.InvalidURL("Invalid non-printable ASCII character in URL"),
                    "network"),
}


def client_raising(raise_: Raise, seen: list[str]) -> BriaClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        raise raise_(request)

    policy = RetryPolicy(max_attempts=3, total_seconds=5.0, base_delay=0.0, max_delay=0.0)
    return BriaClient(BASE, Secret(TOKEN), transport=httpx.MockTransport(handler),
                      retry=policy)


def project_request() -> CreateProjectRequest:
    return CreateProjectRequest(project_name="p", ip_medium="illustration", ip_type="icons")


@pytest.mark.anyio
@pytest.mark.parametrize("case", sorted(CANNOT_SEND))
async def test_a_failure_retrying_cannot_mend_is_reported_at_once(case: str) -> None:
    raise_, hint_names = CANNOT_SEND[case]
    seen: list[str] = []
    async with client_raising(raise_, seen) as client:
        with pytest.raises(ApiUnreachable) as read:
            await client.list_projects()
        with pytest.raises(ApiUnreachable) as created:
            await client.create_project(project_request(), known_ids=())
    assert seen == ["GET /v1/tailored-gen/projects", "POST /v1/tailored-gen/projects"]
    for caught in (read, created):
        assert caught.value.hint is not None and hint_names in caught.value.hint
        assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert created.value.method == "POST"


@pytest.mark.anyio
async def test_an_answer_that_cannot_be_decoded_was_answered() -> None:
    """DecodingError: Bria answered (so a create may have happened): reads are retried and
    a create looks before it is sent again."""
    seen: list[str] = []
    decoding: Raise = lambda r: httpx.DecodingError("Error -3 while decompressing data")  # noqa: E731
    async with client_raising(decoding, seen) as client:
        with pytest.raises(ApiUnreachable) as caught:
            await client.get_project(1)
        assert seen == ["GET /v1/tailored-gen/projects/1"] * 3
        assert "after 3 attempts" in str(caught.value)
        seen.clear()
        with pytest.raises(ApiError):
            await client.create_project(project_request(), known_ids=())
    assert seen[0] == "POST /v1/tailored-gen/projects"
    assert "GET /v1/tailored-gen/projects" in seen  # looked for the project before resending


@pytest.mark.anyio
@pytest.mark.parametrize("kind", [httpx.HTTPError, httpx.TransportError, httpx.RequestError])
async def test_any_other_httpx_error_is_ours_too(kind: type[httpx.HTTPError]) -> None:
    seen: list[str] = []
    async with client_raising(lambda r: kind("something httpx says"), seen) as client:
        with pytest.raises(ApiUnreachable):
            await client.list_projects()


@pytest.mark.parametrize("proxy", ["ftp://127.0.0.1:1", "socks5://127.0.0.1:1"])
def test_proxy_settings_httpx_cannot_use_are_a_config_error(
    proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy)
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(ConfigError) as caught:
        BriaClient(f"http://127.0.0.1:{free_port()}/v1", Secret(TOKEN))
    assert "HTTPS_PROXY" in (caught.value.hint or "")


def test_tailor_plan_with_a_bad_proxy_ends_without_a_traceback(tmp_path: Path) -> None:
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "ws")
    (workspace / "tailor.yaml").write_text(f"api: http://127.0.0.1:{free_port()}/v1\n")
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env.update(BRIA_API_TOKEN=TOKEN, HTTP_PROXY="ftp://127.0.0.1:1", HTTPS_PROXY="ftp://127.0.0.1:1")
    done = subprocess.run(
        [sys.executable, "-m", "reconciler.cli", "plan", str(workspace)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "HTTPS_PROXY" in done.stderr
    assert TOKEN not in done.stdout + done.stderr


@pytest.mark.anyio
async def test_calls_in_flight_stop_retrying_when_told_the_api_is_gone() -> None:
    """Apply's circuit breaker tells the client: a call in its backoff gives up at once
    instead of spending the rest of its minute (a refused port on 127.0.0.1 here)."""
    retry = RetryPolicy(max_attempts=8, total_seconds=60.0, base_delay=5.0, max_delay=5.0)
    client = BriaClient(f"http://127.0.0.1:{free_port()}/v1", Secret(TOKEN), retry=retry)
    try:
        call = asyncio.create_task(client.list_projects())
        await asyncio.sleep(0.3)  # refused at once, then waiting to retry (up to 5 s a wait)
        assert not call.done()
        started = time.monotonic()
        client.stop_retrying()
        with pytest.raises(ApiUnreachable):
            await asyncio.wait_for(call, timeout=10)
        assert time.monotonic() - started < 2.0
        started = time.monotonic()
        with pytest.raises(ApiUnreachable, match="after 1 attempt"):
            await client.list_projects()  # a new call: one attempt, no backoff
        assert time.monotonic() - started < 2.0
    finally:
        await client.aclose()


@pytest.mark.anyio
async def test_connections_lost_across_calls_stop_every_retry() -> None:
    """A refused port: 8 calls at once, each allowed 40 attempts (about 30 s of backoff
    alone), all give up once attempts have failed to connect for GONE_AFTER_SECONDS in a
    row; a later call makes one attempt."""
    retry = RetryPolicy(max_attempts=40, total_seconds=60.0, base_delay=0.5, max_delay=1.0)
    client = BriaClient(f"http://127.0.0.1:{free_port()}/v1", Secret(TOKEN), retry=retry)
    try:
        started = time.monotonic()
        calls = [client.list_projects() for _ in range(8)]
        failed = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 30)
        elapsed = time.monotonic() - started
        assert all(isinstance(error, ApiUnreachable) for error in failed), failed
        assert GONE_AFTER_SECONDS <= elapsed < GONE_AFTER_SECONDS + 4.0, elapsed
        with pytest.raises(ApiUnreachable, match="after 1 attempt"):
            await client.list_projects()
    finally:
        await client.aclose()


def scripted(outcomes: list[str], seen: list[str]) -> httpx.MockTransport:
    """Answers in turn: "lost" (the connection refused) or "ok" (an empty project list)."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if outcomes.pop(0) == "lost":
            raise httpx.ConnectError("Connection refused")
        return httpx.Response(200, json=[])

    return httpx.MockTransport(handler)


@pytest.mark.anyio
async def test_an_answer_between_lost_connections_keeps_retries_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Counted in a row across calls: 3 attempts lost (a call's max_attempts) stop every
    retry, the call waiting in its backoff gives up at once; an answer turns retries on."""
    monkeypatch.setattr(retry_stop, "GONE_AFTER_SECONDS", 0.0)
    seen: list[str] = []
    outcomes = ["lost", "lost", "ok"] * 3
    retry = RetryPolicy(max_attempts=3, total_seconds=30.0, base_delay=0.05, max_delay=0.05)
    async with BriaClient(BASE, Secret(TOKEN), retry=retry,
                          transport=scripted(outcomes, seen)) as client:
        for _ in range(3):  # 2 lost then answered, 3 times: never 3 in a row
            assert await client.list_projects() == []
        assert len(seen) == 9
        outcomes.extend(["lost"] * 4)
        both = asyncio.gather(client.list_projects(), client.list_projects(),
                              return_exceptions=True)
        failed = await asyncio.wait_for(both, 10)
        assert all(isinstance(error, ApiUnreachable) for error in failed)
        assert len(seen) == 9 + 3, "the 3rd lost attempt ended both calls' retries"
        outcomes[:] = ["ok", "lost", "ok"]
        assert await client.list_projects() == [], "answered: the API is back"
        assert await client.list_projects() == [], "and retries are on again"
        assert len(seen) == 9 + 3 + 3
