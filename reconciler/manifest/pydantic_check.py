"""A file `quickparse.py` was unsure of, checked by the pydantic models of `schema.py`.

The loader imports this (and with it pydantic) only for such a file, nearly always an invalid
one: its errors are worded by `schema_errors.py`, and the parts of an invalid manifest that
are valid on their own come back as records, so their rules still run in the same pass.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from reconciler.errors import ManifestError
from reconciler.manifest import parts, schema
from reconciler.manifest.schema_errors import schema_errors
from reconciler.manifest.yamlload import LoadedYaml

_Part = TypeVar("_Part")


def checked_manifest(doc: LoadedYaml) -> parts.Manifest | list[ManifestError]:
    """The manifest's record, or pydantic's errors on it."""
    model = _checked(schema.Manifest, doc)
    return model if isinstance(model, list) else schema.as_part(model)


def checked_settings(doc: LoadedYaml) -> dict[str, object] | list[ManifestError]:
    """tailor.yaml's settings set (as `quickparse.quick_settings`), or pydantic's errors."""
    model = _checked(schema.TailorFile, doc)
    return model if isinstance(model, list) else model.model_dump(exclude_none=True)


def _checked(
    model: type[schema.Manifest] | type[schema.TailorFile], doc: LoadedYaml
) -> BaseModel | list[ManifestError]:
    try:
        return model.model_validate(doc.data)
    except ValidationError as error:
        return schema_errors(error, doc, _json_schema(model))


@functools.cache
def _json_schema(model: type[schema.Manifest] | type[schema.TailorFile]) -> dict[str, Any]:
    """The model's JSON schema, which names the keys allowed where an unknown one is."""
    return model.model_json_schema()


def valid_ip(raw: object) -> parts.Ip | None:
    """`ip:` of an invalid manifest, when it is valid on its own."""
    return _valid(schema.Ip, parts.Ip, raw)


def valid_dataset(raw: object) -> parts.Dataset | None:
    return _valid(schema.Dataset, parts.Dataset, raw)


def valid_model(raw: object) -> parts.Model | None:
    return _valid(schema.Model, parts.Model, raw)


def _valid(model: type[BaseModel], part: type[_Part], raw: object) -> _Part | None:
    try:
        value = schema.as_part(model.model_validate(raw))
    except ValidationError:
        return None
    assert isinstance(value, part)
    return value


def valid_images(raw: object) -> list[str | parts.ImageEntry]:
    """A dataset's `images:` list when it is valid, though the dataset is not (else [])."""
    try:
        entries = _image_list().validate_python(raw)
    except ValidationError:
        return []
    return [entry if isinstance(entry, str) else schema.as_part(entry) for entry in entries]


@functools.cache
def _image_list() -> TypeAdapter[list[str | schema.ImageEntry]]:
    return TypeAdapter(list[schema.ImageSpec], config=ConfigDict(strict=True))
