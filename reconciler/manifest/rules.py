"""Manifest checks that need no files other than the manifest itself.

Two layers: pydantic's errors turned into messages a user can act on (with the YAML position
and a "did you mean" hint), then the rules that span fields, each located at the key that
breaks it. Image checks, which read files, live in `images.py`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from reconciler.addresses import KEY_RULE, non_ascii_note
from reconciler.errors import Location, ManifestError
from reconciler.manifest.schema import (
    IMAGE_TAGS,
    NOT_BLANK,
    Dataset,
    Ip,
    Manifest,
    Model,
)
from reconciler.manifest.yamlload import LoadedYaml, PathKey
from reconciler.resources import (
    CAPTION_PREFIX_AUTO,
    DEFAULT_TOTAL_TRAINING_STEPS,
    ILLUSTRATION_ONLY_IP_TYPES,
    IP_DESCRIPTION_REQUIRED,
    IP_NAME_REQUIRED,
    PREFIX_IP_TYPES,
)

_QUOTED = re.compile(r"'([^']*)'")


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice, when one is close enough to be a likely typo."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{matches[0]}'?" if matches else None


def dotted(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the top level"


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
        return ManifestError(
            f"{field}: {value!r} is not one of {', '.join(choices)}",
            hint=hint,
            location=location,
        )
    if kind == "model_type" and len(path) >= 2 and path[-2] == "images":
        return ManifestError(
            f"{field}: expected a path or glob, or a mapping with 'path' and 'caption', "
            f"not {_describe(value)}",
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
        f"{field}: {_lower_first(detail['msg'])}, not {_describe(value)}", location=location
    )


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


# ------------------------------------------------------------------ rules across fields


def cross_field_errors(manifest: Manifest, doc: LoadedYaml) -> list[ManifestError]:
    """Every rule across fields of a manifest that passed the schema."""
    errors = ip_errors(manifest.ip, doc)
    for key, dataset in manifest.datasets.items():
        errors.extend(dataset_errors(key, dataset, manifest.ip.type, doc))
    datasets: dict[str, Dataset | None] = dict(manifest.datasets)
    for key, model in manifest.models.items():
        errors.extend(model_errors(manifest.project, key, model, datasets, doc))
    errors.extend(_name_clashes(manifest, doc))
    return errors


def _name_clashes(manifest: Manifest, doc: LoadedYaml) -> list[ManifestError]:
    """Bria's names are how a lost create is recovered and how import finds an object, so
    two datasets of the project, or two models of one dataset, may not share one."""
    named: dict[tuple[str, str, str], str] = {}
    errors: list[ManifestError] = []
    entries: list[tuple[str, str, str, Dataset | Model]] = [
        *(("datasets", k, "", d) for k, d in sorted(manifest.datasets.items())),
        *(("models", k, m.dataset, m) for k, m in sorted(manifest.models.items())),
    ]
    for section, key, parent, entry in entries:
        name = entry.display_name or key
        first = named.setdefault((section, parent, name), key)
        if first == key:
            continue
        first_entry = (manifest.datasets if section == "datasets" else manifest.models)[first]
        scope = "this project" if section == "datasets" else f"dataset {parent!r}"
        errors.append(
            ManifestError(
                f"{section}.{key} is named {name!r} at Bria, like {section}.{first} "
                f"({_name_location(doc, section, first, first_entry)}); names must be unique "
                f"within {scope}",
                hint="give one of them another display_name: Bria's names are how tailor "
                "finds its objects again after a lost answer and how import finds them",
                location=_name_location(doc, section, key, entry),
            )
        )
    return errors


def _name_location(doc: LoadedYaml, section: str, key: str, entry: Dataset | Model) -> Location:
    if "display_name" in entry.model_fields_set:
        return doc.location((section, key, "display_name"))
    return doc.location((section, key), key=True)


def dataset_errors(
    key: str, dataset: Dataset, ip_type: str | None, doc: LoadedYaml
) -> list[ManifestError]:
    """Rules within one valid dataset; `ip_type` is None when the project's ip is invalid."""
    where = ("datasets", key)
    errors: list[ManifestError] = []
    if (
        dataset.upload == "advanced"
        and dataset.increase_resolution
        and ("increase_resolution" in dataset.model_fields_set)
    ):
        errors.append(
            ManifestError(
                f"datasets.{key}.increase_resolution: Bria does not upscale images in an "
                "advanced (bulk) upload; every image needs a shortest side of 1024 px",
                hint="remove increase_resolution, or use upload: basic",
                location=doc.location((*where, "increase_resolution")),
            )
        )
    auto = dataset.caption_prefix == CAPTION_PREFIX_AUTO
    if auto and ip_type is not None and ip_type not in PREFIX_IP_TYPES:
        errors.append(
            ManifestError(
                f"datasets.{key}.caption_prefix: 'auto' asks Bria's generate_prefix, which "
                f"supports only {', '.join(PREFIX_IP_TYPES)}, not {ip_type}",
                hint="omit caption_prefix for Bria's default, or write the prefix yourself",
                location=doc.location((*where, "caption_prefix")),
            )
        )
    return errors


