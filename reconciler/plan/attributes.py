"""The declared attributes of each kind, as flat JSON-able dicts.

The same shape is used three ways: `Change.after` (from the manifest), the state's recorded
attributes (the executor records `Change.after`, filling known-after-apply fields), and the
live view (what refresh saw, restricted to the declared fields). Keeping one shape is what makes
"declared fields only" diffs possible.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from reconciler.resources import (
    CAPTION_PREFIX_AUTO,
    DesiredDataset,
    DesiredImage,
    DesiredModel,
    DesiredProject,
    JsonValue,
    LiveDataset,
    LiveImage,
    LiveModel,
    LiveProject,
)

Attrs = dict[str, JsonValue]

_VERSION_ALIASES = {"bria-2.3": "light", "bria-3.2": "max"}


RECAPTION_DUE = "recaption_due"
"""A dataset attribute set with a new visual schema whose Regenerate All Captions is still to
come in the same change, cleared once it ended: a run that stops between them leaves it set,
so the next plan regenerates the captions though the schema no longer differs. The change's
final record (its declared attributes) drops it."""


def project_attributes(project: DesiredProject) -> Attrs:
    return {
        "name": project.name,
        "description": project.description,
        "ip_name": project.ip_name,
        "ip_description": project.ip_description,
        "ip_type": project.ip_type,
        "ip_medium": project.ip_medium,
        "prevent_destroy": project.prevent_destroy,
    }


def dataset_attributes(dataset: DesiredDataset) -> Attrs:
    """`caption_prefix` is the literal text (None when omitted or `auto`, whose text is only
    known after apply); `caption_prefix_auto` says the prefix was generated. A FIBO dataset
    has its schema instead, as a JSON object (None when generated: known after apply, or when
    not declared), whether it is generated, and the refine instructions; a legacy dataset's
    attributes are as they were before FIBO."""
    values: Attrs = {
        "name": dataset.name,
        "training_version": dataset.training_version,
        "upload_type": dataset.upload_type,
    }
    if not dataset.is_fibo:
        auto = dataset.caption_prefix == CAPTION_PREFIX_AUTO
        values["caption_prefix"] = None if auto else dataset.caption_prefix
        values["caption_prefix_auto"] = auto
    else:
        values["visual_schema"] = json_document(dataset.visual_schema)
        values["visual_schema_auto"] = dataset.visual_schema_auto
        values["refine"] = list(dataset.refine)
    values["completed"] = dataset.completed
    values["increase_resolution"] = dataset.increase_resolution
    values["prevent_destroy"] = dataset.prevent_destroy
    return values


def image_attributes(image: DesiredImage, *, json_caption: bool = False) -> Attrs:
    """`caption` None means automatic: Bria's generated caption is never compared. A FIBO
    image's caption (`json_caption`) is its JSON object, compared as an object."""
    return {
        "name": image.name,
        "path": image.path,
        "sha256": image.sha256,
        "caption": json_document(image.caption) if json_caption else image.caption,
    }


def json_document(text: str | None) -> JsonValue:
    """A schema's or caption's JSON text as its value; text that is not JSON stays text (a
    Console edit Bria accepted is then a difference, never a crash)."""
    if text is None:
        return None
    try:
        value: JsonValue = json.loads(text)
    except ValueError:
        return text
    return value


def model_attributes(model: DesiredModel) -> Attrs:
    parameters: dict[str, JsonValue] = {name: value for name, value in sorted(model.parameters)}
    return {
        "name": model.name,
        "description": model.description,
        "dataset": model.dataset,
        "training_version": model.training_version,
        "training_mode": model.training_mode,
        "parameters": parameters,
        "train": model.train,
        "prevent_destroy": model.prevent_destroy,
        "retain_on_replace": model.retain_on_replace,
    }


def live_project_view(live: LiveProject) -> Attrs:
    return {
        "name": live.name,
        "description": live.description,
        "ip_name": live.ip_name,
        "ip_description": live.ip_description,
        "ip_type": live.ip_type,
        "ip_medium": live.ip_medium,
    }


def live_dataset_view(live: LiveDataset) -> Attrs:
    """A field Bria's answer did not carry (None) is left out: unknown is not a change."""
    view: Attrs = {
        "name": live.name,
        "upload_type": live.upload_type,
        "completed": live.status == "completed",
    }
    if live.caption_prefix is not None:
        view["caption_prefix"] = live.caption_prefix
    if live.training_version is not None:
        view["training_version"] = live.training_version
    if live.visual_schema is not None:
        view["visual_schema"] = live.visual_schema
    return view


def live_image_view(live: LiveImage, *, json_caption: bool = False) -> Attrs:
    """A FIBO image's caption (`json_caption`) is read as its JSON object: Bria's spacing
    and key order are not a change."""
    caption = json_document(live.caption) if json_caption else live.caption
    return {"name": live.name, "caption": caption}


def live_model_view(
    live: LiveModel, dataset_key: str | None, declared: Mapping[str, JsonValue]
) -> Attrs:
    """`declared` are the parameters the user declared: only those are read back, because Bria
    fills defaults for the rest (and reports `{}` before training). Fields the answer lacked
    (None) are left out: unknown is not a change."""
    view: Attrs = {"name": live.name, "description": live.description}
    # Absent from Bria's published model object: left out when the answer lacks them, so an
    # unknown value never reads as a change (it would force a replace of a trained model).
    if live.training_version is not None:
        view["training_version"] = _VERSION_ALIASES.get(
            live.training_version, live.training_version
        )
    if live.training_mode is not None:
        view["training_mode"] = live.training_mode
    if dataset_key is not None:
        view["dataset"] = dataset_key
    if live.training_parameters:
        view["parameters"] = {
            k: live.training_parameters[k]
            for k in sorted(declared)
            if k in live.training_parameters
        }
    return view
