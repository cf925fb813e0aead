"""FIBO's schema operations: Generate Visual Schema and Refine Structured Prompt (section 1.5).

Generate Visual Schema is stateless (no dataset): 5-10 sample images, as base64 or public URLs,
in; a visual schema as JSON text out, which the caller sets on a draft dataset with Update
Dataset. Refine Structured Prompt rewrites a schema or a caption from an instruction; it names
a dataset only to check ownership, and that dataset must be a draft.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reconciler.sandbox import constraints as c
from reconciler.sandbox import imaging, visual
from reconciler.sandbox.core import Core
from reconciler.sandbox.errors import BriaError
from reconciler.sandbox.generation import sample_bytes
from reconciler.sandbox.validate import Body, flag, given

SCHEMA_MIN_IMAGES = 5
SCHEMA_MAX_IMAGES = 10


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _strings(body: Body, key: str, rule: c.Constraint) -> list[str]:
    value = body.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BriaError(rule, f"{key} must be a list of strings")
    return value


class StructuredPrompts:
    def __init__(self, core: Core) -> None:
        self._core = core

    def generate_visual_schema(self, body: Body) -> dict[str, Any]:
        if not given(body, "images"):
            raise BriaError(c.VS_IMAGES_5_10, "images is required: 5 to 10 sample images")
        sources = _strings(body, "images", c.VS_IMAGES_5_10)
        if not SCHEMA_MIN_IMAGES <= len(sources) <= SCHEMA_MAX_IMAGES:
            raise BriaError(
                c.VS_IMAGES_5_10,
                f"Send between {SCHEMA_MIN_IMAGES} and {SCHEMA_MAX_IMAGES} images "
                f"(got {len(sources)})",
            )
        moderate = flag(body, "content_moderation", False)
        samples: list[tuple[str, str]] = []
        for source in sources:
            data = sample_bytes(
                self._core, source, from_url=is_url(source), rule=c.VS_IMAGE_INVALID
            )
            digest = hashlib.sha256(data).hexdigest()
            if moderate and self._core.faults.is_blocked(digest):
                raise BriaError(c.VS_MODERATION, "An image was blocked by content moderation")
            samples.append((digest, imaging.mean_colour(data)))
        return {"visual_schema": json.dumps(visual.derive_schema(samples))}

    def refine(self, body: Body) -> dict[str, Any]:
        dataset_id = body.get("dataset_id")
        if isinstance(dataset_id, bool) or not isinstance(dataset_id, int):
            raise BriaError(c.REFINE_FIELDS, "dataset_id is required and must be an integer")
        document = visual.parse(body.get("structured_prompt"))
        if document is None:
            raise BriaError(
                c.REFINE_FIELDS, "structured_prompt is required: a string holding a JSON object"
            )
        instruction = body.get("instruction")
        if not isinstance(instruction, str) or not instruction.strip():
            raise BriaError(c.REFINE_FIELDS, "instruction is required and must not be empty")
        if given(body, "context_images"):
            _strings(body, "context_images", c.REFINE_FIELDS)
        with self._core.store.transaction():
            dataset = self._core.dataset(dataset_id, c.REFINE_DATASET)
        if dataset["status"] != "draft":
            raise BriaError(
                c.REFINE_DRAFT,
                f"Dataset {dataset_id} is {dataset['status']}; refine against a draft dataset",
            )
        return {"structured_prompt": json.dumps(visual.refine(document, instruction))}
