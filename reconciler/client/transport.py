"""How one API call reaches Bria: retries, backoff, Retry-After, limits and redacted logs.

Every failure is sorted into one of two kinds, because that decides whether a retry is safe:

- *not sent*: the request never reached Bria (connection refused, connect timeout, pool
  timeout) or Bria refused it unprocessed (429). Retrying cannot duplicate anything.
- *maybe applied*: the request went out and no usable answer came back (connection dropped,
  read timeout, 502/503/504). Bria may have carried it out.

Reads and idempotent writes are retried after either kind. A non-idempotent write (a create)
after a *maybe applied* failure is only retried once its `recover` callback has looked and
found that the write did not happen; if it did, the callback's value is the answer. So a
create is never blindly repeated. Attempts and total time are both bounded (RetryPolicy).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Literal, TypeVar

import httpx
from pydantic import SecretStr

from reconciler.client.errors import (
    ApiError,
    error_from_response,
    unreachable,
)

logger = logging.getLogger("reconciler.client")

T = TypeVar("T")

CallKind = Literal["default", "upload", "generation"]
TOKEN_HEADER = "api_token"
REDACTED = "***"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying one call: attempts AND wall-clock time, whichever ends first.

    Waits use exponential backoff with full jitter (a uniform draw in
    [0, min(max_delay, base_delay * 2**retry)]), and never less than Bria's Retry-After.
    """

    max_attempts: int = 8
    total_seconds: float = 60.0
    base_delay: float = 0.5
    max_delay: float = 10.0
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.total_seconds <= 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("total_seconds must be positive and the delays not negative")

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Full-jitter wait before retry number `retry` (0 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** min(retry, 62)))
        return rng.uniform(0.0, ceiling)

    def delay(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """The wait before a retry: the jittered backoff, raised to Retry-After if Bria sent one."""
        wait = self.backoff(retry, rng)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


@dataclass(frozen=True)
class Timeouts:
    """Seconds per call kind: uploads and generations get longer than plain reads/writes."""

    connect: float = 10.0
    default: float = 30.0
    upload: float = 300.0
    generation: float = 180.0

    def for_kind(self, kind: CallKind) -> httpx.Timeout:
        seconds = {"default": self.default, "upload": self.upload, "generation": self.generation}
        return httpx.Timeout(seconds[kind], connect=self.connect)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: a number of seconds or an HTTP date; None if absent/bad."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


class TokenBucket:
    """Client-side rate limit shared by every call of one client: `rate` requests per second.

    Holds at most `burst` tokens (default 1: strict pacing, since Bria's own limit is not
    published), so an idle client may send `burst` requests at once. Waiters are served in
    arrival order (the lock is held while sleeping).
    """

    def __init__(self, rate: float, *, burst: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError("requests_per_second must be positive")
        self.rate = rate
        self.capacity = max(1.0, burst)
        self._tokens = self.capacity
        self._last = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            now = time.monotonic()
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1.0:
                wait = (1.0 - self._tokens) / self.rate
                await asyncio.sleep(wait)
                self._last = time.monotonic()
                self._tokens = 0.0
            else:
                self._tokens -= 1.0


class RedactSecrets(logging.Filter):
    """Last line of defence: a record whose text contains a secret is rewritten without it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            text = str(record.msg)
        if any(secret in text for secret in self._secrets):
            for secret in self._secrets:
                text = text.replace(secret, REDACTED)
            record.msg = text
            record.args = None
        return True


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers safe to log: the token header (and any auth header) replaced."""
    hidden = {TOKEN_HEADER, "authorization", "proxy-authorization", "x-api-key", "cookie"}
    return {k: (REDACTED if k.lower() in hidden else v) for k, v in headers.items()}


@dataclass(frozen=True)
class Call:
    """One request, relative to the base URL (e.g. `/tailored-gen/projects`)."""

    method: str
    path: str
    json: object | None = None
    params: Mapping[str, str | int | float | bool] | None = None
    kind: CallKind = "default"


@dataclass(frozen=True)
class Settled(Generic[T]):
    """A recovery's verdict that the call's effect is already in place, with its value."""

    value: T


Recover = Callable[[], Awaitable[Settled[T] | None]]
SettleError = Callable[[ApiError], Awaitable[Settled[T] | None]]

_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
_MAYBE_APPLIED: tuple[type[Exception], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


@dataclass
class _Failure:
    """Why an attempt did not produce an answer we can use."""

    maybe_applied: bool
    response: httpx.Response | None = None
    exception: Exception | None = None
    retry_after: float | None = None

    def describe(self) -> str:
        if self.response is not None:
            return f"HTTP {self.response.status_code}"
        return type(self.exception).__name__


def _tls_for(base_url: str) -> ssl.SSLContext | bool:
    """Every request goes to `base_url` (no redirects followed), so a plain-HTTP API (the
    sandbox on loopback) never uses TLS: skip loading the CA bundle, 0.1 s of every command.
    The context given instead trusts no certificate, so any TLS use would fail closed."""
    if base_url.startswith("http://"):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return True


class Transport:
    """The retrying, rate-limited, logged path from a Call to a parsed answer."""

    def __init__(
        self,
        base_url: str,
        token: SecretStr,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int = 8,
        requests_per_second: float | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self._rng = rng or random.Random()
        self._semaphore = asyncio.Semaphore(max_concurrency)
        self._bucket = TokenBucket(requests_per_second) if requests_per_second else None
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            transport=transport,
            limits=httpx.Limits(
                max_connections=max_concurrency, max_keepalive_connections=max_concurrency
            ),
            timeout=self.timeouts.for_kind("default"),
            follow_redirects=False,
            verify=_tls_for(self.base_url),
        )
        self._filter = RedactSecrets([token.get_secret_value()])
        logger.addFilter(self._filter)

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        logger.removeFilter(self._filter)
        await self._http.aclose()

    # ------------------------------------------------------------------ one attempt

    async def _send_once(self, call: Call, attempt: int) -> httpx.Response:
        headers = {"accept": "application/json", TOKEN_HEADER: self._token.get_secret_value()}
        if self._bucket is not None:
            await self._bucket.acquire()
        async with self._semaphore:
            started = time.monotonic()
            try:
                response = await self._http.request(
                    call.method,
                    call.path.lstrip("/"),
                    json=call.json,
                    params=dict(call.params) if call.params else None,
                    headers=headers,
                    timeout=self.timeouts.for_kind(call.kind),
                )
            except Exception as error:
                logger.debug(
                    "%s %s -> no answer (%s) after %.1f ms (attempt %d)",
                    call.method,
                    call.path,
                    type(error).__name__,
                    (time.monotonic() - started) * 1000,
                    attempt,
                )
                raise
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d in %.1f ms (attempt %d) request_headers=%s response_bytes=%d",
                call.method,
                call.path,
                response.status_code,
                (time.monotonic() - started) * 1000,
                attempt,
                redact_headers(dict(response.request.headers)),
                len(response.content),
            )
            if response.status_code >= 400:
                logger.debug(
                    "%s %s error body: %s",
                    call.method,
                    call.path,
                    response.content[:300].decode("utf-8", errors="replace"),
                )
        return response

    # ------------------------------------------------------------------ the retry loop

    async def request(
        self,
        call: Call,
        parse: Callable[[httpx.Response], T],
        *,
        idempotent: bool,
        recover: Recover[T] | None = None,
        settle_error: SettleError[T] | None = None,
    ) -> T:
        """Send `call` until it succeeds, fails for good, or the policy's bounds are reached.

        `idempotent`: repeating the call cannot change the outcome (GET, PUT, DELETE, pure
        POSTs), so any transient failure is retried. Otherwise, after a *maybe applied*
        failure, `recover()` is asked first; it returns Settled(value) when the write did
        happen, or None when it is safe to send again. Without `recover`, such a failure is
        raised at once rather than risk a duplicate.
        `settle_error(err)`: after an earlier *maybe applied* attempt, a definite error (e.g.
        404 from a repeated DELETE) may only mean our first attempt worked; it decides.
        """
        policy = self.retry
        deadline = time.monotonic() + policy.total_seconds
        maybe_applied_before = False
        failure: _Failure | None = None
        sent = 0
        for attempt in range(1, policy.max_attempts + 1):
            if failure is not None:
                wait = policy.delay(attempt - 2, failure.retry_after, self._rng)
                if time.monotonic() + wait > deadline:
                    break
                await asyncio.sleep(wait)
                if failure.maybe_applied and not idempotent:
                    settled = await self._recover(call, failure, recover)
                    if settled is not None:
                        return settled.value
            sent = attempt
            try:
                response = await self._send_once(call, attempt)
            except _NOT_SENT as lost:
                failure = _Failure(maybe_applied=False, exception=lost)
                continue
            except _MAYBE_APPLIED as lost:
                failure = _Failure(maybe_applied=True, exception=lost)
                maybe_applied_before = True
                continue
            if response.is_success:
                return parse(response)
            if response.status_code in policy.retry_statuses:
                applied = response.status_code != 429
                failure = _Failure(
                    maybe_applied=applied,
                    response=response,
                    retry_after=parse_retry_after(response.headers.get("retry-after")),
                )
                maybe_applied_before = maybe_applied_before or applied
                continue
            error = error_from_response(
                response.status_code, response.content, method=call.method, path=call.path
            )
            if maybe_applied_before and settle_error is not None:
                settled = await settle_error(error)
                if settled is not None:
                    return settled.value
            raise error
        assert failure is not None
        if failure.maybe_applied and not idempotent and recover is not None:
            settled = await recover()
            if settled is not None:
                return settled.value
        raise self._give_up(call, failure, attempts=sent)

    async def _recover(
        self, call: Call, failure: _Failure, recover: Recover[T] | None
    ) -> Settled[T] | None:
        if recover is None:
            raise self._give_up(
                call,
                failure,
                attempts=None,
                hint="The change may or may not have been made; refresh (tailor plan) to see.",
            )
        logger.debug("%s %s: answer lost (%s); checking whether it took effect",
                     call.method, call.path, failure.describe())
        return await recover()

    def _give_up(
        self, call: Call, failure: _Failure, *, attempts: int | None, hint: str | None = None
    ) -> ApiError:
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
        if failure.response is not None:
            error = error_from_response(
                failure.response.status_code,
                failure.response.content,
                method=call.method,
                path=call.path,
                note=tries,
            )
        else:
            detail = str(failure.exception) or "no detail"
            error = unreachable(
                f"{failure.describe()} ({detail}){tries}", method=call.method, path=call.path
            )
        if hint is not None:
            error.hint = hint
        return error
