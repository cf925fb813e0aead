"""How many changes of each action a plan holds: the line every renderer and the JSON show."""

from __future__ import annotations

from reconciler.records import record


@record
class Summary:
    """Changes of a plan by action."""

    create: int = 0
    update: int = 0
    replace: int = 0
    delete: int = 0
    no_op: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "create": self.create,
            "update": self.update,
            "replace": self.replace,
            "delete": self.delete,
            "no-op": self.no_op,
        }
