"""`@record`: a frozen dataclass whose ==, hash and repr are written once, here.

Python 3.11 makes a dataclass's methods by compiling generated source when the class is
created: six methods for a frozen one, 0.45-0.7 ms a class. A record lets dataclasses generate
`__init__` and the frozen `__setattr__` / `__delattr__` and shares the other three, ~0.3 ms
less a class: ~15 ms of CPU for the ~50 records every plan or apply imports (measured in
benchmarks/README.md). The shared three behave as the generated ones do: equal when the other
side has the very same class and equal compared fields (in order), the hash of those fields,
and the repr `Name(field=value, ...)`. A method the class defines itself is kept, as
dataclasses keeps it. Everything else (fields, `replace`, `slots`, mypy's checks) is the
dataclass's own. (Bria's JSON answers are read into client/json_records.py's classes, a
different job.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, cast, dataclass_transform, overload

T = TypeVar("T")


@overload
def record(cls: type[T], /) -> type[T]: ...
@overload
def record(*, slots: bool = False) -> Callable[[type[T]], type[T]]: ...
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, slots: bool = False) -> Any:
    """`@record` or `@record(slots=True)` on a class written as for `@dataclass`."""

    def make(cls: type[T]) -> type[T]:
        made: Any = dataclass(cls, frozen=True, eq=False, repr=False, slots=slots)
        own = cls.__dict__
        made.__record_compared__ = _getter([f.name for f in fields(made) if f.compare])
        made.__record_hashed__ = _getter(
            [f.name for f in fields(made) if (f.compare if f.hash is None else f.hash)]
        )
        made.__record_shown__ = tuple(f.name for f in fields(made) if f.repr)
        if "__eq__" not in own:
            made.__eq__ = _eq
        if own.get("__hash__") is None:  # none of its own, or the None an own __eq__ sets
            made.__hash__ = _hash
        if "__repr__" not in own:
            made.__repr__ = _repr
        return cast("type[T]", made)

    return make if cls is None else make(cls)


def _getter(names: list[str]) -> Callable[[object], object]:
    """The values of `names` of an object (one value alone for one name: it is only ever
    compared or hashed with the same getter's result)."""
    return attrgetter(*names) if names else _nothing


def _nothing(_: object) -> tuple[()]:
    return ()


def _eq(self: Any, other: Any) -> Any:
    """NotImplemented for another class, as dataclasses' __eq__ answers."""
    if other.__class__ is not self.__class__:
        return NotImplemented
    compared = self.__record_compared__
    return compared(self) == compared(other)


def _hash(self: Any) -> int:
    return hash(self.__record_hashed__(self))


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_shown__)
    return f"{self.__class__.__qualname__}({shown})"
