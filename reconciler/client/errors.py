"""Bria's error answers as our own exception types; one function maps status to class.

    TailorError
     └── ApiError                 Bria (or the way to it) failed a call
          ├── BadRequest           400  a field or rule Bria refused
          ├── Unauthorized         401  token missing or unknown
          ├── Forbidden            403  the plan does not include this feature
          │    └── QuotaExceeded   403  the account's request quota is used up (never retried)
          ├── NotFound             404
          ├── Conflict             409  the resource's state forbids it (e.g. completed dataset)
          ├── PreconditionFailed   412  e.g. image too small, dataset not completed
          ├── PayloadTooLarge      413
          ├── UnsupportedMedia     415
          ├── Unprocessable        422  URL unreachable, moderation
          ├── RateLimited          429  still limited after every retry
          ├── ServerError          5xx  still failing after every retry
          ├── ApiUnreachable       no HTTP answer at all (connection, timeout) after every retry
          ├── UnreadableAnswer     a success answer whose body tailor needed and could not read
          └── AmbiguousCreate      a create's answer was lost and several objects could be it
     └── LocalFileError           a local file to send could not be read

An ApiError never holds the token: it carries the status, Bria's own message (with the token
cut out wherever the answer quotes it), the method and the path (never the host's headers or
the request body).
"""

from __future__ import annotations

import json
from typing import Any

from reconciler.client.redaction import REDACTED
from reconciler.errors import TailorError
from reconciler.records import record


@record
class FieldError:
    """One entry of Bria's `errors` list on a field-validation failure."""

    message: str
    field: str | None = None
    value: str | None = None


class ApiError(TailorError):
    """Bria refused or failed a call. `status` is None when no HTTP answer arrived."""

    def __init__(
        self,
        bria_message: str,
        *,
        status: int | None,
        method: str,
        path: str,
        field_errors: tuple[FieldError, ...] = (),
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.bria_message = bria_message
        self.method = method
        self.path = path
        self.field_errors = field_errors
        super().__init__(self._summary(), hint=hint)

    def _summary(self) -> str:
        answer = "Bria gave no answer"
        if self.status is not None:
            answer = f"Bria answered {self.status}"
        text = f"{answer} to {self.method} {self.path}: {self.bria_message}"
        if self.bria_message.startswith(_joined(self.field_errors)):
            return text
        for item in self.field_errors:
            where = f" ({item.field})" if item.field else ""
            text += f"\n  - {item.message}{where}"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, method={self.method!r}, "
            f"path={self.path!r}, message={self.bria_message!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (
                type(self),
                self.bria_message,
                self.status,
                self.method,
                self.path,
                self.field_errors,
                self.hint,
            ),
        )


def _rebuild(
    cls: type[ApiError],
    bria_message: str,
    status: int | None,
    method: str,
    path: str,
    field_errors: tuple[FieldError, ...],
    hint: str | None,
) -> ApiError:
    return cls(
        bria_message,
        status=status,
        method=method,
        path=path,
        field_errors=field_errors,
        hint=hint,
    )


class BadRequest(ApiError):
    """400: Bria refused a field or a rule."""


class Unauthorized(ApiError):
    """401: the API token is missing or unknown."""


class Forbidden(ApiError):
    """403: the organisation's plan does not include this feature."""


class QuotaExceeded(Forbidden):
    """403 with Bria's quota text: no request succeeds until the plan is upgraded, so the
    run stops at once instead of failing every remaining step the same way."""


QUOTA_TEXT = "quota exceeded"
"""What Bria's quota answer says: "Quota exceeded: Free users can make up to 1000 requests
in total. Please upgrade your plan to continue using the service." (a bare JSON string)."""


class NotFound(ApiError):
    """404: no such resource in this organisation."""


class Conflict(ApiError):
    """409: the resource's current state forbids the change."""


class PreconditionFailed(ApiError):
    """412: e.g. an image below the minimum resolution, a dataset not completed."""


class PayloadTooLarge(ApiError):
    """413: an image, zip or model over Bria's size limit."""


class UnsupportedMedia(ApiError):
    """415: a file format Bria does not accept."""


class Unprocessable(ApiError):
    """422: a URL Bria could not fetch, or content moderation blocked an input."""


class RateLimited(ApiError):
    """429 on every attempt."""


class ServerError(ApiError):
    """5xx on every attempt."""


class ApiUnreachable(ApiError):
    """No HTTP answer at all (connection refused or dropped, timeout) on every attempt."""


class UnreadableAnswer(ApiError):
    """2xx, but the body tailor needed from it is not JSON or not of the documented shape."""


class AmbiguousCreate(ApiError):
    """A create's answer was lost and more than one object could be the one it made."""


