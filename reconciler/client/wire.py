"""A request's answer (`Answer`), or its failure, saying whether it may have reached Bria.

The client's own connections (connections.py) and its httpx path (via_httpx.py) both speak
these, so the retry rules (transport.py) sort one set.

The failures carry httpx's names (`ConnectError`, `ReadTimeout`, ...): they appear in the
messages users read, which did not change when the connections stopped going through httpx.
"""

from __future__ import annotations


class WireFailure(Exception):
    """No usable answer to a request."""

    hint: str | None = None
    """What the user might check, for a failure no retry mends."""


class NotSent(WireFailure):
    """The request never reached Bria: sending it again cannot duplicate anything."""


class ConnectError(NotSent):
    pass


class ConnectTimeout(NotSent):
    pass


class PoolTimeout(NotSent):
    pass


class MaybeApplied(WireFailure):
    """The request went out and no usable answer came back: Bria may have carried it out."""


class ReadTimeout(MaybeApplied):
    pass


class WriteTimeout(MaybeApplied):
    pass


class ReadError(MaybeApplied):
    pass


class WriteError(MaybeApplied):
    pass


class CloseError(MaybeApplied):
    pass


class RemoteProtocolError(MaybeApplied):
    """The answer is not HTTP/1.1 we can read (Bria answered, so it acted)."""


class DecodingError(MaybeApplied):
    """The answer's body could not be decoded (Bria answered, so it acted)."""


class LocalProtocolError(WireFailure):
    """tailor could not form the request (an illegal header value): nothing was sent. Its
    message never quotes the value, which may be the token."""


class Answer:
    """One HTTP answer: status, headers (names lower-cased; a repeated header's values joined
    with ", ", as httpx does) and the body, with the call it answers."""

    __slots__ = ("content", "headers", "method", "path", "status_code")

    def __init__(
        self,
        status_code: int,
        headers: dict[str, str],
        content: bytes,
        method: str,
        path: str,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.method = method
        self.path = path
        """The URL path the call went to (no query), for messages."""

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    def __repr__(self) -> str:
        return f"<Answer [{self.status_code}] {self.method} {self.path}>"

