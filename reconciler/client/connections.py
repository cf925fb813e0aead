"""One keep-alive HTTP/1.1 connection per request slot: llhttp (httptools) on asyncio.

Bria's API is small JSON requests and answers over HTTP/1.1. httpx's client, httpcore's pool
and anyio around them cost ~0.6 ms of CPU per request, and h11's pure-Python state machine
after them still ~0.1 ms (`benchmarks/bench_client_cpu.py`): more than tailor's own work per
image of an apply. Here each connection is an asyncio protocol; what arrives is fed to
httptools' parser (llhttp, the C parser of Node.js that uvicorn uses), so the protocol
(chunked bodies, 1xx answers, keep-alive, malformed answers) stays a library's job, and the
request line and headers are written here: a few fields, each checked before anything is
sent. Every failure is a `wire` failure named as httpx names it, so `RetryingSender` sorts it
into *not sent* or *maybe applied*.

The client never has more requests in flight than its concurrency (a semaphore), so each slot
owns one connection and a request takes any free one: nothing to scan. A connection the server
closed while idle, or idle longer than `KEEPALIVE_SECONDS`, is replaced before use. The client
sends GET, POST, PUT and DELETE only (never HEAD, whose answer has no body to parse).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import ssl
import time
import zlib
from collections.abc import Mapping
from urllib.parse import urlsplit

import httptools

from reconciler import __version__
from reconciler.client.wire import (
    Answer,
    ConnectError,
    ConnectTimeout,
    DecodingError,
    LocalProtocolError,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    WireFailure,
    WriteTimeout,
)

KEEPALIVE_SECONDS = 5.0
"""An idle connection older than this is closed rather than reused (httpcore's default)."""
HEAD_LIMIT = 256 * 1024
"""The most bytes an answer's status line and headers may take."""
USER_AGENT = f"tailor/{__version__}"
DEFAULT_HEADERS = {
    "accept": "*/*",
    "accept-encoding": "gzip, deflate",
    "connection": "keep-alive",
    "user-agent": USER_AGENT,
}
"""Sent with every request (a call's own headers win), on either path."""
_PLAIN = re.compile(r"[A-Za-z0-9/_~-]+(\.[A-Za-z0-9_~-]+)*")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.~-]*")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FIELD_VALUE = re.compile(r"(?:[\x21-\x7e](?:[ \t]*[\x21-\x7e])*)?")
"""RFC 9110 field values (ASCII): visible characters, spaces and tabs only between them."""
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
"""A request body's encoder, as httpx writes JSON; made once (`json.dumps` with options
builds one per call)."""


def plain_path(path: str) -> bool:
    """Whether `path` goes on the request line as it is: no dot segments, nothing to
    percent-encode (else httpx's URL rules form it)."""
    return _PLAIN.fullmatch(path) is not None


def plain_query(params: Mapping[str, str | int | float | bool]) -> str | None:
    """`k=v&...` as httpx writes it, when no key or value needs percent-encoding; else None."""
    parts = []
    for key, value in params.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if not (_PLAIN_VALUE.fullmatch(key) and _PLAIN_VALUE.fullmatch(text)):
            return None
        parts.append(f"{key}={text}")
    return "&".join(parts)


def header_lines(fields: list[tuple[str, str]]) -> str:
    """`name: value` lines, each ended by CRLF; LocalProtocolError, quoting nothing, for a
    name or value HTTP forbids (the token is one of the values)."""
    lines = []
    for name, value in fields:
        if _TOKEN.fullmatch(name) is None or _FIELD_VALUE.fullmatch(value) is None:
            raise LocalProtocolError("Illegal header name or value")
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines)


def _decoded(content: bytes, encoding: str | None) -> bytes:
    """The body as sent before the content-coding we offered (gzip, deflate) was applied."""
    if not encoding or encoding == "identity" or not content:
        return content
    try:
        if encoding == "gzip":
            return zlib.decompress(content, zlib.MAX_WBITS | 16)
        if encoding == "deflate":
            try:
                return zlib.decompress(content)
            except zlib.error:
                return zlib.decompress(content, -zlib.MAX_WBITS)
    except zlib.error as error:
        raise DecodingError(f"the {encoding} body could not be decoded: {error}") from None
    return content


