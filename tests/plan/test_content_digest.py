"""The dataset-level content digest: what it covers, and that a plan which trusts it is the
plan a full comparison makes, for every kind of change to a completed dataset."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.addresses import Address, Kind
from reconciler.engine.refresh import RefreshScope
from reconciler.plan import attributes as attrs
from reconciler.plan.builder import build_plan
from reconciler.plan.digest import content_digest, desired_digest
from reconciler.plan.model import Action, Plan
from reconciler.plan.planfile import plan_from_json, plan_to_json
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.resources import (
    DesiredDataset,
    DesiredImage,
    DesiredWorkspace,
    JsonValue,
    LiveSnapshot,
    RecordedResource,
    UnreadImages,
)
from tests.plan.factories import World, converged, dataset, image, images, project, workspace
from tests.plan.factories_fibo import (
    FILE_SCHEMA,
    caption_text,
    converged_fibo,
    fibo_dataset,
    fibo_image,
    schema_text,
)
from tests.plan.test_properties import workspaces

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)


def _completed(count: int = 4, **kw: Any) -> DesiredDataset:
    return dataset("v1", imgs=images(count), completed=True, **kw)


@FAST
@given(st.data())
def test_a_change_of_any_compared_field_anywhere_changes_the_digest(data: st.DataObject) -> None:
    """Over the builders' own output, so a field added to them is covered as it comes."""
    ds = _completed(caption_prefix="A drawing of Foxy, ")
    dataset_values = attrs.dataset_attributes(ds)
    image_values = [attrs.image_attributes(i) for i in ds.images]
    original = content_digest(dataset_values, image_values)
    which = data.draw(st.integers(min_value=-1, max_value=len(image_values) - 1))
    target = dataset_values if which < 0 else image_values[which]
    key = data.draw(st.sampled_from(sorted(target)))
    new = data.draw(json_values.filter(lambda v: v != target[key]))
    changed = {**target, key: new}
    if which < 0:
        after = content_digest(changed, image_values)
    else:
        after = content_digest(dataset_values, [*image_values[:which], changed,
                                                *image_values[which + 1:]])
    assert after != original


def test_every_image_and_dataset_field_the_manifest_sets_is_in_the_digest() -> None:
    ds = _completed(caption_prefix="A drawing of Foxy, ")
    first = ds.images[0]
    edits: list[DesiredDataset] = [
        replace(ds, images=(replace(first, path="elsewhere/fox-01.png"), *ds.images[1:])),
        replace(ds, images=(replace(first, sha256="0" * 64), *ds.images[1:])),
        replace(ds, images=(replace(first, caption="a fox"), *ds.images[1:])),
        replace(ds, images=(replace(first, name="fox-99.png"), *ds.images[1:])),
        replace(ds, images=ds.images[1:]),
        replace(ds, images=(*ds.images, image("fox-99.png"))),
        replace(ds, name="renamed"),
        replace(ds, caption_prefix="auto"),
        replace(ds, caption_prefix=None),
        replace(ds, completed=False),
        replace(ds, increase_resolution=not ds.increase_resolution),
        replace(ds, training_version="light"),
        replace(ds, prevent_destroy=True),
    ]
    digests = {desired_digest(d) for d in edits}
    assert len(digests) == len(edits)
    assert desired_digest(ds) not in digests


def test_a_field_a_builder_gains_is_covered_without_a_change_to_the_digest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ds = _completed()
    builder = attrs.image_attributes

    def with_extra(extra: str) -> Any:
        def image_attributes(img: DesiredImage, **kw: bool) -> dict[str, JsonValue]:
            return {**builder(img, **kw), "structured_caption": {"style": extra}}

        return image_attributes

    monkeypatch.setattr(attrs, "image_attributes", with_extra("flat"))
    flat = desired_digest(ds)
    monkeypatch.setattr(attrs, "image_attributes", with_extra("painterly"))
    assert desired_digest(ds) != flat


def test_key_order_and_image_order_do_not_matter() -> None:
    """A saved plan's `after` values come back with sorted keys, apply hashes those."""
    ds = _completed()
    values = [attrs.image_attributes(i) for i in ds.images]
    shuffled = [dict(reversed(list(v.items()))) for v in reversed(values)]
    assert content_digest(attrs.dataset_attributes(ds), shuffled) == desired_digest(ds)


@FAST
@given(st.permutations(range(5)), st.booleans())
def test_the_manifest_digest_is_the_digest_of_its_values_in_any_image_order(
    order: list[int], fibo: bool
) -> None:
    """desired_digest orders the images itself: as content_digest orders their values."""
    ds = _completed()
    if fibo:
        ds = replace(ds, training_version="fibo", caption_prefix=None)
    imgs = tuple(replace(ds.images[0], name=f"fox-{n}.png", path=f"i/{n}") for n in order)
    ds = replace(ds, images=imgs)
    values = [attrs.image_attributes(i, json_caption=fibo) for i in imgs]
    assert desired_digest(ds) == content_digest(attrs.dataset_attributes(ds), values)


