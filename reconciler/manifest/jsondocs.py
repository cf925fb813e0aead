"""JSON documents a manifest points at: FIBO visual schemas and NAME.json caption sidecars.

Both are JSON objects read under the workspace file rules (`files.read_workspace_file`:
inside the workspace, regular, bounded). A file that is not valid JSON is reported at its own
line and column. The value kept is canonical JSON text (sorted keys), so that the same
document written two ways is the same caption or schema to the planner.
"""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.manifest.files import FileProblem, read_workspace_file

MAX_JSON_BYTES = 1024 * 1024
"""A visual schema or a structured caption is a few kilobytes; 1 MiB bounds what is read."""


class JsonProblem(FileProblem):
    """Why a JSON document cannot be used; `line` and `column` are 1-based, in the document."""

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.line = line
        self.column = column


def canonical_json(value: object) -> str:
    """One text for one document: sorted keys, Bria's `{"key": "value"}` spacing."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def parse_json_object(raw: bytes) -> str:
    """The canonical text of a JSON object given as bytes; JsonProblem with its position."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JsonProblem("is not UTF-8 text", "save it as UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise JsonProblem(
            f"is not valid JSON: {error.msg}", line=error.lineno, column=error.colno
        ) from None
    except ValueError as error:
        raise JsonProblem(f"is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise JsonProblem(f"must be a JSON object ({{...}}), not {_kind(value)}", line=1, column=1)
    if not value:
        raise JsonProblem("is an empty JSON object", line=1, column=1)
    return canonical_json(value)


def read_json_object(path: str | Path, root: Path) -> str:
    """A workspace file holding one JSON object, as canonical text."""
    return parse_json_object(read_workspace_file(path, root, limit=MAX_JSON_BYTES))


def mapping_as_json(value: dict[str, object]) -> str:
    """An inline YAML mapping as canonical JSON text; JsonProblem when YAML gave it values
    JSON cannot hold (a date, a float that is not finite)."""
    try:
        return canonical_json(value)
    except (TypeError, ValueError) as error:
        raise JsonProblem(f"holds a value JSON cannot: {error}") from None


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"
