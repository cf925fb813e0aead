"""Requests go over one keep-alive HTTP/1.1 connection per slot, spoken on asyncio
(client/connections.py), except behind a proxy; failures are `wire` failures named as httpx
names them, so the retry rules sort them as before."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from reconciler.client import wire
from reconciler.client.api import BriaClient
from reconciler.client.connections import DEFAULT_HEADERS, Connections, proxied
from reconciler.client.retry import RetryPolicy
from reconciler.client.transport import Call, RetryingSender
from reconciler.secret import Secret
from tests.client.conftest import TOKEN

BRIA = "https://engine.prod.bria-api.com/v1"
OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
CLOSE = object()
"""An answer that is the server closing the connection without a word."""
HANG = object()
"""An answer that never comes."""


@dataclass
class Scripted:
    """A loopback HTTP/1.1 server that gives the scripted answers in order."""

    answers: list[object]
    origin: str = ""
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    close_after_answer: bool = False


async def _serve(script: Scripted, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
    script.connections += 1
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            script.requests.append(head + await reader.readexactly(length))
            answer = script.answers.pop(0)
            if answer is CLOSE:
                return
            if answer is HANG:
                await asyncio.sleep(30)
                return
            assert isinstance(answer, bytes)
            writer.write(answer)
            await writer.drain()
            if script.close_after_answer:
                return
    finally:
        writer.close()


@asynccontextmanager
async def scripted(*answers: object, close_after_answer: bool = False) -> AsyncIterator[Scripted]:
    script = Scripted(list(answers), close_after_answer=close_after_answer)
    server = await asyncio.start_server(
        lambda r, w: _serve(script, r, w), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    script.origin = f"http://127.0.0.1:{port}"
    try:
        yield script
    finally:
        server.close()


def sender(origin: str, **kwargs: Any) -> RetryingSender:
    policy = RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0)
    return RetryingSender(f"{origin}/v1", Secret(TOKEN), retry=policy, **kwargs)


def body_of(response: wire.Answer) -> bytes:
    return response.content


@pytest.mark.anyio
async def test_a_proxy_from_the_environment_keeps_httpx_own_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert not proxied(BRIA)
    direct = RetryingSender(BRIA, Secret(TOKEN))
    assert direct._socket is not None
    await direct.aclose()
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert proxied(BRIA)
    routed = RetryingSender(BRIA, Secret(TOKEN))
    assert routed._socket is None
    await routed.aclose()
    assert not proxied("http://127.0.0.1:8787/v1")  # no proxy set for plain http
    monkeypatch.setenv("NO_PROXY", "bria-api.com")
    assert not proxied(BRIA)


@pytest.mark.anyio
async def test_every_slot_is_free_again_after_answers_and_failures(
    served_app_url: tuple[str, Any],
) -> None:
    origin, _ = served_app_url
    async with BriaClient(f"{origin}/v1", Secret(TOKEN), max_concurrency=3) as bria:
        slots = bria._t._socket
        assert isinstance(slots, Connections)
        listed = await asyncio.gather(*(bria.list_projects() for _ in range(30)))
        assert len(listed) == 30
        assert len(slots._free) == 3
    refused = Connections("http://127.0.0.1:9", 2, None)  # nothing listens on port 9
    with pytest.raises(wire.ConnectError):
        await refused.send("GET", "/", {}, None, 5.0, 5.0)
    assert len(refused._free) == 2


@pytest.mark.anyio
async def test_one_connection_serves_every_request_of_a_slot() -> None:
    chunked = (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
               b"3;x=y\r\n[1,\r\n2\r\n2]\r\n0\r\nx-trailer: 1\r\n\r\n")
    async with scripted(OK, chunked, b"HTTP/1.1 100 Continue\r\n\r\n" + OK, OK) as server:
        client = sender(server.origin, max_concurrency=1)
        answers = [await client.request(Call("GET", "/p"), body_of, idempotent=True)
                   for _ in range(4)]
        await client.aclose()
    assert answers == [b"{}", b"[1,2]", b"{}", b"{}"]
    assert server.connections == 1


@pytest.mark.anyio
async def test_a_connection_the_server_ends_is_replaced_before_the_next_request() -> None:
    closing = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}"
    async with scripted(closing, OK) as server:
        client = sender(server.origin, max_concurrency=1)
        for _ in range(2):
            assert await client.request(Call("GET", "/p"), body_of, idempotent=True) == b"{}"
        await client.aclose()
    assert server.connections == 2
    async with scripted(OK, OK, close_after_answer=True) as server:  # keep-alive, then EOF
        client = sender(server.origin, max_concurrency=1)
        assert client._socket is not None
        assert await client.request(Call("GET", "/p"), body_of, idempotent=True) == b"{}"
        idle = client._socket._all[0]
        for _ in range(200):  # the server's close reaches the idle connection
            if not idle._usable():
                break
            await asyncio.sleep(0.01)
        assert await client.request(Call("GET", "/p"), body_of, idempotent=True) == b"{}"
        await client.aclose()
    assert server.connections == 2
    assert len(server.requests) == 2, "no request was lost on the closed connection"


@pytest.mark.anyio
async def test_failures_say_whether_the_request_may_have_reached_the_server() -> None:
    async with scripted(CLOSE, HANG, b"garbage\r\n\r\n",
                        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{}",
                        b"HTTP/1.1 101 Switching Protocols\r\nupgrade: h2c\r\n"
                        b"connection: upgrade\r\n\r\n",
                        close_after_answer=True) as server:
        slots = Connections(server.origin, 1, None)
        with pytest.raises(wire.RemoteProtocolError, match="without sending a response"):
            await slots.send("GET", "/", {}, None, 5.0, 5.0)
        with pytest.raises(wire.ReadTimeout):
            await slots.send("GET", "/", {}, None, 0.1, 5.0)
        with pytest.raises(wire.RemoteProtocolError, match="not valid HTTP"):
            await slots.send("GET", "/", {}, None, 5.0, 5.0)
        with pytest.raises(wire.RemoteProtocolError, match="complete message body"):
            await slots.send("GET", "/", {}, None, 5.0, 5.0)
        with pytest.raises(wire.RemoteProtocolError, match="switched protocols"):
            await slots.send("GET", "/", {}, None, 5.0, 5.0)
        assert len(slots._free) == 1
        slots.close()
    assert server.connections == 5, "a failed exchange never leaves its connection in use"


@pytest.mark.anyio
async def test_a_short_timeout_after_a_long_one_on_the_same_connection_is_kept() -> None:
    """One watchdog per connection: a deadline sooner than the one it is set for moves it."""
    async with scripted(OK, HANG) as server:
        slots = Connections(server.origin, 1, None)
        assert (await slots.send("GET", "/", {}, None, 300.0, 5.0)).status_code == 200
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(wire.ReadTimeout):
            await slots.send("GET", "/", {}, None, 0.1, 5.0)
        assert loop.time() - started < 5.0, "timed out by its own 0.1 s, not the 300 s before"
        slots.close()
    assert server.connections == 1


@pytest.mark.anyio
async def test_closing_a_connection_leaves_no_timer_behind() -> None:
    async with scripted(OK) as server:
        slots = Connections(server.origin, 1, None)
        assert (await slots.send("GET", "/", {}, None, 300.0, 5.0)).status_code == 200
        watchdog = slots._all[0]._watchdog
        assert watchdog is not None and not watchdog.cancelled()  # idle, set for 300 s
        slots.close()
        assert watchdog.cancelled()


@pytest.mark.anyio
async def test_a_lost_answer_to_a_read_is_retried_on_a_new_connection() -> None:
    async with scripted(CLOSE, OK) as server:
        client = sender(server.origin, max_concurrency=1)
        assert await client.request(Call("GET", "/p"), body_of, idempotent=True) == b"{}"
        await client.aclose()
    assert (server.connections, len(server.requests)) == (2, 2)


@pytest.mark.anyio
async def test_the_request_is_what_httpx_would_send() -> None:
    calls = [
        Call("POST", "/tailored-gen/datasets/5/images",
             json={"image_name": "été.png", "increase_resolution": True, "n": None}),
        Call("GET", "/tailored-gen/models/7", params={"include_training_parameters": "true"}),
        Call("GET", "../v2/status/a b"),
        Call("DELETE", "/tailored-gen/projects/3"),
        Call("PUT", "/tailored-gen/datasets/5/images/9", json={"caption": "a\nb"}),
    ]
    async with scripted(*[OK] * len(calls)) as server:
        client = sender(server.origin, max_concurrency=1)
        for call in calls:
            await client.request(call, body_of, idempotent=True)
        await client.aclose()
    reference = httpx.AsyncClient(base_url=f"{server.origin}/v1/", headers=DEFAULT_HEADERS)
    for call, sent in zip(calls, server.requests, strict=True):
        expected = reference.build_request(
            call.method, call.path.lstrip("/"), json=call.json,
            params=dict(call.params) if call.params else None,
            headers={"accept": "application/json", "api_token": TOKEN},
        )
        head, _, body = sent.partition(b"\r\n\r\n")
        line, *fields = head.split(b"\r\n")
        assert line == b"%s %s HTTP/1.1" % (expected.method.encode(), expected.url.raw_path)
        got = sorted(tuple(f.split(b": ", 1)) for f in fields)
        assert got == sorted((k.lower(), v) for k, v in expected.headers.raw)
        assert body == expected.content
        if call.json is not None:
            assert json.loads(body) == call.json
    await reference.aclose()


@pytest.mark.anyio
async def test_a_header_http_forbids_is_refused_before_anything_is_sent() -> None:
    async with scripted() as server:
        client = RetryingSender(f"{server.origin}/v1", Secret("tok\nen"))
        for _ in range(2):  # checked header lines are kept: the refusal is never among them
            with pytest.raises(Exception) as raised:
                await client.request(Call("GET", "/p"), body_of, idempotent=True)
        await client.aclose()
    assert "tok\nen" not in str(raised.value)
    assert "tailor could not form a valid request" in str(getattr(raised.value, "hint", ""))
    assert server.requests == []


@pytest.mark.anyio
async def test_a_compressed_answer_is_read_as_sent() -> None:
    """The connections offer gzip and deflate (as httpx does) and decode what comes back."""
    body = json.dumps({"id": 1, "name": "x" * 500}).encode()
    gzipped = gzip.compress(body)
    answers = [
        b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: %d\r\n\r\n%s"
        % (len(gzipped), gzipped),
        b"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: 4\r\n\r\nnope",
    ]
    async with scripted(*answers) as server:
        slots = Connections(server.origin, 1, None)
        answer = await slots.send("GET", "/v1/p", {}, None, 5.0, 5.0)
        assert (answer.status_code, answer.content) == (200, body)
        assert answer.headers["content-encoding"] == "gzip"
        with pytest.raises(wire.DecodingError):
            await slots.send("GET", "/v1/p", {}, None, 5.0, 5.0)
        slots.close()
    assert b"accept-encoding: gzip, deflate" in server.requests[0]


@pytest.mark.parametrize("base_url", [
    "http://127.0.0.1:8787/v1", BRIA, "http://[::1]:8080/v1", "https://bücher.example/v1",
    "http://localhost:80/v1",
])
def test_the_host_header_is_httpx_one(base_url: str) -> None:
    """IPv6 literals in brackets, IDNA-encoded names, the default port left out."""
    assert Connections(base_url, 1, None).host_header == httpx.Request("GET", base_url).headers[
        "host"
    ]