# --------------------------------------------------------------------------- planning


def _with_digests(world: World, ws: DesiredWorkspace) -> list[RecordedResource]:
    """The state apply leaves: a digest on every completed dataset, as of `ws`."""
    recorded = dict(world.recorded)
    for p in ws.projects:
        for d in p.datasets:
            if d.completed:
                recorded[d.address] = replace(recorded[d.address], content_digest=desired_digest(d))
    return sorted(recorded.values(), key=lambda r: r.address.sort_key())


def _live(recorded: Sequence[RecordedResource], world: World) -> LiveSnapshot:
    """What refresh sees: completed datasets' images taken from the state."""
    return RefreshScope.from_recorded(recorded).as_read(world.snapshot())


def _unread(recorded: Sequence[RecordedResource], live: LiveSnapshot,
            ) -> tuple[list[RecordedResource], dict[Address, UnreadImages], LiveSnapshot]:
    """The same, as a plan that shows counts reads it: the images of completed datasets with
    a digest left unread in the state, and not taken into the live view either."""
    digested = {r.address: r.remote_id for r in recorded if r.content_digest is not None
                and r.attributes.get("completed") is True}
    below: dict[Address, list[RecordedResource]] = {a: [] for a in digested}
    kept: list[RecordedResource] = []
    for r in recorded:
        if r.kind is Kind.IMAGE and r.parent in below:
            below[r.parent].append(r)
        else:
            kept.append(r)
    unread = {a: UnreadImages(len(found), partial(tuple, found)) for a, found in below.items()}
    images = {k: v for k, v in live.images.items()
              if k not in live.images_from_state or k not in digested.values()}
    return kept, unread, replace(live, images=images)


def _both(ws: DesiredWorkspace, recorded: Sequence[RecordedResource], live: LiveSnapshot,
          ) -> tuple[Plan, Plan]:
    """The plan trusting digests (checked equal whether the state's images were read or
    not), and the plan of a full comparison."""
    trusting = build_plan(ws, recorded, live)
    kept, unread, partial_live = _unread(recorded, live)
    lazy = build_plan(ws, kept, partial_live, unread_images=unread)
    assert replace(lazy, live_fingerprint="") == replace(trusting, live_fingerprint="")
    assert replace(lazy.materialised(), live_fingerprint="") == replace(
        trusting.materialised(), live_fingerprint=""
    )
    full = build_plan(ws, [replace(r, content_digest=None) for r in recorded], live)
    assert full.unchanged_images == ()
    return trusting, full


def _same_everywhere(trusting: Plan, full: Plan) -> None:
    assert trusting.materialised() == full
    assert trusting.summary == full.summary
    for verbose in (False, True):
        shown = render_text(trusting, header="h", color=False, verbose=verbose)
        assert shown == render_text(full, header="h", color=False, verbose=verbose)
    assert render_markdown(trusting, header="h") == render_markdown(full, header="h")
    text = json.dumps(plan_to_json(trusting), sort_keys=True)
    assert text == json.dumps(plan_to_json(full), sort_keys=True)
    assert plan_from_json(json.loads(text)) == full


def test_an_unchanged_completed_dataset_is_a_count_and_shows_as_before() -> None:
    ws = workspace(project(datasets=(_completed(20), dataset("v2", completed=False))))
    world = converged(ws)
    recorded = _with_digests(world, ws)
    trusting, full = _both(ws, recorded, _live(recorded, world))
    assert [(g.dataset.dataset, g.count) for g in trusting.unchanged_images] == [("v1", 20)]
    assert not [c for c in trusting.changes if c.kind is Kind.IMAGE and c.address.dataset == "v1"]
    assert len([c for c in full.changes if c.kind is Kind.IMAGE]) == 23
    assert not full.has_changes and not trusting.has_changes
    _same_everywhere(trusting, full)


def test_images_listed_from_bria_are_compared_in_full() -> None:
    """The review page lists completed datasets' images (no trust): no count then."""
    ws = workspace(project(datasets=(_completed(5),)))
    world = converged(ws)
    recorded = _with_digests(world, ws)
    trusting, full = _both(ws, recorded, world.snapshot())
    assert trusting.unchanged_images == ()
    assert trusting == full


COMPLETED_EDITS = {
    "caption added": lambda d: replace(d, images=(replace(d.images[0], caption="a fox"),
                                                  *d.images[1:])),
    "content": lambda d: replace(d, images=(replace(d.images[0], sha256="0" * 64),
                                            *d.images[1:])),
    "path only": lambda d: replace(d, images=(replace(d.images[0], path="moved/fox-01.png"),
                                              *d.images[1:])),
    "image added": lambda d: replace(d, images=(*d.images, image("fox-99.png"))),
    "image removed": lambda d: replace(d, images=d.images[1:]),
    "image renamed": lambda d: replace(d, images=(replace(d.images[0], name="fox-00.png"),
                                                  *d.images[1:])),
    "dataset renamed": lambda d: replace(d, name="Foxes"),
    "prefix": lambda d: replace(d, caption_prefix="A photo of Foxy, "),
    "prefix auto": lambda d: replace(d, caption_prefix="auto"),
    "reopened": lambda d: replace(d, completed=False),
    "increase_resolution": lambda d: replace(d, increase_resolution=not d.increase_resolution),
    "training_version": lambda d: replace(d, training_version="light"),
    "prevent_destroy": lambda d: replace(d, prevent_destroy=True),
}


