"""Plain frozen records read from decoded JSON by their annotations, without pydantic.

Bria's answers and our requests are read on every call; pydantic's import alone cost each
command that talks to Bria ~0.1 s CPU. A `JsonRecord` subclass declares its fields as annotations
(as a dataclass does) and reads a value only when it is plainly of the declared type: the
exact JSON type, a null where the field has a default, an unknown field to ignore. Anything
else (a string where a number goes, a missing required field, an unknown `Literal` value, a
timestamp in a rarer form) is `Unsure`, and the record is made by the pydantic model of the
same name in `pydantic_models.py`, loaded only then: its tolerance, coercions and error
messages are the reference, and tests/client/test_quick_read.py proves the two agree.

Annotations understood: str, int, float, bool, Any, `X | None`, unions of those, `list[X]`,
`dict[str, Any]`, `Literal[...]` of strings, nested records, `Annotated[X, f, ...]` where
each `f` (a function of the value) runs before X is read and raises Unsure when unsure, and
`Annotated[X, Deferred(parse)]`: text is kept as given and parsed when the field is first
read (timestamps, which tailor rarely reads and which cost more than the rest of an answer).
"""

import inspect
import math
import types
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, Self, Union, dataclass_transform, get_args
from typing import get_origin as _origin

Reader = Callable[[Any], Any]
"""A field's quick reader: the value as the record holds it, or Unsure."""


class Unsure(Exception):
    """The quick reader cannot vouch for a value: pydantic's model decides instead."""


_REQUIRED: Any = object()


def _exactly(kind: type) -> Reader:
    def read(value: Any) -> Any:
        if type(value) is kind:
            return value
        raise Unsure

    return read


def _float(value: Any) -> Any:
    """JSON's 100 for a float field is 100.0, as pydantic reads it."""
    if type(value) is float:
        return value
    if type(value) is int and -(2**53) <= value <= 2**53:
        return float(value)
    raise Unsure


def _anything(value: Any) -> Any:
    return value


def _union(readers: list[Reader], optional: bool) -> Reader:
    def read(value: Any) -> Any:
        if value is None and optional:
            return None
        for member in readers:
            try:
                return member(value)
            except Unsure:
                continue
        raise Unsure

    return read


def _literal(allowed: frozenset[str]) -> Reader:
    def read(value: Any) -> Any:
        if type(value) is str and value in allowed:
            return value
        raise Unsure

    return read


def _list(item: Reader) -> Reader:
    def read(value: Any) -> Any:
        if type(value) is list:
            return [item(v) for v in value]
        raise Unsure

    return read


def _dict(value: Any) -> Any:
    if type(value) is dict and all(type(k) is str for k in value):
        return value
    raise Unsure


def _before(steps: tuple[Reader, ...], then: Reader) -> Reader:
    def read(value: Any) -> Any:
        for step in steps:
            value = step(value)
        return then(value)

    return read


class Deferred:
    """Annotated marker: keep a text value as given, `parse` it on the field's first read.
    `parse` takes any value and never raises Unsure (it asks pydantic itself when unsure)."""

    __slots__ = ("parse",)

    def __init__(self, parse: Reader) -> None:
        self.parse = parse


def _deferred(parse: Reader) -> Reader:
    def read(value: Any) -> Any:
        return value if type(value) is str else parse(value)

    return read


class _ParsedOnRead:
    """The class attribute of a Deferred field: parses the kept text once, on first read."""

    __slots__ = ("name", "parse")

    def __init__(self, name: str, parse: Reader) -> None:
        self.name, self.parse = name, parse

    def __get__(self, record: object, owner: type | None = None) -> Any:
        if record is None:
            return self
        held = record.__dict__
        value = held[self.name]
        if type(value) is str:
            value = held[self.name] = self.parse(value)
        return value

    def __set__(self, record: object, value: object) -> None:
        raise AttributeError(f"{type(record).__name__} is frozen")


def _deferral(annotation: Any) -> Deferred | None:
    if _origin(annotation) is Annotated:
        for mark in annotation.__metadata__:
            if isinstance(mark, Deferred):
                return mark
    return None


def _record(record: "type[JsonRecord]") -> Reader:
    def read(value: Any) -> Any:
        if type(value) is dict:
            return record.quick(value)
        if type(value) is record:
            return value
        raise Unsure

    return read


_SIMPLE: dict[Any, Reader] = {
    str: _exactly(str),
    int: _exactly(int),
    bool: _exactly(bool),
    float: _float,
    Any: _anything,
}


