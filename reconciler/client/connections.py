"""One keep-alive HTTP/1.1 connection per request slot: h11 on asyncio streams.

Bria's API is small JSON requests and answers over HTTP/1.1. httpx's client, httpcore's pool
and anyio's streams around them cost ~0.6 ms of CPU per request (URL parsing and merging,
cookie and auth hooks, pool bookkeeping that asks every idle socket whether it is still open,
cancel scopes per read): more than tailor's own work per image of an apply
(`benchmarks/bench_client_cpu.py`). Here h11, the HTTP/1.1 state machine httpcore itself uses,
frames each request and reads its answer straight off an asyncio stream: the protocol (chunked
bodies, 1xx answers, keep-alive, malformed answers) stays a library's job, without the layers
around it. The answer is still an `httpx.Response` (callers parse it as before; its `request`
is built only if asked for, by a log line or an error), and every failure is raised as the
httpx exception httpcore would raise, so `RetryingSender` sorts it into *not sent* or *maybe
applied* exactly as before.

The client never has more requests in flight than its concurrency (a semaphore), so each slot
owns one connection and a request takes any free one: nothing to scan. A connection the server
closed while idle (its stream at EOF), or idle longer than `KEEPALIVE_SECONDS`, is replaced
before use, as httpcore does. Behind a proxy from the environment (HTTPS_PROXY and friends)
httpx's own client and pool are used instead: it applies those settings.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit

import h11
import httpx

KEEPALIVE_SECONDS = 5.0
"""An idle connection older than this is closed rather than reused (httpcore's default)."""
HEAD_LIMIT = 256 * 1024
"""The most bytes an answer's status line and headers may take."""
READ_SIZE = 64 * 1024
Header = tuple[bytes, bytes]
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/_~-]+(\.[A-Za-z0-9_~-]+)*")


def plain_path(path: str) -> bool:
    """Whether `path` goes on the request line as it is: no dot segments, nothing to
    percent-encode (else httpx's URL rules form it)."""
    return _PLAIN_PATH.fullmatch(path) is not None


class Answer(httpx.Response):
    """An answer read off the socket; its `httpx.Request` is made only when asked for."""

    def __init__(
        self,
        status: int,
        headers: list[Header],
        content: bytes,
        request: Callable[[], httpx.Request],
    ) -> None:
        super().__init__(status, headers=headers, content=content)
        self._make_request = request

    @property
    def request(self) -> httpx.Request:
        if self._request is None:
            self._request = self._make_request()
        return self._request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value


