"""Refusals by Bria's rules, in the body shapes Bria's published document gives them.

`{"message": ...}` by default, `{"errors": [{"msg", "field_name", "field_input"}]}` for
field-level validation (Start Training), and a bare JSON string where the document says so (the
checkpoint operations). `constraint_id` is an extra the sandbox adds to object bodies and, for
every shape, the `X-Sandbox-Constraint-Id` header: tests assert it, no client may rely on it.
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.constraints import Constraint

CONSTRAINT_HEADER = "X-Sandbox-Constraint-Id"


class BriaError(Exception):
    """A refusal by Bria's rules; the HTTP layer turns it into an error response."""

    def __init__(
        self,
        constraint: Constraint,
        message: str,
        *,
        status: int | None = None,
        errors: list[dict[str, str]] | None = None,
        bare: bool = False,
    ) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.message = message
        self.status = status if status is not None else constraint.statuses[0]
        self.errors = errors
        self.bare = bare

    def as_bare(self) -> BriaError:
        """The same refusal answered as a bare JSON string of its message."""
        return BriaError(self.constraint, self.message, status=self.status, bare=True)

    def body(self) -> Any:
        if self.bare:
            return self.message
        if self.errors is not None:
            return {"errors": self.errors, "constraint_id": self.constraint.id}
        return {"message": self.message, "constraint_id": self.constraint.id}

    def headers(self) -> dict[str, str]:
        return {CONSTRAINT_HEADER: self.constraint.id}
