"""A step's arguments read with their types: a missing or mistyped one fails the step.

Plans are data (saved plan files included), so a handler never trusts an argument's type.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconciler.engine.run_context import StepFailed
from reconciler.resources import JsonValue


def text(args: Mapping[str, JsonValue], key: str, default: str | None = None) -> str:
    value = args.get(key, default)
    if not isinstance(value, str):
        raise StepFailed(f"the step lacks the text argument {key!r}")
    return value


def optional_text(args: Mapping[str, JsonValue], key: str) -> str | None:
    value = args.get(key)
    return value if isinstance(value, str) else None


def flag(args: Mapping[str, JsonValue], key: str, default: bool) -> bool:
    value = args.get(key, default)
    return value if isinstance(value, bool) else default


def records(value: JsonValue | None) -> list[Mapping[str, JsonValue]]:
    """The mappings of a list argument (e.g. the images a ZIP lists); anything else: none."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]
