"""The client's httpx path: an injected transport (sandbox in process, tests) or a proxy.

Requests go through httpx when a transport is injected (the embedded sandbox in process, the
tests) or a proxy from the environment applies, which httpx honours. Imported only then: the
client's own connections (connections.py) need none of httpx.

Answers come back as `wire.Answer` and failures as the `wire` failure of the same name, so the
retry rules see one set whichever path a request took.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from reconciler.client import wire
from reconciler.client.connections import DEFAULT_HEADERS

_SAME_NAMED: dict[type[Exception], type[wire.WireFailure]] = {
    httpx.ConnectError: wire.ConnectError,
    httpx.ConnectTimeout: wire.ConnectTimeout,
    httpx.PoolTimeout: wire.PoolTimeout,
    httpx.ReadTimeout: wire.ReadTimeout,
    httpx.WriteTimeout: wire.WriteTimeout,
    httpx.ReadError: wire.ReadError,
    httpx.WriteError: wire.WriteError,
    httpx.CloseError: wire.CloseError,
    httpx.RemoteProtocolError: wire.RemoteProtocolError,
    httpx.DecodingError: wire.DecodingError,
    httpx.TimeoutException: wire.ReadTimeout,
    httpx.NetworkError: wire.ReadError,
}
"""httpx's failures that say whether the request went out, as the `wire` ones."""
_HINTS: tuple[tuple[type[Exception], str], ...] = (
    (httpx.ProxyError, "The proxy refused the request: check HTTPS_PROXY, HTTP_PROXY, "
                       "ALL_PROXY and NO_PROXY."),
    (httpx.UnsupportedProtocol, "The URL is not http or https: check the api setting and "
                                "the HTTPS_PROXY / HTTP_PROXY variables."),
)


class Unsendable(wire.WireFailure):
    """Any other failure httpx raises: a proxy that refuses, a scheme it cannot speak, a
    redirect loop. Nothing reached Bria, and trying again cannot help."""

    def __init__(self, text: str, hint: str | None) -> None:
        super().__init__(text)
        self.hint = hint


_RENAMED: dict[tuple[str, type[wire.WireFailure]], type[wire.WireFailure]] = {}


def _named(name: str, kind: type[wire.WireFailure]) -> type[wire.WireFailure]:
    """`kind` under another name: a subclass of httpx's failure (the in-process sandbox's
    ConnectionDropped) keeps its name in what the log and the user read."""
    key = (name, kind)
    if key not in _RENAMED:
        _RENAMED[key] = type(name, (kind,), {"__module__": __name__})
    return _RENAMED[key]


def failure(error: Exception) -> wire.WireFailure:
    """httpx's exception as a `wire` failure (its class name kept where it says whether the
    request went out). httpx's text of a request it would not form may quote a header (the
    token's), so that text is left out."""
    for kind in type(error).__mro__:
        same = _SAME_NAMED.get(kind)
        if same is not None:
            if kind is not type(error):
                same = _named(type(error).__name__, same)
            return same(str(error))
    if isinstance(error, httpx.LocalProtocolError):
        return wire.LocalProtocolError("Illegal header name or value")
    hint = next((text for kind, text in _HINTS if isinstance(error, kind)), None)
    return Unsendable(f"{type(error).__name__} ({error})", hint)


class _NotSending(httpx.AsyncBaseTransport):
    """For a client that only forms URLs (httpx's default transport would import httpcore)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError("this httpx client forms URLs only")


def target(base_url: str, method: str, path: str, params: Mapping[str, object] | None) -> str:
    """The request target httpx forms for `path` relative to `base_url`: percent-encoding,
    dot segments, the query."""
    former = httpx.AsyncClient(base_url=base_url + "/", transport=_NotSending())
    request = former.build_request(
        method, path, params=dict(params) if params else None  # type: ignore[arg-type]
    )
    return request.url.raw_path.decode("ascii")


class HttpxPath:
    """An httpx client for `base_url` (relative calls), sending what `RetryingSender` asks."""

    def __init__(
        self,
        base_url: str,
        transport: httpx.AsyncBaseTransport | None,
        slots: int,
        timeout: float,
        connect: float,
        verify: object,
    ) -> None:
        try:
            self._http = httpx.AsyncClient(
                base_url=base_url + "/",
                transport=transport,
                headers=DEFAULT_HEADERS,
                limits=httpx.Limits(max_connections=slots, max_keepalive_connections=slots),
                timeout=httpx.Timeout(timeout, connect=connect),
                follow_redirects=False,
                verify=verify,  # type: ignore[arg-type]
            )
        except httpx.InvalidURL as error:  # no ValueError, unlike the other set-up failures
            raise ValueError(str(error)) from None

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: object | None,
        params: Mapping[str, object] | None,
        headers: Mapping[str, str],
        seconds: float,
        connect: float,
    ) -> wire.Answer:
        try:
            response = await self._http.request(
                method,
                path,
                json=json,
                params=dict(params) if params else None,  # type: ignore[arg-type]
                headers=dict(headers),
                timeout=httpx.Timeout(seconds, connect=connect),
            )
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise failure(error) from None
        return wire.Answer(
            response.status_code,
            dict(response.headers.items()),
            response.content,
            method,
            response.request.url.path,
        )

    async def aclose(self) -> None:
        await self._http.aclose()
