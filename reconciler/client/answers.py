"""Reading Bria's answers into records: a misfit is our UnreadableAnswer, in one line.

A plainly well-formed answer is read by the records' quick reader (`json_records.py`). Any other
goes to the pydantic models (`pydantic_models.py`, loaded only then), which read it with the
same tolerance as before and word what does not fit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from reconciler.client.errors import ApiError, unreadable
from reconciler.client.json_records import JsonRecord, Unsure
from reconciler.client.wire import Answer
from reconciler.resources import UnreadableObject

if TYPE_CHECKING:
    from pydantic import ValidationError

    from reconciler.addresses import Kind

logger = logging.getLogger("reconciler.client")

R = TypeVar("R", bound=JsonRecord)
T = TypeVar("T")


class Listing(list[T]):
    """A list answer's readable objects; `skipped` are those tailor could not read."""

    skipped: tuple[UnreadableObject, ...] = ()


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


def _no_constant(name: str) -> Any:
    raise Unsure  # NaN, Infinity: json reads them, pydantic refuses them


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
"""Made once: json.loads with an argument builds a decoder at every call (~2 us)."""


def decoded(content: bytes) -> Any:
    """The body as JSON where the quick reader can vouch it reads as pydantic's parser does:
    UTF-8, no NaN or Infinity, no escaped surrogate (pydantic refuses a lone one)."""
    if b"\\ud" in content or b"\\uD" in content:
        raise Unsure
    try:
        return _DECODER.decode(content.decode())
    except (ValueError, RecursionError):
        raise Unsure from None


def _quick(record: type[R], content: bytes) -> R:
    data = decoded(content)
    if type(data) is not dict:
        raise Unsure
    return record.quick(data)


def _by_pydantic(record: type[R], response: Answer) -> R | ValidationError:
    """What the record's pydantic model reads of the answer, or why it cannot."""
    from pydantic import ValidationError

    from reconciler.client.pydantic_models import read_json

    try:
        return read_json(record, response.content)
    except ValidationError as error:
        return error


def one(record: type[R]) -> Callable[[Answer], R]:
    """A parser of answers holding one `record` object."""

    def parse(response: Answer) -> R:
        try:
            return _quick(record, response.content)
        except Unsure:
            made = _by_pydantic(record, response)
        if isinstance(made, JsonRecord):
            return made
        raise unreadable_answer(response, problem(made))

    return parse


def maybe(record: type[R]) -> Callable[[Answer], R | None]:
    """For writes: the object if the answer holds a readable one, else None (read it then)."""

    def parse(response: Answer) -> R | None:
        try:
            return _quick(record, response.content)
        except Unsure:
            made = _by_pydantic(record, response)
        return made if isinstance(made, JsonRecord) else None

    return parse


def _id_of(item: object) -> int | None:
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def many(record: type[R], kind: Kind) -> Callable[[Answer], Listing[R]]:
    """The whole list at once; when an item does not fit, item by item, skipping those."""

    def parse(response: Answer) -> Listing[R]:
        try:
            items = decoded(response.content)
            if type(items) is list and all(type(item) is dict for item in items):
                return Listing([record.quick(item) for item in items])
        except Unsure:
            pass
        return _many_by_pydantic(record, kind, response)

    return parse


def _many_by_pydantic(record: type[R], kind: Kind, response: Answer) -> Listing[R]:
    from pydantic import ValidationError

    from reconciler.client import pydantic_models

    try:
        return Listing(pydantic_models.read_list_json(record, response.content))
    except ValidationError:
        pass
    try:
        items: object = json.loads(response.content)
    except ValueError:
        raise unreadable_answer(response, "the body is not JSON") from None
    if not isinstance(items, list):
        raise unreadable_answer(response, f"expected a list, got {type(items).__name__}")
    readable: Listing[R] = Listing()
    skipped: list[UnreadableObject] = []
    for item in items:
        try:
            readable.append(pydantic_models.read(record, item))
        except ValidationError as error:
            skipped.append(UnreadableObject(kind, _id_of(item), problem(error)))
    readable.skipped = tuple(skipped)
    logger.debug("%s %s: %d item(s) skipped as unreadable", response.method,
                 response.path, len(skipped))
    return readable
