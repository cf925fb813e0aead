"""Requests go through one keep-alive connection per slot, except behind a proxy."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from reconciler.client.api import BriaClient
from reconciler.client.connections import SlotTransport, proxied, socket_transport
from tests.client.conftest import TOKEN

BRIA = "https://engine.prod.bria-api.com/v1"


def test_a_proxy_from_the_environment_keeps_httpx_own_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                 "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert not proxied(BRIA)
    assert isinstance(socket_transport(BRIA, 4, plain), SlotTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert proxied(BRIA) and socket_transport(BRIA, 4, plain) is None
    assert not proxied("http://127.0.0.1:8787/v1")  # no proxy set for plain http
    monkeypatch.setenv("NO_PROXY", "bria-api.com")
    assert not proxied(BRIA)


@pytest.mark.anyio
async def test_every_slot_is_free_again_after_answers_and_failures(
    served_app_url: tuple[str, Any],
) -> None:
    origin, _ = served_app_url
    async with BriaClient(f"{origin}/v1", SecretStr(TOKEN), max_concurrency=3) as bria:
        slots = bria._t._http._transport  # type: ignore[attr-defined]
        assert isinstance(slots, SlotTransport)
        listed = await asyncio.gather(*(bria.list_projects() for _ in range(30)))
        assert len(listed) == 30
        assert slots._free.qsize() == 3
    async with httpx.AsyncClient(transport=SlotTransport(2, True)) as http:
        with pytest.raises(httpx.ConnectError):  # nothing listens on port 9 (discard)
            await http.get("http://127.0.0.1:9/")
        assert http._transport._free.qsize() == 2  # type: ignore[attr-defined]
