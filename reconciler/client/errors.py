"""Bria's error answers as our own exception types; one function maps status to class.

    TailorError
     └── ApiError                 Bria (or the way to it) failed a call
          ├── BadRequest           400  a field or rule Bria refused
          ├── Unauthorized         401  token missing or unknown
          ├── Forbidden            403  the plan does not include this feature
          ├── NotFound             404
          ├── Conflict             409  the resource's state forbids it (e.g. completed dataset)
          ├── PreconditionFailed   412  e.g. image too small, dataset not completed
          ├── PayloadTooLarge      413
          ├── UnsupportedMedia     415
          ├── Unprocessable        422  URL unreachable, moderation
          ├── RateLimited          429  still limited after every retry
          ├── ServerError          5xx  still failing after every retry
          ├── ApiUnreachable       no HTTP answer at all (connection, timeout) after every retry
          └── AmbiguousCreate      a create's answer was lost and several objects could be it
     └── LocalFileError           a local file to send could not be read

An ApiError never holds the token: it carries the status, Bria's own message, the method and
the path (never the host's headers or the request body).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reconciler.errors import TailorError


@dataclass(frozen=True)
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
        constraint_id: str | None = None,
        field_errors: tuple[FieldError, ...] = (),
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.bria_message = bria_message
        self.method = method
        self.path = path
        self.constraint_id = constraint_id
        """Sandbox-only extension naming the rule; informative, nothing depends on it."""
        self.field_errors = field_errors
        super().__init__(self._summary(), hint=hint)

    def _summary(self) -> str:
        answer = "Bria gave no answer"
        if self.status is not None:
            answer = f"Bria answered {self.status}"
        text = f"{answer} to {self.method} {self.path}: {self.bria_message}"
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
                self.constraint_id,
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
    constraint_id: str | None,
    field_errors: tuple[FieldError, ...],
    hint: str | None,
) -> ApiError:
    return cls(
        bria_message,
        status=status,
        method=method,
        path=path,
        constraint_id=constraint_id,
        field_errors=field_errors,
        hint=hint,
    )


class BadRequest(ApiError):
    """400: Bria refused a field or a rule."""


class Unauthorized(ApiError):
    """401: the API token is missing or unknown."""


class Forbidden(ApiError):
    """403: the organisation's plan does not include this feature."""


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
    RateLimited: "Lower parallelism or requests_per_second, then run again.",
    ServerError: "Bria is failing right now; run again later (apply resumes where it stopped).",
    ApiUnreachable: "Check the network and the API URL, then run again.",
}


def error_class_for(status: int) -> type[ApiError]:
    """The ApiError subclass for an HTTP status (unknown 4xx → ApiError, 5xx → ServerError)."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, ApiError)


def extract_message(body: bytes, *, status: int) -> str:
    """Bria's message from an error body, whatever its shape.

    Rule: `message`, else `error`, else `detail`, else the body itself if it is a JSON
    string, else the raw text. (Bria is inconsistent between endpoints.)
    """
    text = body.decode("utf-8", errors="replace").strip()
    try:
        parsed: object = json.loads(text) if text else None
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for key in ("message", "error", "detail"):
            value = parsed.get(key)
            if isinstance(value, str) and value:
                return value
            if value:
                return json.dumps(value, ensure_ascii=False)
    if isinstance(parsed, str) and parsed:
        return parsed
    if text:
        return text[:500]
    return f"HTTP {status} with an empty body"


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
    return tuple(result)


def error_from_response(
    status: int, body: bytes, *, method: str, path: str, note: str = ""
) -> ApiError:
    """Build the ApiError for a non-2xx answer; `note` is appended to Bria's message."""
    try:
        parsed: object = json.loads(body) if body.strip() else None
    except ValueError:
        parsed = None
    constraint = parsed.get("constraint_id") if isinstance(parsed, dict) else None
    cls = error_class_for(status)
    return cls(
        extract_message(body, status=status) + note,
        status=status,
        method=method,
        path=path,
        constraint_id=constraint if isinstance(constraint, str) else None,
        field_errors=_field_errors(parsed),
        hint=_HINTS.get(cls),
    )


def unreachable(reason: str, *, method: str, path: str) -> ApiUnreachable:
    return ApiUnreachable(
        reason, status=None, method=method, path=path, hint=_HINTS[ApiUnreachable]
    )
