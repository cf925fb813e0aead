"""The loader's quick DesiredImage constructor makes what the dataclass's own makes."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.addresses import Address
from reconciler.errors import Location
from reconciler.manifest.workspace import IMAGE_FIELDS, _new_image
from reconciler.resources import DesiredImage


def test_it_sets_every_field_of_the_dataclass_in_order() -> None:
    assert tuple(f.name for f in dataclasses.fields(DesiredImage)) == IMAGE_FIELDS


@settings(max_examples=100, deadline=None)
@given(
    name=st.text(min_size=1, max_size=8),
    caption=st.none() | st.text(max_size=8),
    origin=st.sampled_from([None, "explicit", "sidecar"]),
    width=st.integers(min_value=1, max_value=5000),
    height=st.integers(min_value=1, max_value=5000),
    image_format=st.sampled_from(["png", "jpeg", "webp"]),
    size=st.integers(min_value=0, max_value=2**40),
    line=st.integers(min_value=1, max_value=999),
)
def test_it_makes_an_image_equal_to_the_dataclass_s(
    name: str,
    caption: str | None,
    origin: str | None,
    width: int,
    height: int,
    image_format: str,
    size: int,
    line: int,
) -> None:
    values = {
        "address": Address("p", dataset="d", image=name),
        "name": name,
        "path": f"images/{name}",
        "sha256": "ab" * 32,
        "caption": caption,
        "caption_origin": origin,
        "width": width,
        "height": height,
        "format": image_format,
        "size_bytes": size,
        "location": Location("p.yaml", line, 3),
    }
    made = _new_image(*values.values())  # type: ignore[arg-type]
    expected = DesiredImage(**values)  # type: ignore[arg-type]
    assert made == expected
    assert hash(made) == hash(expected)
    assert repr(made) == repr(expected)
    assert tuple(getattr(made, field) for field in IMAGE_FIELDS) == tuple(values.values())
