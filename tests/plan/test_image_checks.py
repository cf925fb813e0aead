"""The planner's Bria image rules (`check_dataset`) ask each uncaptioned image size once, and an
image's file size apart: the findings must be exactly those of asking every image in full."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.bria_rules import (
    MAX_IMAGE_BYTES,
    ImageRuleFacts,
    image_size_violations,
    image_violations,
)
from reconciler.plan.compare.checks import check_dataset
from reconciler.plan.draft import DraftPlan
from reconciler.plan.model import Diagnostic
from reconciler.resources import DesiredDataset
from tests.plan.factories import dataset, image, project

_SIDES = st.sampled_from([64, 255, 256, 512, 1023, 1024, 2048])
_BYTES = st.sampled_from([0, 50_000, MAX_IMAGE_BYTES, MAX_IMAGE_BYTES + 1, 3 * MAX_IMAGE_BYTES])
_CAPTIONS = st.sampled_from([None, "", "  ", "a fox", '{"scene": "a fox"}', "[1]"])
_VERSIONS = st.sampled_from(["max", "light", "fibo"])
_UNTIMED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""No deadline: a loaded machine is slow, not wrong."""


@_UNTIMED
@given(
    width=_SIDES,
    height=_SIDES,
    size_bytes=_BYTES,
    upload=st.sampled_from(["basic", "advanced"]),
    upscale=st.booleans(),
    caption=_CAPTIONS,
    is_json=st.booleans(),
    version=_VERSIONS,
)
def test_the_file_size_rule_is_asked_first_and_apart(
    width: int,
    height: int,
    size_bytes: int,
    upload: str,
    upscale: bool,
    caption: str | None,
    is_json: bool,
    version: str,
) -> None:
    """What the planner's split relies on: `image_violations` = the file size's, then the
    rest, which does not depend on the file size."""
    facts = ImageRuleFacts(width, height, size_bytes, upload, upscale, caption, is_json, version)
    rest = image_violations(replace(facts, size_bytes=None))
    assert image_violations(facts) == image_size_violations(size_bytes, upload) + rest


def _image_findings(ds: DesiredDataset) -> list[Diagnostic]:
    out = DraftPlan()
    check_dataset(out, project(datasets=(ds,)), ds)
    return [d for d in out.diagnostics if d.address is not None and d.address.image]


@_UNTIMED
@given(
    shapes=st.lists(st.tuples(_SIDES, _SIDES, _BYTES, _CAPTIONS), min_size=1, max_size=12),
    upload=st.sampled_from(["basic", "advanced"]),
    upscale=st.booleans(),
    version=_VERSIONS,
)
def test_a_dataset_finds_what_its_images_find_one_by_one(
    shapes: list[tuple[int, int, int, str | None]], upload: str, upscale: bool, version: str
) -> None:
    imgs = tuple(
        replace(
            image(f"fox-{n:02d}.png", caption=caption, size=(width, height)),
            size_bytes=size_bytes,
        )
        for n, (width, height, size_bytes, caption) in enumerate(shapes)
    )
    ds = dataset(
        imgs=imgs, upload_type=upload, increase_resolution=upscale, training_version=version
    )
    one_by_one = [found for img in imgs for found in _image_findings(replace(ds, images=(img,)))]
    assert _image_findings(ds) == one_by_one
    assert len(one_by_one) >= sum(
        side < 256 for width, height, _, _ in shapes for side in [min(width, height)]
    )
