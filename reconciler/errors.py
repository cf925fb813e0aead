"""Our own exception types. The CLI is the one place they become exit codes.

Every error is written for the user: a short summary, then (optionally) what to do, and where
in their files it happened. Nothing here may ever hold the API token.

    TailorError
     ├── ConfigError          settings, tailor.yaml, flags, environment
     ├── ManifestError        one problem in a manifest or workspace file (has a Location)
     ├── ValidationFailed     many ManifestErrors at once (validate reports all, not the first)
     ├── StateError           the state store
     │    └── LockError        another run holds the lock (names the holder)
     ├── PlanError            the plan cannot be made or used (prevent_destroy, stale plan file)
     ├── ApplyError           apply finished with failures (details already reported)
     └── ApiError             Bria answered with an error (defined in reconciler.client.errors)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """Where in the user's files a problem is: 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


class TailorError(Exception):
    """Base of every error tailor reports to a user."""

    exit_code: int = 1

    def __init__(
        self, message: str, *, hint: str | None = None, location: Location | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigError(TailorError):
    """Settings that cannot be used: a bad tailor.yaml, flag or environment variable."""


class ManifestError(TailorError):
    """One problem in a manifest, an image or the workspace layout."""


class ValidationFailed(TailorError):
    """Several manifest problems, reported together so the user fixes them in one go."""

    def __init__(self, errors: list[ManifestError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.location or Location(""), e.message))
        count = len(self.errors)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in the workspace")

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class StateError(TailorError):
    """The state store cannot be read or written."""


class LockError(StateError):
    """Another run holds the state lock."""


class PlanError(TailorError):
    """The plan cannot be made, or a saved plan cannot be used."""


class ApplyError(TailorError):
    """An apply ended with failed steps; what succeeded is recorded in the state."""
