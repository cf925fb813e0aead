"""The API token in a holder that never prints it: repr, str and format show asterisks.

pydantic's SecretStr did this job; importing pydantic for it cost every command that talks to
Bria ~0.1 s. Only `get_secret_value()` gives the text (the Authorization header, redaction).
"""

from __future__ import annotations

HIDDEN = "**********"
"""What a secret shows wherever it is printed (as pydantic's SecretStr shows it)."""


class Secret:
    """A string that is not shown: `str`, `repr` and f-strings give asterisks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{HIDDEN}')"

    def __str__(self) -> str:
        return HIDDEN

    def __format__(self, spec: str) -> str:
        return format(HIDDEN, spec)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
