"""FIBO planner scenarios on an applied workspace: schema and caption edits (draft: in place;
completed: a new version by clone, with the model cascade), the Console's changes, and images
that reached Bria before the schema. Registered in `scenarios.SCENARIOS`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from reconciler.addresses import Address
from reconciler.resources import DesiredImage, DesiredWorkspace
from tests.plan.factories import converged, project, workspace
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

EDITED_SCHEMA = {**FILE_SCHEMA, "palette": ["orange", "cream", "teal"]}


def _ws(
    *,
    completed: bool,
    schema: dict[str, Any] | None = FILE_SCHEMA,
    auto: bool = False,
    refine: tuple[str, ...] = (),
    imgs: tuple[DesiredImage, ...] | None = None,
) -> DesiredWorkspace:
    ds = fibo_dataset(schema=schema, auto=auto, refine=refine, imgs=imgs, completed=completed)
    return workspace(project(datasets=(ds,), models=(fibo_model(train=completed),)))


def _captioned(first: str | None) -> tuple[DesiredImage, ...]:
    """Six images; the first with a NAME.json caption `first` (None: Bria captions it)."""
    return (fibo_image("fox-01.png", caption=first), *fibo_images(6)[1:])


def fibo_schema_file_edited_completed() -> Scenario:
    """A completed dataset's schema is frozen: a new version (a clone given the new schema and
    its captions regenerated), and its model is retrained."""
    world = converged_fibo(_ws(completed=True))
    return Scenario(
        plan_of(_ws(completed=True, schema=EDITED_SCHEMA), world),
        {"acme/datasets/v1": "replace", "acme/models/fibo": "replace"},
    )


def fibo_json_caption_added_draft() -> Scenario:
    world = converged_fibo(_ws(completed=False, imgs=_captioned(None)))
    ws = _ws(completed=False, imgs=_captioned(caption_text("fox-01.png", pose="waving")))
    return Scenario(
        plan_of(ws, world),
        {"acme/datasets/v1/images/fox-01.png": "update", "acme/datasets/v1": "no-op"},
    )


def fibo_json_caption_changed_draft() -> Scenario:
    world = converged_fibo(_ws(completed=False, imgs=_captioned(caption_text("fox-01.png"))))
    ws = _ws(completed=False, imgs=_captioned(caption_text("fox-01.png", pose="running")))
    return Scenario(
        plan_of(ws, world),
        {"acme/datasets/v1/images/fox-01.png": "update", "acme/datasets/v1": "no-op"},
    )


def fibo_json_caption_changed_completed() -> Scenario:
    """A completed dataset's caption is frozen: the dataset is rebuilt (or cloned, per its
    replace_path) and the model retrained."""
    world = converged_fibo(_ws(completed=True, imgs=_captioned(caption_text("fox-01.png"))))
    ws = _ws(completed=True, imgs=_captioned(caption_text("fox-01.png", pose="running")))
    return Scenario(
        plan_of(ws, world),
        {
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-01.png": "update",
            "acme/models/fibo": "replace",
        },
    )


def fibo_dataset_deleted_in_console() -> Scenario:
    """Rebuilt with its schema steps; the model trained on the old one stays (it is trained)."""
    ws = _ws(completed=True, schema=None, auto=True)
    world = converged_fibo(ws)
    did = world.id_of("acme/datasets/v1")
    del world.datasets[did]
    del world.images[did]
    return Scenario(
        plan_of(ws, world),
        {
            "acme/datasets/v1": "create",
            "acme/datasets/v1/images/fox-01.png": "create",
            "acme/models/fibo": "no-op",
        },
        drift=("acme/datasets/v1 exists",),
    )


def fibo_no_change_auto_schema() -> Scenario:
    """An applied generated + refined schema re-plans empty: `auto` is not a change."""
    ws = _ws(completed=True, schema=None, auto=True, refine=("add a scarf",))
    return Scenario(
        plan_of(ws, converged_fibo(ws)),
        {"acme/datasets/v1": "no-op", "acme/models/fibo": "no-op"},
    )


def fibo_schema_file_edited_draft() -> Scenario:
    """Update Dataset sets the new schema (draft only); the images Bria captioned with the old
    one are recaptioned (Regenerate All Captions, "crucial after updating the visual schema"),
    and the NAME.json caption that regenerating overwrote is PUT again after it."""
    captioned = _captioned(caption_text("fox-01.png", pose="waving"))
    world = converged_fibo(_ws(completed=False, imgs=captioned))
    return Scenario(
        plan_of(_ws(completed=False, schema=EDITED_SCHEMA, imgs=captioned), world),
        {
            "acme/datasets/v1": "update",
            "acme/datasets/v1/images/fox-01.png": "update",
            "acme/datasets/v1/images/fox-02.png": "no-op",
            "acme/models/fibo": "no-op",
        },
    )


def fibo_refine_edited_draft() -> Scenario:
    """One more refine instruction on a draft's generated schema."""
    first = ("Change the style to watercolor",)
    world = converged_fibo(_ws(completed=False, schema=None, auto=True, refine=first))
    ws = _ws(completed=False, schema=None, auto=True, refine=(*first, "add a scarf"))
    return Scenario(plan_of(ws, world), {"acme/datasets/v1": "update"})


