"""Properties of the sample `visual_schema: auto` sends to generate_visual_schema (pure): the
same whatever the manifest's order or the files' names, and always 5-10 of the dataset's own
images when it has at least 5 (Bria's minItems 5, maxItems 10)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.plan.builder import build_plan
from reconciler.plan.model import StepKind
from reconciler.resources import DesiredImage, JsonValue, LiveSnapshot
from tests.plan.factories import image, project, workspace
from tests.plan.factories_fibo import fibo_dataset

CONTENTS = st.sampled_from([f"pixels {i}" for i in range(60)])
"""Few enough that two files sometimes hold the same pixels (a tie the sample must break)."""


@st.composite
def fibo_images(draw: st.DrawFn) -> tuple[DesiredImage, ...]:
    count = draw(st.integers(min_value=5, max_value=40))
    names = draw(st.lists(st.integers(1, 999), min_size=count, max_size=count, unique=True))
    return tuple(image(f"img-{n:03d}.png", content=draw(CONTENTS)) for n in names)


def _sample(imgs: tuple[DesiredImage, ...]) -> tuple[list[JsonValue], dict[str, JsonValue]]:
    """The generate step's `images` and `sha256` args in the plan of a new dataset."""
    ds = fibo_dataset(auto=True, imgs=imgs)
    plan = build_plan(workspace(project(datasets=(ds,), models=())), [], LiveSnapshot())
    assert plan.errors == (), [d.summary for d in plan.errors]
    [step] = [s for c in plan.changes for s in c.steps if s.kind is StepKind.GENERATE_VISUAL_SCHEMA]
    paths, hashes = step.args["images"], step.args["sha256"]
    assert isinstance(paths, list) and isinstance(hashes, dict)
    return paths, hashes


@settings(max_examples=60, deadline=None)
@given(imgs=fibo_images(), data=st.data())
def test_the_sample_does_not_depend_on_the_manifest_order(
    imgs: tuple[DesiredImage, ...], data: st.DataObject
) -> None:
    shuffled = tuple(data.draw(st.permutations(imgs)))
    assert _sample(shuffled) == _sample(imgs)


@settings(max_examples=60, deadline=None)
@given(imgs=fibo_images())
def test_the_sample_is_5_to_10_of_the_datasets_own_images(imgs: tuple[DesiredImage, ...]) -> None:
    paths, hashes = _sample(imgs)
    by_path = {i.path: i.sha256 for i in imgs}
    assert 5 <= len(paths) <= 10
    assert len(paths) == min(len(imgs), 10)
    assert len(set(paths)) == len(paths)
    assert hashes == {p: by_path[str(p)] for p in paths}


@settings(max_examples=40, deadline=None)
@given(imgs=fibo_images(), data=st.data())
def test_the_sample_is_chosen_by_content_not_by_name(
    imgs: tuple[DesiredImage, ...], data: st.DataObject
) -> None:
    """Renaming the files (the same pixels under other names) samples the same pixels."""
    names = data.draw(st.permutations([i.name for i in imgs]))
    renamed = tuple(_renamed(i, name) for i, name in zip(imgs, names, strict=True))
    assert sorted(_sample(renamed)[1].values()) == sorted(_sample(imgs)[1].values())


def _renamed(picked: DesiredImage, name: str) -> DesiredImage:
    """`picked`'s pixels under another file name."""
    other = image(name)
    return replace(picked, address=other.address, name=name, path=other.path)