def reader_for(annotation: Any) -> Reader:
    """The quick reader of one annotation (module docstring); TypeError for any other."""
    simple = _SIMPLE.get(annotation)
    if simple is not None:
        return simple
    if isinstance(annotation, type) and issubclass(annotation, JsonRecord):
        return _record(annotation)
    origin, args = _origin(annotation), get_args(annotation)
    if origin is Annotated:
        deferred = _deferral(annotation)
        if deferred is not None:
            return _deferred(deferred.parse)
        return _before(annotation.__metadata__, reader_for(args[0]))
    if origin is Union or origin is types.UnionType:
        members = [a for a in args if a is not type(None)]
        return _union([reader_for(a) for a in members], len(members) < len(args))
    if origin is Literal and all(type(a) is str for a in args):
        return _literal(frozenset(args))
    if origin is list:
        return _list(reader_for(args[0]))
    if origin is dict and args[0] is str and args[1] is Any:
        return _dict
    if isinstance(annotation, type):
        return _instance(annotation)
    raise TypeError(f"no quick reader for {annotation!r}")


def _instance(kind: type) -> Reader:
    """A value already of a class (a datetime a caller passes): the Annotated steps made it."""

    def read(value: Any) -> Any:
        if isinstance(value, kind):
            return value
        raise Unsure

    return read


def _json_value(value: Any) -> Any:
    """A value as pydantic's JSON mode dumps it: a nested request as its body; a float that
    JSON cannot hold (inf, nan) as null."""
    if isinstance(value, JsonRecord):
        return value.body()
    if type(value) is float and not math.isfinite(value):
        return None
    return value


@dataclass_transform(kw_only_default=True, frozen_default=True)
class JsonRecord:
    """A frozen record: fields from the class's annotations, in declaration order, parents'
    first. Constructing one with keywords reads them as an answer's fields are read."""

    _fields: ClassVar[tuple[tuple[str, Reader, Any], ...]] = ()
    """(name, quick reader, default or _REQUIRED) of each field."""
    field_names: ClassVar[tuple[str, ...]] = ()
    _known: ClassVar[frozenset[str]] = frozenset()
    ignores_unknown: ClassVar[bool] = True
    """Answers: a field tailor does not know is ignored. Requests: it is pydantic's error."""
    null_is_default: ClassVar[bool] = True
    """Answers: a null where the field has a default reads as the default (Bria sends nulls
    for fields of the other generation). Requests: a null is a value like any other."""

    def __init_subclass__(cls) -> None:
        fields = {name: (name, reader, default) for name, reader, default in cls._fields}
        for name, annotation in inspect.get_annotations(cls).items():
            origin: object = _origin(annotation)
            if origin is ClassVar:
                continue
            default = cls.__dict__.get(name, fields[name][2] if name in fields else _REQUIRED)
            fields[name] = (name, reader_for(annotation), default)
            deferred = _deferral(annotation)
            if deferred is not None:
                setattr(cls, name, _ParsedOnRead(name, deferred.parse))
        cls._fields = tuple(fields.values())
        cls.field_names = tuple(fields)
        cls._known = frozenset(fields)

    def __init__(self, **values: Any) -> None:
        try:
            read = type(self)._read(values)
        except Unsure:
            read = _by_pydantic(type(self), values).__dict__
        self.__dict__.update(read)

    @classmethod
    def quick(cls, data: dict[str, Any]) -> Self:
        """The record from decoded JSON, or Unsure (then pydantic's model reads it)."""
        made = cls.__new__(cls)
        made.__dict__.update(cls._read(data))
        return made

    @classmethod
    def read(cls, data: object) -> Self:
        """The record from decoded JSON, as pydantic's `model_validate` reads it (its
        ValidationError when it cannot be read)."""
        if type(data) is dict:
            try:
                return cls.quick(data)
            except Unsure:
                pass
        from reconciler.client import pydantic_models

        return pydantic_models.read(cls, data)

    @classmethod
    def _read(cls, data: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, read, default in cls._fields:
            value = data.get(name, _REQUIRED)
            if value is _REQUIRED or (value is None and cls.null_is_default):
                if default is _REQUIRED:
                    if value is _REQUIRED:
                        raise Unsure
                    values[name] = read(value)
                else:
                    values[name] = default.copy() if type(default) in (list, dict) else default
            else:
                values[name] = read(value)
        if not cls.ignores_unknown:
            if not data.keys() <= cls._known:
                raise Unsure
            values["_given"] = frozenset(data)
        return values

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.field_names)

    def __hash__(self) -> int:
        return hash((type(self), *(getattr(self, n) for n in self.field_names)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.field_names)
        return f"{type(self).__name__}({shown})"

    def body(self) -> dict[str, Any]:
        """The JSON body: fields left unset (None) are not sent, so Bria applies its
        defaults."""
        return {
            n: _json_value(v) for n in self.field_names if (v := getattr(self, n)) is not None
        }


def _by_pydantic(record: type[JsonRecord], values: dict[str, Any]) -> JsonRecord:
    from reconciler.client import pydantic_models

    return pydantic_models.construct(record, values)
