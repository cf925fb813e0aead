"""How one API call reaches Bria: `RetryingSender`, the one path every call of the client takes.

It paces the call (pacing.py), sends it, retries it within bounds (retry.py) and logs it
without the token (redaction.py). It sends on its own keep-alive connections to Bria
(connections.py), or through an httpx client when a transport is injected (the embedded
sandbox in process, the tests) or a proxy from the environment applies.

Every failure is sorted into one of two kinds, because that decides whether a retry is safe:

- *not sent*: the request never reached Bria (connection refused, connect timeout, pool
  timeout) or Bria refused it unprocessed (429). Retrying cannot duplicate anything.
- *maybe applied*: the request went out and no usable answer came back (connection dropped,
  read timeout, 502/503/504). Bria may have carried it out.

Reads and idempotent writes are retried after either kind. A non-idempotent write (a create)
after a *maybe applied* failure is only retried once its `recover` callback has looked and
found that the write did not happen; if it did, the callback's value is the answer. So a
create is never blindly repeated. Attempts and total time are both bounded (`RetryPolicy`).

Bria's rate limit (10 requests a minute on the free plan, 60 on starter) is kept by a `Pacer`
that every request of the client passes, retries included: at most a minute's allowance starts
in any minute. A 429 is not a failure but a signal: the pacer spaces requests and slows
down, and the call waits and tries again for as long as `RetryPolicy.rate_limit_seconds`
allows, telling a listener so the user sees why apply waits.
A 403 is never retried (Bria's quota answer among them: waiting does not refill it).
Connections lost in a row across calls mean the API is gone: no call retries (retry_stop.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from reconciler.client import wire
from reconciler.client.connections import (
    DEFAULT_HEADERS,
    Connections,
    direct,
    plain_path,
    plain_query,
    tls_for,
)
from reconciler.client.errors import (
    ApiError,
    error_from_response,
    unreachable,
)
from reconciler.client.pacing import Pacer
from reconciler.client.redaction import REDACTED, TOKEN_HEADER, RedactSecrets, redact_headers
from reconciler.client.retry import RetryPolicy, parse_retry_after
from reconciler.client.retry_stop import CONNECTION_LOST, RetryStop
from reconciler.errors import ConfigError
from reconciler.events import RateLimitEvent
from reconciler.secret import Secret

if TYPE_CHECKING:
    from httpx import AsyncBaseTransport

    from reconciler.client.via_httpx import HttpxPath

logger = logging.getLogger("reconciler.client")

T = TypeVar("T")

CallKind = Literal["default", "upload", "generation"]


@dataclass(frozen=True)
class Timeouts:
    """Seconds per call kind: uploads and generations get longer than plain reads/writes."""

    connect: float = 10.0
    default: float = 30.0
    upload: float = 300.0
    generation: float = 180.0

    def seconds(self, kind: CallKind) -> float:
        """Sending the request, and reading its answer, may each take this long."""
        if kind == "upload":
            return self.upload
        return self.generation if kind == "generation" else self.default


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

_LOCAL_HINT = (
    "tailor could not form a valid request: check that BRIA_API_TOKEN holds no spaces, line "
    "breaks or non-ASCII text."
)
_PROXY_HINT = (
    "Check HTTPS_PROXY, HTTP_PROXY and ALL_PROXY: tailor speaks to http and https proxies "
    "only (or unset them, or name the API host in NO_PROXY)."
)


@dataclass
class _Failure:
    """Why an attempt did not produce an answer we can use."""

    maybe_applied: bool
    response: wire.Answer | None = None
    exception: Exception | None = None
    retry_after: float | None = None

    @property
    def rate_limited(self) -> bool:
        return self.response is not None and self.response.status_code == 429

    def describe(self) -> str:
        if self.response is not None:
            return f"HTTP {self.response.status_code}"
        return type(self.exception).__name__


class RetryingSender:
    """The retrying, rate-limited, logged path from a Call to a parsed answer."""

    def __init__(
        self,
        base_url: str,
        token: Secret,
        *,
        transport: AsyncBaseTransport | None = None,
        max_concurrency: int = 8,
        requests_per_minute: float | None = None,
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
        self.pacer = Pacer(requests_per_minute)
        self.answered = 0
        """Requests Bria answered with anything but 429 (the count users see progress in)."""
        self.on_rate_limit: Callable[[RateLimitEvent], None] | None = None
        """Told of every 429 before the call waits: apply shows why it is slow."""
        self._stop = RetryStop(self.retry.max_attempts)
        verify = tls_for(self.base_url)
        self._socket: Connections | None = None
        """Own keep-alive connections (connections.py); None: httpx sends (a transport was
        given, as the tests and the in-process sandbox do, or a proxy applies)."""
        self._httpx: HttpxPath | None = None
        try:
            if transport is None:
                self._socket = direct(self.base_url, max_concurrency, verify)
            if self._socket is None:
                self._httpx = self._via_httpx(transport, max_concurrency, verify)
        except (ValueError, ImportError) as error:
            # httpx reads *_PROXY when the client is made: an unknown scheme is a ValueError,
            # socks5:// without the socksio package an ImportError.
            raise ConfigError(
                f"cannot set up HTTP to {self.base_url}: {error}", hint=_PROXY_HINT
            ) from None
        self._filter = RedactSecrets([token.get_secret_value()])
        logger.addFilter(self._filter)

    def __repr__(self) -> str:
        return f"RetryingSender(base_url={self.base_url!r})"

    def stop_retrying(self) -> None:
        """From now on a failed attempt is the call's last, and calls waiting to retry give
        up at once: the caller found the API gone (apply's circuit breaker), so each call in
        flight must not spend its own minute of retries finding that out again."""
        self._stop.stop()

    async def aclose(self) -> None:
        logger.removeFilter(self._filter)
        if self._socket is not None:
            self._socket.close()
        if self._httpx is not None:
            await self._httpx.aclose()

    def _via_httpx(
        self, transport: AsyncBaseTransport | None, slots: int, verify: object
    ) -> HttpxPath:
        """httpx for this client (imported only now: the own connections need none of it)."""
        from reconciler.client.via_httpx import HttpxPath

        return HttpxPath(
            self.base_url, transport, slots, self.timeouts.default, self.timeouts.connect, verify
        )

    # ------------------------------------------------------------------ one attempt

    async def _send_once(self, call: Call, attempt: int) -> wire.Answer:
        headers = {"accept": "application/json", TOKEN_HEADER: self._token.get_secret_value()}
        async with self._semaphore:
            # Paced once a connection is free: the start the pacer logs is the send's, even
            # when every connection was busy (a minute's allowance counts real sends).
            sent_at = await self.pacer.acquire()
            started = time.monotonic()
            try:
                response = await self._send(call, headers)
            except Exception as error:
                logger.debug(
                    "%s %s -> no answer (%s) after %.1f ms (attempt %d)",
                    call.method,
                    call.path,
                    type(error).__name__,
                    (time.monotonic() - started) * 1000,
                    attempt,
                )
                if isinstance(error, CONNECTION_LOST):
                    self._stop.lost()
                raise
        self._stop.answered()
        if response.status_code == 429:
            self.pacer.limited(sent_at)
        else:
            self.answered += 1
            self.pacer.answered(sent_at)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %d in %.1f ms (attempt %d) request_headers=%s response_bytes=%d",
                call.method,
                call.path,
                response.status_code,
                (time.monotonic() - started) * 1000,
                attempt,
                redact_headers({**DEFAULT_HEADERS, **headers}),
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

    def _send(self, call: Call, headers: dict[str, str]) -> Awaitable[wire.Answer]:
        """The call on a slot's own connection (connections.py), as httpx would send it, or
        through httpx."""
        path = call.path.lstrip("/")
        seconds, connect = self.timeouts.seconds(call.kind), self.timeouts.connect
        if self._socket is None:
            assert self._httpx is not None
            return self._httpx.send(
                call.method, path, json=call.json, params=call.params, headers=headers,
                seconds=seconds, connect=connect,
            )
        query = plain_query(call.params) if call.params else ""
        if query is None or not plain_path(path):
            target = self._odd_target(call.method, path, call.params)
        else:
            target = f"{self._socket.prefix}/{path}" + (f"?{query}" if query else "")
        return self._socket.send(call.method, target, headers, call.json, seconds, connect)

    def _odd_target(
        self, method: str, path: str, params: Mapping[str, str | int | float | bool] | None
    ) -> str:
        """A target to percent-encode or with dot segments: httpx's URL rules form it (rare:
        no call of an apply needs them)."""
        from reconciler.client.via_httpx import target

        return target(self.base_url, method, path, params)

    # ------------------------------------------------------------------ the retry loop

    async def request(
        self,
        call: Call,
        parse: Callable[[wire.Answer], T],
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
        limited_until: float | None = None
        maybe_applied_before = False
        failure: _Failure | None = None
        failed = 0  # attempts that failed other than by a 429: bounded by max_attempts
        limited = 0  # 429s in a row: bounded by rate_limit_seconds
        sent = 0
        while True:
            if failure is not None:
                now = time.monotonic()
                if failure.rate_limited:
                    if limited_until is None:
                        limited_until = now + policy.rate_limit_seconds
                    wait = policy.delay(limited - 1, failure.retry_after, self._rng)
                    if now + wait > limited_until:
                        break
                    deadline += wait
                    self._tell_rate_limited(wait)
                else:
                    if failed >= policy.max_attempts:
                        break
                    wait = policy.delay(failed - 1, failure.retry_after, self._rng)
                    if now + wait > deadline:
                        break
                if await self._retries_stopped(wait):
                    break
                if failure.maybe_applied and not idempotent:
                    settled = await self._recover(call, failure, recover)
                    if settled is not None:
                        return settled.value
            sent += 1
            try:
                response = await self._send_once(call, sent)
            except wire.NotSent as lost:
                failure = _Failure(maybe_applied=False, exception=lost)
                failed += 1
                continue
            except wire.MaybeApplied as lost:
                failure = _Failure(maybe_applied=True, exception=lost)
                maybe_applied_before = True
                failed += 1
                continue
            except wire.WireFailure as broken:
                raise self._cannot_send(call, broken) from None
            if response.is_success:
                return parse(response)
            if response.status_code in policy.retry_statuses:
                failure = _Failure(
                    maybe_applied=response.status_code != 429,
                    response=response,
                    retry_after=parse_retry_after(response.headers.get("retry-after")),
                )
                if failure.rate_limited:
                    limited += 1
                else:
                    limited, limited_until = 0, None
                    failed += 1
                maybe_applied_before = maybe_applied_before or failure.maybe_applied
                continue
            error = error_from_response(
                response.status_code, response.content, method=call.method, path=call.path,
                secret=self._token.get_secret_value(),
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

    async def _retries_stopped(self, wait: float) -> bool:
        """Wait before a retry; True (at once) if `stop_retrying` was or is called."""
        if self._stop.stopped.is_set():
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.stopped.wait(), wait)
        return self._stop.stopped.is_set()

    def _tell_rate_limited(self, wait: float) -> None:
        if self.on_rate_limit is not None:
            self.on_rate_limit(
                RateLimitEvent(self.pacer.per_minute, self.pacer.limit, wait, self.answered)
            )

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

    def _cannot_send(self, call: Call, error: wire.WireFailure) -> ApiError:
        """A failure no retry mends (tailor could not form the request, or httpx would not
        send it), said at once, never quoting the token."""
        local = isinstance(error, wire.LocalProtocolError)
        text = "LocalProtocolError" if local else str(error)
        hint = _LOCAL_HINT if local else error.hint
        secret = self._token.get_secret_value()
        if secret:
            text = text.replace(secret, REDACTED)
        failed = unreachable(text, method=call.method, path=call.path)
        failed.hint = hint or (
            "Check the network, any proxy (HTTPS_PROXY, HTTP_PROXY) and the API URL."
        )
        return failed

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
                note=tries, secret=self._token.get_secret_value(),
            )
        else:
            detail = str(failure.exception) or "no detail"
            error = unreachable(
                f"{failure.describe()} ({detail}){tries}", method=call.method, path=call.path
            )
        if hint is not None:
            error.hint = hint
        return error
