"""FIBO planner scenarios: a completed dataset's new schema by Clone Dataset As Draft (the
copy's schema set while it is a draft, every caption regenerated, explicit JSON captions PUT
after), and where it still rebuilds. Registered in `scenarios.SCENARIOS`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.resources import DesiredDataset
from tests.plan.factories import project, workspace
from tests.plan.factories_fibo import (
    FILE_SCHEMA,
    caption_text,
    converged_fibo,
    fibo_dataset,
    fibo_image,
    fibo_images,
    fibo_model,
)
from tests.plan.scenario_kit import Scenario, plan_of

EDITED_SCHEMA = {**FILE_SCHEMA, "style": "watercolour"}


def _pair(old: DesiredDataset, new: DesiredDataset) -> Scenario:
    """`old` applied and trained on, the manifest now declaring `new`."""
    world = converged_fibo(workspace(project(datasets=(old,), models=(fibo_model(),))))
    return plan_of(workspace(project(datasets=(new,), models=(fibo_model(),))), world)


def _captioned(**kw: Any) -> DesiredDataset:
    first = fibo_image("fox-01.png", caption=caption_text("fox-01.png", pose="waving"))
    imgs = kw.pop("imgs", (first, *fibo_images(6)[1:]))
    return fibo_dataset(imgs=imgs, **kw)


def fibo_schema_edited_completed_with_caption_and_images() -> Scenario:
    """New schema, one image removed, one added, a NAME.json caption kept: clone, set the
    schema, regenerate every caption, wait, then only the delete, the upload and the
    explicit caption PUT again (regenerating overwrote it)."""
    old = _captioned(schema=FILE_SCHEMA)
    kept = old.images[:5]
    new = _captioned(schema=EDITED_SCHEMA, imgs=(*kept, fibo_image("fox-09.png")))
    return Scenario(
        _pair(old, new),
        {
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-01.png": "update",
            "acme/datasets/v1/images/fox-06.png": "delete",
            "acme/datasets/v1/images/fox-09.png": "create",
            "acme/models/fibo": "replace",
        },
    )


def fibo_refine_edited_completed() -> Scenario:
    """Other refine instructions on a completed `auto` schema: the clone's schema is
    generated from the same sample, refined, set; captions regenerated."""
    old = fibo_dataset(auto=True, refine=("add a scarf",))
    new = fibo_dataset(auto=True, refine=("set the style to 'ink'",))
    return Scenario(_pair(old, new), {"acme/datasets/v1": "replace", "acme/models/fibo": "replace"})


def fibo_advanced_schema_edited_completed() -> Scenario:
    """An advanced dataset's images stay: the clone sends no image, so it is cloned too
    (no second bulk upload is needed)."""
    old = _captioned(schema=FILE_SCHEMA, upload_type="advanced", increase_resolution=False)
    new = _captioned(schema=EDITED_SCHEMA, upload_type="advanced", increase_resolution=False)
    return Scenario(
        _pair(old, new),
        {
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-01.png": "update",
            "acme/models/fibo": "replace",
        },
    )


def fibo_advanced_schema_edited_image_added_completed() -> Scenario:
    """An advanced dataset's new image needs a bulk upload into an empty dataset: rebuilt."""
    old = fibo_dataset(schema=FILE_SCHEMA, upload_type="advanced", increase_resolution=False)
    new = fibo_dataset(
        schema=EDITED_SCHEMA,
        upload_type="advanced",
        increase_resolution=False,
        imgs=(*fibo_images(6), fibo_image("fox-07.png")),
    )
    return Scenario(
        _pair(old, new),
        {
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-07.png": "create",
            "acme/models/fibo": "replace",
        },
    )


def fibo_schema_edited_completed_increase_resolution_changed() -> Scenario:
    """The copies were prepared with the old increase_resolution: rebuilt, and it says so."""
    old = fibo_dataset(schema=FILE_SCHEMA)
    new = fibo_dataset(schema=EDITED_SCHEMA, increase_resolution=False)
    return Scenario(_pair(old, new), {"acme/datasets/v1": "replace", "acme/models/fibo": "replace"})


def fibo_dataset_prevent_destroy_schema_edited() -> Scenario:
    """A completed FIBO dataset under its own prevent_destroy: a new schema would replace it
    (clone or not, the old version is deleted), so the plan is refused, naming the rule."""
    old = fibo_dataset(schema=FILE_SCHEMA, prevent_destroy=True)
    new = fibo_dataset(schema=EDITED_SCHEMA, prevent_destroy=True)
    return Scenario(
        _pair(old, new),
        {"acme/datasets/v1": "replace", "acme/models/fibo": "replace"},
        errors=1,
    )


CLONE_SCENARIOS: dict[str, Callable[[], Scenario]] = {
    fn.__name__: fn
    for fn in (
        fibo_schema_edited_completed_with_caption_and_images,
        fibo_refine_edited_completed,
        fibo_advanced_schema_edited_completed,
        fibo_advanced_schema_edited_image_added_completed,
        fibo_schema_edited_completed_increase_resolution_changed,
        fibo_dataset_prevent_destroy_schema_edited,
    )
}
