"""Field checks for JSON bodies that name the constraint a bad value breaks."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from reconciler.sandbox.constraints import BODY_FIELD, Constraint
from reconciler.sandbox.errors import BriaError

Body = dict[str, Any]


def given(body: Body, key: str) -> bool:
    """A key counts as sent only when present and not null."""
    return body.get(key) is not None


def required_text(body: Body, key: str, constraint: Constraint) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BriaError(constraint, f"{key} is required and must be a non-empty string")
    return value


def required_id(body: Body, key: str, constraint: Constraint) -> int:
    """An id field: present, and an integer (JSON `true` is not one)."""
    if not given(body, key):
        raise BriaError(constraint, f"{key} is required")
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise BriaError(constraint, f"{key} must be an integer")
    return value


def optional_text(body: Body, key: str, constraint: Constraint = BODY_FIELD) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BriaError(constraint, f"{key} must be a string")
    return value


def choice(
    body: Body,
    key: str,
    allowed: Collection[str],
    constraint: Constraint,
    *,
    default: str | None = None,
) -> str:
    value = body.get(key)
    if value is None and default is not None:
        return default
    if not isinstance(value, str) or value not in allowed:
        options = ", ".join(sorted(allowed))
        raise BriaError(constraint, f"{key} is required and must be one of: {options}")
    return value


def flag(body: Body, key: str, default: bool, constraint: Constraint = BODY_FIELD) -> bool:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise BriaError(constraint, f"{key} must be a boolean")
    return value
