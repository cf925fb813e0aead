"""Factories for FIBO planner scenarios: datasets with a visual schema, JSON captions, and the
state + live a clean FIBO apply leaves behind.

Schemas and captions are canonical JSON text, as the manifest loader gives them
(`manifest.jsondocs.canonical_json`): a file and an inline mapping of the same document are
the same text to the planner.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from reconciler.manifest.jsondocs import canonical_json
from reconciler.resources import DesiredDataset, DesiredImage, DesiredModel, DesiredWorkspace
from tests.plan.factories import World, converged, dataset, image, images, model

FILE_SCHEMA: dict[str, Any] = {
    "style": "flat vector illustration",
    "palette": ["orange", "cream", "charcoal"],
    "subject": {"character": "Foxy", "pose": "string"},
}
"""The document in a `visual_schema: schema.json` file (and, the same, as an inline mapping)."""

GENERATED_SCHEMA: dict[str, Any] = {
    "subjects": ["fox"],
    "settings": ["forest"],
    "palette": ["#e07a2f", "#f5ecd7"],
    "moods": ["playful"],
}
"""What Bria's generate_visual_schema answered (and refine changed) at the last apply."""


def schema_text(document: dict[str, Any]) -> str:
    return canonical_json(document)


def caption_text(name: str, **fields: Any) -> str:
    """A NAME.json sidecar caption (canonical JSON text)."""
    return canonical_json({"subject": f"Foxy in {name}", **fields})


def fibo_image(name: str, *, dataset: str = "v1", caption: str | None = None) -> DesiredImage:
    picked = image(name, dataset=dataset, caption=caption)
    return replace(picked, caption_origin=None if caption is None else "sidecar")


def fibo_images(count: int, *, dataset: str = "v1") -> tuple[DesiredImage, ...]:
    return images(count, dataset=dataset)


def fibo_dataset(
    key: str = "v1",
    *,
    count: int = 6,
    schema: dict[str, Any] | None = None,
    auto: bool = False,
    imgs: tuple[DesiredImage, ...] | None = None,
    **kw: Any,
) -> DesiredDataset:
    """A FIBO dataset: `auto` for `visual_schema: auto`, else `schema` (a file's or an inline
    mapping's document), else no schema at all (a draft)."""
    return dataset(
        key,
        imgs=imgs if imgs is not None else fibo_images(count, dataset=key),
        training_version="fibo",
        visual_schema=None if auto or schema is None else schema_text(schema),
        visual_schema_auto=auto,
        **kw,
    )


def fibo_model(key: str = "fibo", *, dataset: str = "v1", **kw: Any) -> DesiredModel:
    return model(key, dataset=dataset, training_version="fibo", **kw)


def converged_fibo(ws: DesiredWorkspace) -> World:
    """`converged`, with what a FIBO apply records (the generated schema, captions as JSON
    objects) and what Bria shows of a FIBO dataset: no caption prefix, JSON captions."""
    world = converged(ws)
    for project in ws.projects:
        for desired in project.datasets:
            if not desired.is_fibo:
                continue
            did = world.id_of(str(desired.address))
            rec = world.recorded[desired.address]
            if desired.visual_schema_auto:  # the state records the schema Bria generated
                attributes = {**rec.attributes, "visual_schema": GENERATED_SCHEMA}
                rec = replace(rec, attributes=attributes)
                world.recorded[desired.address] = rec
            world.datasets[did] = replace(
                world.datasets[did],
                caption_prefix=None,
                training_version="fibo",
                visual_schema=rec.attributes["visual_schema"],
            )
            world.images[did] = [
                replace(
                    live,
                    caption=live.caption
                    if live.caption_source == "manual"
                    else caption_text(live.name, source="automatic"),
                )
                for live in world.images[did]
            ]
    return world