class _Connection(asyncio.Protocol):
    """One keep-alive connection to the origin; (re)opened when a request needs it. The
    parser's callbacks (`on_*`) gather the answer in flight."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        self._host, self._port, self._tls = host, port, tls
        self._transport: asyncio.Transport | None = None
        self._idle_since = 0.0
        self._answer: asyncio.Future[tuple[int, dict[str, str], bytes]] | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        """One timer for the exchanges of this connection, moved only when a deadline comes
        sooner than it: a timer made and cancelled per request cost more than its check."""
        self._deadline = 0.0
        """Loop time at which the exchange in flight times out (its request still going
        out, or, once `_reading`, its answer)."""
        self._seconds = 0.0
        self._reading = False
        self._reset()

    def _reset(self) -> None:
        self._received = 0
        self._headers: dict[str, str] = {}
        self._in_head = True
        self._status = 0
        self._framed = False
        """Content-Length or chunked: the body ends by itself, not at the connection's end."""
        self._keep_alive = False
        self._body: list[bytes] = []

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        answer, parser = self._answer, self._parser
        if answer is None or parser is None or answer.done():
            self.close()  # nothing was asked: a server that talks out of turn is not reused
            return
        self._received += len(data)
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(RemoteProtocolError(f"the answer is not valid HTTP/1.1 ({error})"))
            return
        except httptools.HttpParserUpgrade:  # 101: the client asked for no other protocol
            self._fail(RemoteProtocolError("the server switched protocols unasked"))
            return
        if self._in_head and self._received > HEAD_LIMIT:
            self._fail(RemoteProtocolError("the answer's headers are too long"))

    def eof_received(self) -> bool:
        self._ended()
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if exc is not None:
            self._fail(ReadError(str(exc) or type(exc).__name__))
        self._ended()

    def _ended(self) -> None:
        """The server closed: an answer whose body runs to the end is complete now."""
        if self._answer is None or self._answer.done():
            return
        if not self._in_head and not self._framed:
            self._keep_alive = False
            self._complete()
        elif self._received == 0:
            self._fail(RemoteProtocolError("Server disconnected without sending a response."))
        else:
            self._fail(
                RemoteProtocolError("peer closed connection without sending complete message body")
            )

    # ------------------------------------------------------------------ parser callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        """Kept by lower-cased name (latin-1, as HTTP allows); a repeated header's values
        joined with ", ", as httpx does."""
        if self._in_head:  # after the head: a chunked body's trailer, not kept
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            headers = self._headers
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
            if key == "content-length" or (
                key == "transfer-encoding" and "chunked" in text.lower()
            ):
                self._framed = True

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        self._in_head = False
        self._status = self._parser.get_status_code()
        self._keep_alive = self._parser.should_keep_alive()
        if self._status in (204, 304) or 100 <= self._status < 200:
            self._framed = True

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self._status < 200:  # an informational answer: the final one follows
            self._reset()
            self._received = 1
            return
        self._complete()

    def _complete(self) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_result((self._status, self._headers, b"".join(self._body)))

    def _fail(self, error: WireFailure) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)

    # ------------------------------------------------------------------ use

    def close(self) -> None:
        """Closed with nothing in flight: its watchdog (up to a whole timeout away) goes too,
        rather than waking the loop later for nothing."""
        if self._transport is not None:
            self._transport.close()
        self._transport = None
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None

    def _usable(self) -> bool:
        transport = self._transport
        return (
            transport is not None
            and not transport.is_closing()
            and time.monotonic() - self._idle_since < KEEPALIVE_SECONDS
        )

    async def _open(self, seconds: float) -> asyncio.Transport:
        self.close()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(seconds):
                await loop.create_connection(
                    lambda: self,
                    self._host,
                    self._port,
                    ssl=self._tls,
                    server_hostname=self._host if self._tls is not None else None,
                )
        except TimeoutError:
            raise ConnectTimeout("timed out connecting") from None
        except OSError as error:  # refused, unreachable, no such host, TLS handshake
            raise ConnectError(str(error) or type(error).__name__) from None
        assert self._transport is not None
        return self._transport

    async def exchange(
        self, data: bytes, seconds: float, connect: float
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request (`data`: head and body) and read its whole answer. The request
        may take `seconds` to go out, and the answer as long again after that."""
        transport = self._transport if self._usable() else None
        if transport is None:
            transport = await self._open(connect)
        loop = asyncio.get_running_loop()
        self._reset()
        answer = self._answer = loop.create_future()
        self._parser = httptools.HttpResponseParser(self)
        self._watch(loop, seconds)
        try:
            transport.write(data)
            status, headers, content = await answer
        except BaseException:
            self.close()  # its state is unknown: a half-read answer, a cancelled call
            raise
        finally:
            self._answer = self._parser = None
        if self._keep_alive:
            self._idle_since = time.monotonic()
        else:  # Connection: close, HTTP/1.0, a body read to the end
            self.close()
        return status, headers, content

    def _watch(self, loop: asyncio.AbstractEventLoop, seconds: float) -> None:
        """Time the exchange starting now: the watchdog fires by its deadline."""
        self._seconds = seconds
        self._reading = False
        deadline = self._deadline = loop.time() + seconds
        watchdog = self._watchdog
        if watchdog is None or watchdog.when() > deadline:
            if watchdog is not None:
                watchdog.cancel()
            self._watchdog = loop.call_at(deadline, self._timed_out)

    def _timed_out(self) -> None:
        """At or before the deadline of the exchange in flight (if any): before it, wait on;
        at it, the request still going out fails now, and one that went out gets its
        `seconds` again to be answered."""
        self._watchdog = None
        answer, transport = self._answer, self._transport
        if answer is None or answer.done():
            return  # idle: the next exchange sets the watchdog again
        loop = asyncio.get_running_loop()
        if loop.time() < self._deadline:
            self._watchdog = loop.call_at(self._deadline, self._timed_out)
        elif self._reading:
            answer.set_exception(ReadTimeout("timed out reading the answer"))
        elif transport is not None and transport.get_write_buffer_size() > 0:
            answer.set_exception(WriteTimeout("timed out sending the request"))
        else:
            self._reading = True
            self._deadline = loop.time() + self._seconds
            self._watchdog = loop.call_at(self._deadline, self._timed_out)


