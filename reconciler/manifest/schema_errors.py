"""pydantic's errors on a manifest or tailor.yaml as messages a user can act on: each located
at its YAML position, with a "did you mean" hint where a key or choice looks misspelt.

Imported only when `quickparse.py` was unsure of a file (so pydantic checked it): a run whose
files are valid loads neither this nor pydantic.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from reconciler.addresses import KEY_RULE, non_ascii_note
from reconciler.bria_rules import parameter_range_violations
from reconciler.errors import ManifestError
from reconciler.manifest.rules import did_you_mean, dotted
from reconciler.manifest.schema import IMAGE_TAGS, NOT_BLANK
from reconciler.manifest.yamlload import LoadedYaml, PathKey

_QUOTED = re.compile(r"'([^']*)'")
_RANGE_ERRORS = frozenset({"greater_than_equal", "less_than_equal", "greater_than", "less_than"})
"""Pydantic's bound errors: an expert parameter's are worded by its Bria rule (TRAIN-RANGE)."""


def schema_errors(
    error: ValidationError, doc: LoadedYaml, schema: dict[str, Any]
) -> list[ManifestError]:
    """Pydantic's errors, as ManifestErrors located in the YAML file."""
    return [_one_schema_error(detail, doc, schema) for detail in error.errors()]


def _clean_loc(loc: tuple[int | str, ...]) -> PathKey:
    """Drop the union tags pydantic inserts after a list index of `images`."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if part in IMAGE_TAGS and i >= 2 and isinstance(loc[i - 1], int) and loc[i - 2] == "images":
            continue
        out.append(part)
    return tuple(out)


def _one_schema_error(
    detail: ErrorDetails, doc: LoadedYaml, schema: dict[str, Any]
) -> ManifestError:
    kind = detail["type"]
    value = detail["input"]
    if detail["loc"] and detail["loc"][-1] == "[key]":
        path = _clean_loc(detail["loc"][:-1])
        return ManifestError(
            f"{path[-1]!r} is not a valid key in {dotted(path[:-1])}"
            + non_ascii_note(str(path[-1])),
            hint=KEY_RULE,
            location=doc.location(path, key=True),
        )
    path = _clean_loc(detail["loc"])
    field = dotted(path)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(schema, path[:-1])
        name = str(path[-1])
        hint = did_you_mean(name, allowed) or (
            f"allowed here: {', '.join(sorted(allowed))}" if allowed else None
        )
        return ManifestError(
            f"unknown key '{name}' in {dotted(path[:-1])}",
            hint=hint,
            location=doc.location(path, key=True),
        )
    location = doc.location(path)
    if kind == "missing":
        return ManifestError(
            f"'{path[-1]}' is required in {dotted(path[:-1])}",
            location=doc.location(path[:-1]),
        )
    if kind in ("literal_error", "enum"):
        choices = _QUOTED.findall(str(detail.get("ctx", {}).get("expected", "")))
        hint = did_you_mean(str(value), choices) if isinstance(value, str) else None
        if _number(value) and str(value) in choices:
            hint = _QUOTE_IT.format(value=value)
        return ManifestError(
            f"{field}: {value!r} is not one of {', '.join(choices)}",
            hint=hint,
            location=location,
        )
    if kind in _RANGE_ERRORS and len(path) == 4 and path[2] == "parameters":
        for violation in parameter_range_violations(str(path[3]), value):
            return ManifestError(f"{field}: {violation.message}", location=location)
    if kind == "model_type" and len(path) >= 2 and path[-2] == "images":
        return ManifestError(
            f"{field}: expected a path or glob, or a mapping with 'path' and 'caption', "
            f"not {_describe(value)}",
            location=location,
        )
    if kind == "string_pattern_mismatch" and path == ("api",):
        return ManifestError(
            f"api: expected 'sandbox' or an http:// or https:// URL, not {_describe(value)}",
            hint=_api_hint(str(value)),
            location=location,
        )
    if kind == "string_pattern_mismatch" and path and path[-1] in ("project", "dataset"):
        return ManifestError(
            f"{field}: {value!r} is not a valid key{non_ascii_note(str(value))}",
            hint=KEY_RULE,
            location=location,
        )
    if kind == "string_too_short" or (
        kind == "string_pattern_mismatch" and detail.get("ctx", {}).get("pattern") == NOT_BLANK
    ):
        return ManifestError(f"{field} must not be empty", location=location)
    return ManifestError(
        f"{field}: {_lower_first(detail['msg'])}, not {_describe(value)}",
        hint=_QUOTE_IT.format(value=value) if kind == "string_type" and _number(value) else None,
        location=location,
    )


def _api_hint(value: str) -> str | None:
    """tailor.yaml's `api:` spelt wrong: the word, a URL without its scheme, or a space."""
    scheme, separator, _ = value.partition("://")
    if not separator:
        return did_you_mean(value, ["sandbox"]) or (
            f"a URL starts with its scheme, e.g. {EXAMPLE_API}"
        )
    if scheme in ("http", "https"):
        return "a URL holds no spaces"
    return f"the scheme is http or https, e.g. {EXAMPLE_API}"


EXAMPLE_API = "https://engine.prod.bria-api.com/v1"
_QUOTE_IT = "YAML reads {value} unquoted as a number; write it in quotes: '{value}'"


def _number(value: object) -> bool:
    return isinstance(value, float | int) and not isinstance(value, bool)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null (empty)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(schema: dict[str, Any], path: PathKey) -> list[str]:
    node = _schema_at(schema, path)
    if node is None:
        return []
    return sorted(node.get("properties", {}))


def _schema_at(schema: dict[str, Any], path: PathKey) -> dict[str, Any] | None:
    """Walk a JSON Schema along a data path, following $ref, anyOf and oneOf."""
    defs: dict[str, Any] = schema.get("$defs", {})
    node: dict[str, Any] | None = _object_variant(schema, defs)
    for part in path:
        if node is None:
            return None
        if isinstance(part, int):
            node = _object_variant(node.get("items", {}), defs)
        elif node.get("patternProperties"):
            node = _object_variant(next(iter(node["patternProperties"].values())), defs)
        elif isinstance(node.get("additionalProperties"), dict):
            node = _object_variant(node["additionalProperties"], defs)
        else:
            node = _object_variant(node.get("properties", {}).get(part, {}), defs)
    return node


def _object_variant(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any] | None:
    for _ in range(16):  # bounded: $ref chains in our own schema are short
        if "$ref" in node:
            node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
            continue
        variants = node.get("anyOf") or node.get("oneOf")
        if variants:
            objects = [_object_variant(v, defs) for v in variants]
            found = [o for o in objects if o is not None]
            return found[0] if found else None
        if node.get("type") in ("object", "array") or "properties" in node:
            return node
        return None
    return None
