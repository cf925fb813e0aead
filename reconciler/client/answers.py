"""Reading Bria's answers into response models: a misfit is our UnreadableAnswer, in one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from reconciler.client.errors import ApiError, unreadable
from reconciler.client.wire import Answer

M = TypeVar("M", bound=BaseModel)


def problem(error: ValidationError) -> str:
    """What was wrong, in one line: the first field Bria's answer did not fit."""
    first = error.errors(include_url=False)[0]
    if first["type"] == "json_invalid":
        return "the body is not JSON"
    where = ".".join(str(part) for part in first["loc"]) or "the body"
    given = first.get("input")
    shown = "" if isinstance(given, dict | list) else f" (got {given!r:.60})"
    more = len(error.errors()) - 1
    return f"{where}: {first['msg']}{shown}" + (f", and {more} more" if more else "")


def unreadable_answer(response: Answer, what: str) -> ApiError:
    return unreadable(response.status_code, what, method=response.method, path=response.path)


def one(model: type[M]) -> Callable[[Answer], M]:
    """A parser of answers holding one `model` object."""

    def parse(response: Answer) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            raise unreadable_answer(response, problem(error)) from None

    return parse