class _Connection:
    """One keep-alive connection to the origin; (re)opened when a request needs it."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        self._host, self._port, self._tls = host, port, tls
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._http = h11.Connection(h11.CLIENT, max_incomplete_event_size=HEAD_LIMIT)
        self._idle_since = 0.0

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    def _usable(self) -> bool:
        return (
            self._reader is not None
            and self._writer is not None
            and not self._reader.at_eof()
            and not self._writer.is_closing()
            and self._http.our_state is h11.IDLE
            and time.monotonic() - self._idle_since < KEEPALIVE_SECONDS
        )

    async def _open(self, seconds: float) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.close()
        try:
            async with asyncio.timeout(seconds):
                self._reader, self._writer = await asyncio.open_connection(
                    self._host,
                    self._port,
                    ssl=self._tls,
                    server_hostname=self._host if self._tls is not None else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting") from None
        except OSError as error:  # refused, unreachable, no such host, TLS handshake
            raise httpx.ConnectError(str(error) or type(error).__name__) from None
        self._http = h11.Connection(h11.CLIENT, max_incomplete_event_size=HEAD_LIMIT)
        return self._reader, self._writer

    async def exchange(
        self, head: h11.Request, body: bytes, seconds: float, connect: float
    ) -> tuple[int, list[Header], bytes]:
        """Send one request (head and body) and read its whole answer."""
        if self._usable():
            assert self._reader is not None and self._writer is not None
            reader, writer = self._reader, self._writer
        else:
            reader, writer = await self._open(connect)
        http = self._http
        try:
            try:
                data = http.send(head) or b""
                if body:
                    data += http.send(h11.Data(data=body)) or b""
                writer.write(data + (http.send(h11.EndOfMessage()) or b""))
                async with asyncio.timeout(seconds):
                    await writer.drain()
            except TimeoutError:
                raise httpx.WriteTimeout("timed out sending the request") from None
            except OSError as error:
                raise httpx.WriteError(str(error) or type(error).__name__) from None
            try:
                async with asyncio.timeout(seconds):
                    status, headers, content = await _read_answer(http, reader)
            except TimeoutError:
                raise httpx.ReadTimeout("timed out reading the answer") from None
            except OSError as error:
                raise httpx.ReadError(str(error) or type(error).__name__) from None
            except h11.RemoteProtocolError as error:
                raise httpx.RemoteProtocolError(str(error)) from None
        except BaseException:
            self.close()  # its state is unknown: a half-read answer, a cancelled call
            raise
        if http.our_state is h11.DONE and http.their_state is h11.DONE:
            http.start_next_cycle()
            self._idle_since = time.monotonic()
        else:  # Connection: close, HTTP/1.0, a body read to EOF
            self.close()
        return status, headers, content


async def _read_answer(
    http: h11.Connection, reader: asyncio.StreamReader
) -> tuple[int, list[Header], bytes]:
    """(status, headers, body) of the next final answer; 1xx answers are skipped."""
    status, headers, parts = 0, [], []
    received = False
    while True:
        event = http.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(READ_SIZE)
            if not data and not received:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            received = True
            http.receive_data(data)
        elif isinstance(event, h11.Response):
            status, headers = event.status_code, list(event.headers.raw_items())
        elif isinstance(event, h11.Data):
            parts.append(bytes(event.data))
        elif isinstance(event, h11.EndOfMessage):
            return status, headers, b"".join(parts)
        elif isinstance(event, h11.ConnectionClosed):
            raise httpx.RemoteProtocolError("the server closed the connection mid-answer")


class NotSending(httpx.AsyncBaseTransport):
    """httpx's client beside `Connections`: it forms the rare URL (a query, a path to encode)
    and never sends, so it needs no transport of its own (httpx's would import httpcore and
    anyio: ~10 ms of every command's start-up)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("requests to Bria go through Connections, not httpx's client")


class Connections:
    """`slots` keep-alive connections to the origin (`scheme://host[:port]`) of `base_url`."""

    def __init__(self, base_url: str, slots: int, tls: ssl.SSLContext | None) -> None:
        url = httpx.URL(base_url)  # the host IDNA-encoded, as httpx sends it
        self.origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        self.prefix = url.path.rstrip("/")
        """The base URL's path, e.g. `/v1`: request targets start with it."""
        secure = url.scheme == "https"
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if secure else 80)
        self.host_header = url.netloc.decode("ascii")
        self._all = [_Connection(host, port, tls if secure else None) for _ in range(slots)]
        self._free = list(self._all)

    def send(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: object | None,
        seconds: float,
        connect: float,
    ) -> Awaitable[httpx.Response]:
        """`method target` with `headers` and `body` as JSON, byte for byte as httpx writes
        it; an illegal header value is refused by h11 before anything is sent, never quoted."""
        content = b"" if body is None else json.dumps(
            body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()
        fields = [("host", self.host_header), *headers.items()]
        if content or method in ("POST", "PUT", "PATCH"):
            fields.append(("content-length", str(len(content))))
        if body is not None:
            fields.append(("content-type", "application/json"))
        try:
            head = h11.Request(method=method, target=target, headers=fields)
        except h11.LocalProtocolError:  # its message quotes the value: the token, maybe
            raise httpx.LocalProtocolError("Illegal header name or value") from None

        def made() -> httpx.Request:
            return httpx.Request(method, f"{self.origin}{target}", headers=headers)

        return self.exchange(head, content, seconds, connect, made)

    async def exchange(
        self,
        head: h11.Request,
        body: bytes,
        seconds: float,
        connect: float,
        made: Callable[[], httpx.Request],
    ) -> httpx.Response:
        """The answer to the request `head` + `body` on a free connection; the caller holds
        one of `slots` places (its semaphore), so one is always free."""
        connection = self._free.pop()
        try:
            status, headers, content = await connection.exchange(head, body, seconds, connect)
        finally:
            self._free.append(connection)
        return Answer(status, headers, content, made)

    def close(self) -> None:
        for connection in self._all:
            connection.close()


def tls_for(base_url: str) -> ssl.SSLContext | bool:
    """Every request goes to `base_url` (no redirects followed), so a plain-HTTP API (the
    sandbox on loopback) never uses TLS: skip loading the CA bundle, 0.1 s of every command.
    The context given instead trusts no certificate, so any TLS use would fail closed."""
    if base_url.startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return True


def direct(base_url: str, slots: int, verify: ssl.SSLContext | bool) -> Connections | None:
    """`slots` connections to `base_url`'s origin; None where a proxy from the environment
    applies (httpx routes through it)."""
    if proxied(base_url):
        return None
    tls = verify if isinstance(verify, ssl.SSLContext) else httpx.create_ssl_context()
    return Connections(base_url, slots, tls)


def proxied(base_url: str) -> bool:
    """Whether a proxy from the environment applies to `base_url` (then httpx routes it)."""
    proxies = urllib.request.getproxies_environment()
    scheme, host = urlsplit(base_url).scheme, urlsplit(base_url).hostname or ""
    if not (proxies.get(scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(host)