@pytest.mark.parametrize("edit", sorted(COMPLETED_EDITS))
def test_every_kind_of_change_to_a_completed_dataset_still_shows(edit: str) -> None:
    ds = _completed(6, caption_prefix="A drawing of Foxy, ")
    ws = workspace(project(datasets=(ds,)))
    world = converged(ws)
    recorded = _with_digests(world, ws)
    changed = workspace(project(datasets=(COMPLETED_EDITS[edit](ds),)))
    trusting, full = _both(changed, recorded, _live(recorded, world))
    assert trusting.unchanged_images == ()
    assert trusting == full
    assert any(c.action is not Action.NO_OP for c in full.changes)


def test_a_console_rename_of_a_completed_dataset_is_compared_in_full() -> None:
    ws = workspace(project(datasets=(_completed(4),)))
    world = converged(ws)
    recorded = _with_digests(world, ws)
    did = world.id_of("acme/datasets/v1")
    world.datasets[did] = replace(world.datasets[did], name="renamed in the Console")
    trusting, full = _both(ws, recorded, _live(recorded, world))
    assert trusting.unchanged_images == () and trusting == full
    assert trusting.drift


def test_bria_reporting_another_image_count_lists_and_compares_in_full() -> None:
    ws = workspace(project(datasets=(_completed(4),)))
    world = converged(ws)
    recorded = _with_digests(world, ws)
    did = world.id_of("acme/datasets/v1")
    world.images[did] = world.images[did][1:]
    world.datasets[did] = replace(world.datasets[did], images_count=3)
    trusting, full = _both(ws, recorded, _live(recorded, world))
    assert trusting.unchanged_images == () and trusting == full


def test_a_target_or_an_unreadable_object_sees_every_image() -> None:
    ws = workspace(project(datasets=(_completed(4),)))
    world = converged(ws)
    recorded = _with_digests(world, ws)
    live = _live(recorded, world)
    image_address = ws.projects[0].datasets[0].images[1].address
    targeted = build_plan(ws, recorded, live, targets=[image_address])
    assert targeted.unchanged_images == ()
    assert image_address in {c.address for c in targeted.changes}
    assert not targeted.errors


@FAST
@given(workspaces(), workspaces())
def test_any_edit_plans_the_same_whether_or_not_the_digest_is_trusted(
    before: DesiredWorkspace, after: DesiredWorkspace
) -> None:
    world = converged(before)
    recorded = _with_digests(world, before)
    trusting, full = _both(after, recorded, _live(recorded, world))
    _same_everywhere(trusting, full)


FIBO_EDITS = {
    "none": lambda d: d,
    "JSON caption changed": lambda d: replace(d, images=(
        replace(d.images[0], caption=caption_text(d.images[0].name, mood="sleepy")),
        *d.images[1:])),
    "JSON caption dropped": lambda d: replace(d, images=(
        replace(d.images[0], caption=None, caption_origin=None), *d.images[1:])),
    "schema changed": lambda d: replace(d, visual_schema=schema_text({"style": "ink"})),
    "refine added": lambda d: replace(d, refine=("warmer palette",)),
    # A caption prefix is legacy-only (validate refuses it on a FIBO dataset): not an edit here.
    **{name: edit for name, edit in COMPLETED_EDITS.items() if not name.startswith("prefix")},
}


@pytest.mark.parametrize("edit", sorted(FIBO_EDITS))
def test_a_completed_fibo_dataset_plans_the_same_trusting_its_digest(edit: str) -> None:
    """JSON captions and the visual schema are in the digest through the builders."""
    imgs = tuple(
        fibo_image(f"fox-{i:02d}.png", caption=caption_text(f"fox-{i:02d}.png") if i % 2 else None)
        for i in range(1, 7)
    )
    ds = fibo_dataset(schema=FILE_SCHEMA, completed=True, imgs=imgs)
    ws = workspace(project(datasets=(ds,), models=()))
    world = converged_fibo(ws)
    for img in ds.images:  # as apply records them: a JSON caption as its object
        world.recorded[img.address] = replace(
            world.recorded[img.address], attributes=attrs.image_attributes(img, json_caption=True)
        )
    recorded = _with_digests(world, ws)
    changed = workspace(project(datasets=(FIBO_EDITS[edit](ds),), models=()))
    trusting, full = _both(changed, recorded, _live(recorded, world))
    assert bool(trusting.unchanged_images) is (edit == "none")
    _same_everywhere(trusting, full)
    assert any(c.action is not Action.NO_OP for c in full.changes) is (edit != "none")
