"""`@record` behaves as `@dataclass(frozen=True)` does: the same ==, hash, repr, immutability
and fields, from methods shared by every record instead of generated for each class."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from reconciler.records import record


def _twins() -> tuple[type, type]:
    """One class body, built as a frozen dataclass and as a record."""

    def body(decorate: Callable[[type], type]) -> type:
        class Item:
            """A record with defaults, a field left out of ==, and one left out of repr."""

            name: str
            size: int = 0
            tags: tuple[str, ...] = ()
            load: Callable[[], int] = field(default=int, compare=False)
            secret: str = field(default="", repr=False)

        return decorate(Item)

    return body(dataclass(frozen=True)), body(record)


GENERATED, SHARED = _twins()


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("a",), ("a",)),
        (("a", 1), ("a", 2)),
        (("a", 1, ("x",)), ("a", 1, ("x",))),
        (("a", 1, (), lambda: 1), ("a", 1, (), lambda: 2)),  # load is not compared
        (("a", 1, (), int, "s"), ("a", 1, (), int, "t")),
    ],
)
def test_equality_hash_and_repr_are_the_dataclasses(left: tuple, right: tuple) -> None:
    for one, other in ((GENERATED(*left), GENERATED(*right)), (SHARED(*left), SHARED(*right))):
        assert (one == other) is (GENERATED(*left) == GENERATED(*right))
        assert (one != other) is (GENERATED(*left) != GENERATED(*right))
    assert hash(SHARED(*left)) == hash(SHARED(*left))
    assert (hash(SHARED(*left)) == hash(SHARED(*right))) is (SHARED(*left) == SHARED(*right))
    assert repr(SHARED(*left)) == repr(GENERATED(*left))


def test_another_class_is_never_equal() -> None:
    assert SHARED("a") != GENERATED("a")
    assert SHARED("a") != ("a", 0, (), int, "")
    assert SHARED("a").__eq__(1) is NotImplemented


def test_a_record_is_a_frozen_dataclass() -> None:
    item = SHARED("a", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.name = "b"  # type: ignore[misc]
    assert dataclasses.replace(item, size=2) == SHARED("a", 2)
    assert [f.name for f in dataclasses.fields(item)] == ["name", "size", "tags", "load", "secret"]


def test_slots_and_a_classes_own_methods_are_kept() -> None:
    @record(slots=True)
    class Point:
        """A record with an equality of its own."""

        x: int
        y: int

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Point) and self.x == other.x

        def __hash__(self) -> int:
            return hash(self.x)

    assert not hasattr(Point(1, 2), "__dict__")
    assert Point(1, 2) == Point(1, 3) and hash(Point(1, 2)) == hash(Point(1, 3))
    assert repr(Point(1, 2)).endswith(".<locals>.Point(x=1, y=2)")  # qualname, as dataclasses

    @record
    class Label:
        """An own __eq__ alone: the hash is still the record's."""

        text: str

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Label) and self.text.lower() == other.text.lower()

    assert Label("A") == Label("a")
    assert hash(Label("a")) == hash(Label("a"))
