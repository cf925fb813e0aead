"""The one error shape the sandbox answers with: message, constraint id, optional field list."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.constraints import Constraint


class BriaError(Exception):
    """A refusal by Bria's rules; the HTTP layer turns it into a JSON error body."""

    def __init__(
        self,
        constraint: Constraint,
        message: str,
        *,
        status: int | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.constraint = constraint
        self.message = message
        self.status = status if status is not None else constraint.statuses[0]
        self.errors = errors

    def body(self) -> dict[str, Any]:
        result: dict[str, Any] = {"message": self.message, "constraint_id": self.constraint.id}
        if self.errors is not None:
            result["errors"] = self.errors
        return result