def fibo_schema_changed_in_console_draft() -> Scenario:
    """Someone set another schema on the draft in Bria's Console: drift, set back."""
    ws = _ws(completed=False)
    world = converged_fibo(ws)
    did = world.id_of("acme/datasets/v1")
    world.datasets[did] = replace(world.datasets[did], visual_schema={"style": "from the Console"})
    return Scenario(
        plan_of(ws, world),
        {"acme/datasets/v1": "update"},
        drift=("acme/datasets/v1 visual_schema",),
    )


def fibo_auto_schema_changed_in_console_draft() -> Scenario:
    """The same on a draft whose schema is `auto`: the drift is shown, and nothing is set back
    (as `caption_prefix: auto`): tailor cannot tell a regenerated schema from an edited one."""
    ws = _ws(completed=False, schema=None, auto=True)
    world = converged_fibo(ws)
    did = world.id_of("acme/datasets/v1")
    world.datasets[did] = replace(world.datasets[did], visual_schema={"style": "from the Console"})
    return Scenario(
        plan_of(ws, world),
        {"acme/datasets/v1": "no-op"},
        drift=("acme/datasets/v1 visual_schema",),
    )


def fibo_images_before_schema() -> Scenario:
    """A draft applied without a schema (its images got no captions: Bria's `pending`) now
    declares one: set it, then Regenerate All Captions, then complete."""
    world = converged_fibo(_ws(completed=False, schema=None))
    did = world.id_of("acme/datasets/v1")
    world.images[did] = [
        replace(i, caption="", caption_source="pending") for i in world.images[did]
    ]
    return Scenario(
        plan_of(_ws(completed=True, schema=FILE_SCHEMA), world),
        {"acme/datasets/v1": "update", "acme/models/fibo": "update"},
    )


def fibo_completed_auto_schema_image_added() -> Scenario:
    """A seventh image moves the schema sample: Bria's clone keeps the schema generated from
    the old six, so the clone's schema is generated again from the new sample and set, and
    every caption regenerated from it, as a rebuild would."""
    imgs = fibo_images(6)
    world = converged_fibo(_ws(completed=True, schema=None, auto=True, imgs=imgs))
    more = (*imgs, fibo_image("fox-07.png"))
    return Scenario(
        plan_of(_ws(completed=True, schema=None, auto=True, imgs=more), world),
        {
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-07.png": "create",
            "acme/models/fibo": "replace",
        },
    )


def fibo_recaption_interrupted_draft() -> Scenario:
    """An earlier apply set the schema and stopped before Regenerate All Captions (the state
    says `recaption_due`): the schema no longer differs, the captions are still regenerated,
    the NAME.json caption PUT again after it, then the dataset completed."""
    captioned = _captioned(caption_text("fox-01.png", pose="waving"))
    world = converged_fibo(_ws(completed=False, imgs=captioned))
    address = Address("acme", dataset="v1")
    rec = world.recorded[address]
    world.recorded[address] = replace(rec, attributes={**rec.attributes, "recaption_due": True})
    return Scenario(
        plan_of(_ws(completed=True, imgs=captioned), world),
        {
            "acme/datasets/v1": "update",
            "acme/datasets/v1/images/fox-01.png": "update",
            "acme/models/fibo": "update",
        },
    )


def fibo_auto_schema_draft_images_added() -> Scenario:
    """Images added to a draft whose schema is `auto`: uploaded and captioned by Bria with the
    schema it has; the schema is not generated again (as `caption_prefix: auto`): Bria's text
    asks for 5-10 representative images once, not for a schema that follows the images."""
    imgs = fibo_images(6)
    world = converged_fibo(_ws(completed=False, schema=None, auto=True, imgs=imgs))
    more = (*imgs, fibo_image("fox-07.png"), fibo_image("fox-08.png"))
    return Scenario(
        plan_of(_ws(completed=False, schema=None, auto=True, imgs=more), world),
        {
            "acme/datasets/v1": "no-op",
            "acme/datasets/v1/images/fox-07.png": "create",
            "acme/datasets/v1/images/fox-08.png": "create",
        },
    )


def fibo_dataset_into_a_project_bria_locked_to_legacy() -> Scenario:
    """The state holds the project but none of its legacy datasets (deleted in the Console);
    Bria still reports the project locked to max, so a FIBO dataset needs a new project."""
    empty = workspace(project(datasets=(), models=()))
    world = converged(empty)
    (pid,) = world.projects
    world.projects[pid] = replace(world.projects[pid], training_version="max")
    ws = workspace(project(datasets=(fibo_dataset(auto=True),), models=(fibo_model(),)))
    return Scenario(
        plan_of(ws, world),
        {"acme": "replace", "acme/datasets/v1": "create", "acme/models/fibo": "create"},
    )


CHANGE_SCENARIOS: dict[str, Callable[[], Scenario]] = {
    fn.__name__: fn
    for fn in (
        fibo_no_change_auto_schema,
        fibo_schema_file_edited_completed,
        fibo_json_caption_added_draft,
        fibo_json_caption_changed_draft,
        fibo_json_caption_changed_completed,
        fibo_dataset_deleted_in_console,
        fibo_schema_file_edited_draft,
        fibo_refine_edited_draft,
        fibo_schema_changed_in_console_draft,
        fibo_auto_schema_changed_in_console_draft,
        fibo_images_before_schema,
        fibo_completed_auto_schema_image_added,
        fibo_auto_schema_draft_images_added,
        fibo_recaption_interrupted_draft,
        fibo_dataset_into_a_project_bria_locked_to_legacy,
    )
}
