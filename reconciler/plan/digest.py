"""A dataset's content digest: one hash of every attribute the planner compares for it.

Apply records it when a dataset ends completed (`StateStore.record_digest`); the next plan
hashes the manifest's dataset the same way, and when the two agree (and the state's image
rows are untouched since) the dataset's images need no comparison one by one. It is made
from the `attributes` builders' output, never from a list of fields: a field added to a
builder (FIBO's visual schema, JSON captions) is covered without a change here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from operator import attrgetter

from reconciler.plan import attributes as attrs
from reconciler.resources import DesiredDataset, JsonValue

_VERSION = b"tailor content digest 1\n"
"""Bumped when the encoding changes: an old digest then never matches (a full comparison)."""

_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), check_circular=False)
"""The builders' values are trees, never cyclic: not tracking each of 30,000 image dicts to
find a cycle saves a sixth of the encoding (the bytes are the same)."""
_NAME = attrgetter("name")


def content_digest(
    dataset: Mapping[str, JsonValue], images: Iterable[Mapping[str, JsonValue]]
) -> str:
    """The digest of a dataset's declared attributes and its images' (in name order).

    Keys are sorted, so a plan read back from a saved file (whose keys JSON sorted) gives the
    digest the planner gave from the manifest."""
    return _digest(dataset, sorted(images, key=lambda image: str(image.get("name"))))


def desired_digest(dataset: DesiredDataset) -> str:
    """The digest of what the manifest declares for `dataset`. Its images are put in name
    order before their attributes are made (the order `content_digest` gives them, by the
    same names), so no key is taken from each of thousands of dicts."""
    image_attributes, fibo = attrs.image_attributes, dataset.is_fibo
    return _digest(
        attrs.dataset_attributes(dataset),
        [image_attributes(i, json_caption=fibo) for i in sorted(dataset.images, key=_NAME)],
    )


def _digest(dataset: Mapping[str, JsonValue], ordered: list[Mapping[str, JsonValue]]) -> str:
    digest = hashlib.sha256(_VERSION)
    digest.update(_ENCODER.encode([dataset, ordered]).encode())
    return digest.hexdigest()