class LocalFileError(TailorError):
    """A local file the call needed (an image to upload) could not be read."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    415: UnsupportedMedia,
    422: Unprocessable,
    429: RateLimited,
}

_HINTS: dict[type[ApiError], str] = {
    Unauthorized: "Check BRIA_API_TOKEN: Bria did not accept the token.",
    Forbidden: "Your Bria subscription may not include Tailored Generation training.",
    QuotaExceeded: (
        "Bria counts every request against the account's quota and refuses all of them "
        "now; raise the quota (upgrade the Bria plan), then run the command again (an "
        "apply resumes where it stopped)."
    ),
    RateLimited: (
        "Bria kept refusing for longer than rate_limit_wait allows; lower "
        "requests_per_minute (or raise rate_limit_wait), then run again."
    ),
    ServerError: "Bria is failing right now; run again later (apply resumes where it stopped).",
    ApiUnreachable: "Check the network and the API URL, then run again.",
    UnreadableAnswer: (
        "Bria's answer differs from its published API; run `tailor plan` to see what was "
        "done, and report the answer (rerun with -v for the log)."
    ),
}


def refused(error: ApiError) -> bool:
    """Bria answered no (a 4xx other than 429): the request as sent did nothing."""
    return error.status is not None and 400 <= error.status < 500 and error.status != 429


def error_class_for(status: int) -> type[ApiError]:
    """The ApiError subclass for an HTTP status (unknown 4xx → ApiError, 5xx → ServerError)."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


def _decoded(body: bytes) -> tuple[str, object]:
    """The body as text and as parsed JSON (None when empty or not JSON)."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        parsed: object = json.loads(text) if text else None
    except ValueError:
        parsed = None
    return text, parsed


def bria_message(body: bytes) -> str | None:
    """Bria's own text from an answer body of any shape it documents; None when it has none.

    Shapes, in the order tried: `{"message": ...}`, `{"error": ...}`, `{"detail": ...}`,
    `{"errors": [{"msg", "field_name", "field_input"}]}` (the messages joined, each with its
    field), a bare JSON string (the 403 quota and checkpoint answers), any other non-empty
    text (cut to 500 characters). An empty body, `{}` or `null` has no message.
    """
    text, parsed = _decoded(body)
    if isinstance(parsed, dict):
        for key in ("message", "error", "detail"):
            value = parsed.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
            if value:
                return json.dumps(value, ensure_ascii=False)
        fields = _field_errors(parsed)
        if fields:
            return _joined(fields)
        return None if not parsed else text[:500]
    if isinstance(parsed, str):
        return parsed.strip() or None
    if parsed is None and text in ("", "null"):
        return None
    return text[:500]


def extract_message(body: bytes, *, status: int) -> str:
    """Bria's message (`bria_message`), or a sentence saying the answer had none."""
    found = bria_message(body)
    return found if found is not None else f"HTTP {status} with an empty body"


def _joined(fields: tuple[FieldError, ...]) -> str:
    return "; ".join(f"{f.message} ({f.field})" if f.field else f.message for f in fields)


def _field_errors(parsed: object) -> tuple[FieldError, ...]:
    if not isinstance(parsed, dict):
        return ()
    items = parsed.get("errors")
    if not isinstance(items, list):
        return ()
    result: list[FieldError] = []
    for item in items:
        if isinstance(item, dict):
            message = item.get("msg", item.get("message", ""))
            field = item.get("field_name")
            value = item.get("field_input")
            result.append(
                FieldError(
                    message=str(message),
                    field=None if field is None else str(field),
                    value=None if value is None else str(value),
                )
            )
        elif isinstance(item, str) and item:
            result.append(FieldError(message=item))
    return tuple(result)


SHORTEST_SECRET = 8
"""A token shorter than this (a test's "t") is not cut from answers: it would cut ordinary
words, and no real token is that short."""


def _without(text: str, secret: str) -> str:
    """`text` with `secret` replaced (a JSON escape in the raw body can spell it otherwise)."""
    return text.replace(secret, REDACTED) if secret else text


def error_from_response(
    status: int, body: bytes, *, method: str, path: str, note: str = "", secret: str = ""
) -> ApiError:
    """Build the ApiError for a non-2xx answer; `note` is appended to Bria's message. An
    answer may quote the request's `secret` (the token) back: it is cut out before parsing
    (so a cut to 500 characters cannot keep a part of it) and from the parsed text."""
    secret = secret if len(secret) >= SHORTEST_SECRET else ""
    if secret:
        body = body.replace(secret.encode(), REDACTED.encode())
    _, parsed = _decoded(body)
    cls = error_class_for(status)
    message = _without(extract_message(body, status=status), secret)
    if cls is Forbidden and QUOTA_TEXT in message.lower():
        cls = QuotaExceeded
    return cls(
        message + note,
        status=status,
        method=method,
        path=path,
        field_errors=tuple(
            FieldError(
                _without(f.message, secret),
                None if f.field is None else _without(f.field, secret),
                None if f.value is None else _without(f.value, secret),
            )
            for f in _field_errors(parsed)
        ),
        hint=_HINTS.get(cls),
    )


def unreadable(status: int, problem: str, *, method: str, path: str) -> UnreadableAnswer:
    """A 2xx whose body could not be read: `problem` says what was wrong, in a sentence."""
    return UnreadableAnswer(
        f"tailor could not read the answer: {problem}",
        status=status,
        method=method,
        path=path,
        hint=_HINTS[UnreadableAnswer],
    )


def unreachable(reason: str, *, method: str, path: str) -> ApiUnreachable:
    return ApiUnreachable(
        reason, status=None, method=method, path=path, hint=_HINTS[ApiUnreachable]
    )