class Connections:
    """`slots` keep-alive connections to the origin (`scheme://host[:port]`) of `base_url`."""

    def __init__(self, base_url: str, slots: int, tls: ssl.SSLContext | None) -> None:
        url = urlsplit(base_url)
        secure = url.scheme == "https"
        host = url.hostname or ""
        port = url.port or (443 if secure else 80)
        default = port == (443 if secure else 80)
        named = f"[{host}]" if ":" in host else host.encode("idna").decode("ascii")
        self.host_header = named + ("" if default else f":{port}")
        self.prefix = url.path.rstrip("/")
        """The base URL's path, e.g. `/v1`: request targets start with it."""
        self._all = [_Connection(host, port, tls if secure else None) for _ in range(slots)]
        self._free = list(self._all)
        self._heads: dict[tuple[tuple[str, str], ...], str] = {}
        """Checked header lines per set of a call's headers: a client sends one or two sets
        (the same token every time), so each is checked once, not on every request."""

    async def send(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        body: object | None,
        seconds: float,
        connect: float,
    ) -> Answer:
        """`method target` with `headers` and `body` as JSON, byte for byte as httpx writes
        it; an illegal header value is refused before anything is sent, never quoted. The
        caller holds one of `slots` places (its semaphore), so a connection is always free."""
        content = b"" if body is None else _JSON.encode(body).encode()
        key = tuple(headers.items())
        lines = self._heads.get(key)
        if lines is None:
            fields = [("host", self.host_header), *{**DEFAULT_HEADERS, **headers}.items()]
            lines = self._heads[key] = header_lines(fields)
        if content or method in ("POST", "PUT", "PATCH"):
            lines += f"content-length: {len(content)}\r\n"
        if body is not None:
            lines += "content-type: application/json\r\n"
        try:
            head = f"{method} {target} HTTP/1.1\r\n{lines}\r\n".encode("ascii")
        except UnicodeEncodeError:  # the header lines are ASCII by their patterns
            raise LocalProtocolError("Illegal request target") from None
        connection = self._free.pop()
        try:
            status, raw, answer = await connection.exchange(head + content, seconds, connect)
        finally:
            self._free.append(connection)
        path = target.partition("?")[0]
        return Answer(status, raw, _decoded(answer, raw.get("content-encoding")), method, path)

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
    tls = verify if isinstance(verify, ssl.SSLContext) else trusted_context()
    return Connections(base_url, slots, tls)


def trusted_context() -> ssl.SSLContext:
    """TLS that trusts what httpx trusts: SSL_CERT_FILE or SSL_CERT_DIR when set, else
    certifi's CA bundle."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi  # only for https: the CA bundle's path

    return ssl.create_default_context(cafile=certifi.where())


def proxied(base_url: str) -> bool:
    """Whether a proxy from the environment applies to `base_url` (then httpx routes it)."""
    if not any(name.lower().endswith("_proxy") for name in os.environ):
        return False  # urllib.request (and the email package it imports) not needed
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    scheme, host = urlsplit(base_url).scheme, urlsplit(base_url).hostname or ""
    if not (proxies.get(scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(host)
