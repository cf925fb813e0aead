"""One keep-alive HTTP/1.1 connection per request slot, spoken directly on asyncio streams.

Bria's API is small JSON requests and answers over HTTP/1.1. httpx's client, httpcore's pool
and anyio's streams around them cost ~0.6 ms of CPU per request (URL parsing and merging,
cookie and auth hooks, pool bookkeeping that asks every idle socket whether it is still open,
cancel scopes per read): more than tailor's own work per image of an apply
(`benchmarks/bench_client_cpu.py`). Here a request is written as bytes and its answer read
with the stream's own buffer: ~0.2 ms. The answer is still an `httpx.Response` (callers parse
it as before; its `request` is built only if asked for, by a log line or an error), and every
failure is raised as the httpx exception httpcore would raise, so `RetryingSender` sorts it
into *not sent* or *maybe applied* exactly as before.

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

import httpx

KEEPALIVE_SECONDS = 5.0
"""An idle connection older than this is closed rather than reused (httpcore's default)."""
HEAD_LIMIT = 256 * 1024
"""The most bytes an answer's status line and headers may take."""
Header = tuple[bytes, bytes]
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/_~-]+(\.[A-Za-z0-9_~-]+)*")
_HEADER_VALUE = re.compile(r"(?:[!-~](?:[ \t]*[!-~])*)?")
"""A header value HTTP/1.1 allows (RFC 9110 field-value, ASCII only as httpx encodes)."""


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
                    limit=HEAD_LIMIT,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout("timed out connecting") from None
        except OSError as error:  # refused, unreachable, no such host, TLS handshake
            raise httpx.ConnectError(str(error) or type(error).__name__) from None
        return self._reader, self._writer

    async def exchange(
        self, request: bytes, seconds: float, connect: float
    ) -> tuple[int, list[Header], bytes]:
        """Send one request (head and body) and read its whole answer."""
        if self._usable():
            assert self._reader is not None and self._writer is not None
            reader, writer = self._reader, self._writer
        else:
            reader, writer = await self._open(connect)
        try:
            try:
                writer.write(request)
                async with asyncio.timeout(seconds):
                    await writer.drain()
            except TimeoutError:
                raise httpx.WriteTimeout("timed out sending the request") from None
            except OSError as error:
                raise httpx.WriteError(str(error) or type(error).__name__) from None
            try:
                async with asyncio.timeout(seconds):
                    status, headers, content, keep = await _read_answer(reader)
            except TimeoutError:
                raise httpx.ReadTimeout("timed out reading the answer") from None
            except OSError as error:
                raise httpx.ReadError(str(error) or type(error).__name__) from None
        except BaseException:
            self.close()  # its state is unknown: a half-read answer, a cancelled call
            raise
        if keep:
            self._idle_since = time.monotonic()
        else:
            self.close()
        return status, headers, content


async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, list[Header], bytes, bool]:
    """(status, headers, body, whether the connection may be reused) of the next answer."""
    while True:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as error:
            if not error.partial:
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response."
                ) from None
            raise httpx.RemoteProtocolError("the answer ended inside its headers") from None
        except asyncio.LimitOverrunError:
            raise httpx.RemoteProtocolError("the answer's headers are too long") from None
        lines = head[:-4].split(b"\r\n")
        version, _, rest = lines[0].partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise httpx.RemoteProtocolError(f"not an HTTP/1.1 answer: {lines[0][:60]!r}")
        status = int(code)
        headers: list[Header] = []
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name[-1:] in (b" ", b"\t"):
                raise httpx.RemoteProtocolError(f"malformed header line {line[:60]!r}")
            headers.append((name, value.strip(b" \t")))
        if status >= 200 or status == 101:
            break  # 1xx (100 Continue, 103 Early Hints): the real answer follows
    keep = version == b"HTTP/1.1"
    length: int | None = None
    chunked = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"content-length":
            try:
                length = int(value)
            except ValueError:
                raise httpx.RemoteProtocolError("malformed Content-Length") from None
        elif lowered == b"transfer-encoding":
            chunked = value.lower().endswith(b"chunked")
        elif lowered == b"connection" and b"close" in value.lower():
            keep = False
    try:
        if status in (204, 304) or 100 <= status < 200:
            body = b""
        elif chunked:
            body = await _read_chunked(reader)
        elif length is not None:
            body = await reader.readexactly(length)
        else:
            body, keep = await reader.read(), False
    except asyncio.IncompleteReadError:
        raise httpx.RemoteProtocolError("the server closed the connection mid-answer") from None
    except (asyncio.LimitOverrunError, ValueError):
        raise httpx.RemoteProtocolError("malformed chunked answer") from None
    return status, headers, body, keep


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        chunk = await reader.readexactly(size + 2)
        if chunk[-2:] != b"\r\n":
            raise ValueError("chunk not followed by CRLF")
        parts.append(chunk[:-2])


class NotSending(httpx.AsyncBaseTransport):
    """httpx's client beside `Connections`: it forms the rare URL (a query, a path to encode)
    and never sends, so it needs no transport of its own (httpx's would import httpcore,
    h11 and anyio: ~15 ms of every command's start-up)."""

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
        it; an illegal header value is refused as h11 refuses it, never quoted."""
        if not all(_HEADER_VALUE.fullmatch(value) for value in headers.values()):
            raise httpx.LocalProtocolError("Illegal header value")
        content = b"" if body is None else json.dumps(
            body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode()
        lines = [f"{method} {target} HTTP/1.1\r\nhost: {self.host_header}\r\n"]
        lines.extend(f"{name}: {value}\r\n" for name, value in headers.items())
        if content or method in ("POST", "PUT", "PATCH"):
            lines.append(f"content-length: {len(content)}\r\n")
        if body is not None:
            lines.append("content-type: application/json\r\n")
        lines.append("\r\n")

        def made() -> httpx.Request:
            return httpx.Request(method, f"{self.origin}{target}", headers=headers)

        return self.exchange("".join(lines).encode("ascii") + content, seconds, connect, made)

    async def exchange(
        self,
        request: bytes,
        seconds: float,
        connect: float,
        made: Callable[[], httpx.Request],
    ) -> httpx.Response:
        """The answer to `request` (the whole HTTP/1.1 message) on a free connection; the
        caller holds one of `slots` places (its semaphore), so one is always free."""
        connection = self._free.pop()
        try:
            status, headers, content = await connection.exchange(request, seconds, connect)
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
