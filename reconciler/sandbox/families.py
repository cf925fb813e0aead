"""Bria's two generations side by side: the legacy family and FIBO (PUBLISHED-OPENAPI, first part).

A dataset's `training_version` picks its family for good: legacy datasets (`max`, the default
today, `light`, `3.2`, `2.3`) have a text `caption_prefix` and prose captions; `fibo` datasets
have a JSON `visual_schema` and JSON captions. A project is locked to the family of its first
dataset; a model trains only on a dataset of its own family.
"""

from __future__ import annotations

import json

from reconciler.sandbox import imaging, visual
from reconciler.sandbox.store import Row

FIBO = "fibo"
DEFAULT_DATASET_VERSION = "max"
"""Bria's default today; its docs say it "will change to fibo in future updates"."""
DATASET_VERSIONS = frozenset({"max", "light", "3.2", "2.3", FIBO})
MODEL_VERSION_OF_DATASET = {
    "max": "max",
    "light": "light",
    "3.2": "bria-3.2",
    "2.3": "bria-2.3",
    FIBO: FIBO,
}
"""The model training_version that matches a dataset's, used when a FIBO model omits it."""
FIBO_MIN_IMAGES = 5
LEGACY_MIN_IMAGES = 1


def is_fibo(version: object) -> bool:
    return version == FIBO


def same_family(first: object, second: object) -> bool:
    return is_fibo(first) == is_fibo(second)


def family_name(version: object) -> str:
    return "FIBO" if is_fibo(version) else "legacy"


def automatic_caption(dataset: Row, digest: str) -> tuple[str, str]:
    """(caption, caption_source) Bria's captioner gives an image of this dataset.

    Legacy: the prefix continued in prose. FIBO: a JSON caption in the shape of the dataset's
    visual schema, or none yet (`pending`) while it has none (the caption column keeps "").
    """
    if not is_fibo(dataset.get("training_version")):
        return str(dataset["caption_prefix"]) + imaging.descriptor(digest), "automatic"
    if dataset.get("visual_schema") is None:
        return "", "pending"
    return json.dumps(visual.caption(dataset["visual_schema"], digest)), "automatic"


def is_json_text(value: object) -> bool:
    """A string holding a JSON object (visual schemas and FIBO captions)."""
    return visual.parse(value) is not None