def ip_errors(ip: Ip, doc: LoadedYaml) -> list[ManifestError]:
    errors: list[ManifestError] = []
    if ip.medium == "photography" and ip.type in ILLUSTRATION_ONLY_IP_TYPES:
        errors.append(
            ManifestError(
                f"ip.medium: photography is not available for {ip.type}; Bria allows it only "
                "for defined_character and stylized_scene",
                hint="use medium: illustration",
                location=doc.location(("ip", "medium")),
            )
        )
    if ip.type in IP_NAME_REQUIRED and ip.name is None:
        errors.append(
            ManifestError(
                f"'name' is required in ip when ip.type is {ip.type}",
                hint="the character's name, 1-3 words",
                location=doc.location(("ip",)),
            )
        )
    if ip.type in IP_DESCRIPTION_REQUIRED and ip.description is None:
        errors.append(
            ManifestError(
                f"'description' is required in ip when ip.type is {ip.type}",
                hint="a short description, up to 6 words",
                location=doc.location(("ip",)),
            )
        )
    return errors


def dataset_reference_errors(
    project: str, key: str, dataset: str, datasets: Mapping[str, Dataset | None], doc: LoadedYaml
) -> list[ManifestError]:
    """A model's `dataset:` names a dataset declared in its manifest (valid or not)."""
    if dataset in datasets:
        return []
    known = sorted(datasets)
    return [
        ManifestError(
            f"models.{key}.dataset: no dataset '{dataset}' in project '{project}'",
            hint=did_you_mean(dataset, known)
            or (f"datasets here: {', '.join(known)}" if known else "declare it under datasets"),
            location=doc.location(("models", key, "dataset")),
        )
    ]


def model_errors(
    project: str,
    key: str,
    model: Model,
    datasets: Mapping[str, Dataset | None] | None,
    doc: LoadedYaml,
) -> list[ManifestError]:
    """Rules of one valid model. A dataset mapped to None is declared but itself invalid;
    `datasets` None means the declared keys are unknown (the checks against them are skipped)."""
    where = ("models", key)
    errors: list[ManifestError] = []
    dataset = None
    if datasets is not None:
        errors.extend(dataset_reference_errors(project, key, model.dataset, datasets, doc))
        dataset = datasets.get(model.dataset)
    if dataset is not None and model.train and not dataset.completed:
        field = "train" if "train" in model.model_fields_set else "dataset"
        errors.append(
            ManifestError(
                f"models.{key}: training needs a completed dataset, but dataset "
                f"'{model.dataset}' has completed: false",
                hint=f"set completed: true on datasets.{model.dataset}, or train: false here",
                location=doc.location((*where, field)),
            )
        )
    params = model.parameters
    if params is not None and model.training_mode != "expert":
        errors.append(
            ManifestError(
                f"models.{key}.parameters: training parameters are only allowed with "
                "training_mode: expert",
                hint="set training_mode: expert, or remove parameters",
                location=doc.location((*where, "parameters"), key=True),
            )
        )
    if params is not None and params.checkpoint_interval is not None:
        total = params.total_training_steps or DEFAULT_TOTAL_TRAINING_STEPS
        if params.checkpoint_interval > total:
            errors.append(
                ManifestError(
                    f"models.{key}.parameters.checkpoint_interval: {params.checkpoint_interval} "
                    f"is more than total_training_steps ({total}"
                    f"{'' if params.total_training_steps else ', the default'})",
                    location=doc.location((*where, "parameters", "checkpoint_interval")),
                )
            )
    return errors


def lint_warnings(manifest: Manifest, doc: LoadedYaml) -> list[ManifestError]:
    """Things that work but are probably not what the user meant."""
    warnings: list[ManifestError] = []
    ip = manifest.ip
    if ip.name is not None and len(ip.name.split()) > 3:
        warnings.append(
            ManifestError(
                f"ip.name has {len(ip.name.split())} words; Bria asks for a name of 1-3 words",
                location=doc.location(("ip", "name")),
            )
        )
    if ip.description is not None and len(ip.description.split()) > 6:
        warnings.append(
            ManifestError(
                f"ip.description has {len(ip.description.split())} words; Bria asks for at most 6",
                location=doc.location(("ip", "description")),
            )
        )
    for key, model in manifest.models.items():
        params = model.parameters
        if (
            params is not None
            and params.lr_warmup_steps is not None
            and params.lr_scheduler != "constant_with_warmup"
        ):
            warnings.append(
                ManifestError(
                    f"models.{key}.parameters.lr_warmup_steps has no effect unless "
                    "lr_scheduler is constant_with_warmup",
                    location=doc.location(("models", key, "parameters", "lr_warmup_steps")),
                )
            )
    return warnings
