"""One keep-alive connection per request slot: how the client's requests reach the socket.

httpcore's shared pool looks at every connection, and asks each idle one's socket whether it
is still open, for every request it places and every answer it frees: at 8 requests in flight
that bookkeeping cost a third of tailor's CPU per request (`benchmarks/bench_client_cpu.py`).
The client never has more requests in flight than its concurrency (a semaphore), so each slot
owns one connection and a request takes any free slot: nothing to scan.

Behind a proxy from the environment (HTTPS_PROXY and friends) httpx's own pool is kept: httpx
applies those settings only to the transport it makes itself.
"""

from __future__ import annotations

import asyncio
import ssl
import urllib.request
from urllib.parse import urlsplit

import httpx

ONE = httpx.Limits(max_connections=1, max_keepalive_connections=1)


class SlotTransport(httpx.AsyncBaseTransport):
    """`slots` single-connection transports sharing one TLS context; each request borrows one
    until its answer is read (answers are small JSON bodies, read whole anyway)."""

    def __init__(self, slots: int, verify: ssl.SSLContext | bool) -> None:
        context = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context()
        self._slots = [httpx.AsyncHTTPTransport(verify=context, limits=ONE) for _ in range(slots)]
        self._free: asyncio.Queue[httpx.AsyncHTTPTransport] = asyncio.Queue()
        for slot in self._slots:
            self._free.put_nowait(slot)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        slot = await self._free.get()
        try:
            response = await slot.handle_async_request(request)
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
            return response
        finally:
            self._free.put_nowait(slot)

    async def aclose(self) -> None:
        for slot in self._slots:
            await slot.aclose()


def proxied(base_url: str) -> bool:
    """Whether a proxy from the environment applies to `base_url` (then httpx routes it)."""
    proxies = urllib.request.getproxies_environment()
    scheme, host = urlsplit(base_url).scheme, urlsplit(base_url).hostname or ""
    if not (proxies.get(scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(host)


def socket_transport(
    base_url: str, slots: int, verify: ssl.SSLContext | bool
) -> httpx.AsyncBaseTransport | None:
    """The transport for requests to `base_url`; None: httpx's own (a proxy applies)."""
    if proxied(base_url):
        return None
    return SlotTransport(slots, verify)
