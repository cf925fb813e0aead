"""A completed dataset's new version: by clone where that ends as the manifest declares,
else rebuilt, and the plan says which and why (pure planner, no network)."""

from __future__ import annotations

from dataclasses import replace

from reconciler.addresses import Address
from reconciler.plan.build_path import BuildPath
from reconciler.plan.builder import build_plan
from reconciler.plan.model import (
    Action,
    Change,
    Plan,
    StepKind,
)
from reconciler.render.markdown import render_markdown
from reconciler.render.text import render_text
from reconciler.resources import DesiredImage, DesiredWorkspace, LiveImage
from tests.plan.factories import World, converged, dataset, image, images, model, project, workspace

V1 = Address("acme", dataset="v1")


def _ws(imgs: tuple[DesiredImage, ...] | None = None, **ds: object) -> DesiredWorkspace:
    return workspace(project(datasets=(dataset(imgs=imgs, **ds),), models=(model(),)))


def _plan(ws: DesiredWorkspace, world: World) -> Plan:
    return build_plan(ws, world.state(), world.snapshot())


def _dataset(plan: Plan) -> Change:
    return next(c for c in plan.changes if c.address == V1 and c.deposed is None)


def _actions(plan: Plan) -> dict[str, str]:
    return {str(c.address): c.action.value for c in plan.changes if c.address.image}


def _path(plan: Plan) -> tuple[BuildPath, str]:
    found = _dataset(plan).replace_path
    assert found is not None
    return found.path, found.why


def test_one_caption_changed_is_a_clone_and_one_caption_update() -> None:
    imgs = images(6)
    world = converged(_ws(imgs))
    plan = _plan(_ws((*imgs[:2], replace(imgs[2], caption="Foxy waving"), *imgs[3:])), world)
    change = _dataset(plan)
    assert change.action is Action.REPLACE
    assert [s.kind for s in change.steps] == [
        StepKind.CLONE_DATASET, StepKind.COMPLETE_DATASET, StepKind.DELETE_DATASET,
    ]
    assert change.steps[0].args == {"source_id": 10, "name": "v1"}
    assert change.steps[0].describe() == "POST /tailored-gen/datasets/{source_id}/clone"
    path, why = _path(plan)
    assert path is BuildPath.CLONE
    assert "copies its 6 image(s), then only 1 caption update" in why
    assert _actions(plan)["acme/datasets/v1/images/fox-03.png"] == "update"
    assert list(_actions(plan).values()).count("no-op") == 5
    steps = [s for c in plan.changes if c.address.image for s in c.steps]
    assert [(s.kind, s.args) for s in steps] == [
        (StepKind.UPDATE_CAPTION, {"caption": "Foxy waving"})
    ]
    # The models trained on the old dataset are replaced, as after a rebuild.
    assert next(c for c in plan.changes if c.address.model).action is Action.REPLACE
    # Every format says which path: the text plan by its note.
    said = "built by clone: Clone Dataset As Draft copies its 6 image(s)"
    assert said in render_text(plan, header="", color=False)
    assert said in render_markdown(plan, header="")


def test_added_and_removed_images_are_the_only_image_requests() -> None:
    imgs = images(5)
    world = converged(_ws(imgs))
    plan = _plan(_ws((*imgs[1:], image("fox-09.png"))), world)
    assert _path(plan)[0] is BuildPath.CLONE
    actions = _actions(plan)
    assert actions["acme/datasets/v1/images/fox-01.png"] == "delete"
    assert actions["acme/datasets/v1/images/fox-09.png"] == "create"
    removed = next(c for c in plan.changes if str(c.address).endswith("fox-01.png"))
    # The copy's id is only known once cloned: the step names the address, not the old id.
    assert [(s.kind, dict(s.path_params)) for s in removed.steps] == [
        (StepKind.DELETE_IMAGE, {})
    ]


def test_content_changed_deletes_the_copy_then_uploads() -> None:
    imgs = images(4)
    world = converged(_ws(imgs))
    plan = _plan(_ws((image("fox-01.png", content="new pixels"), *imgs[1:])), world)
    changed = next(c for c in plan.changes if str(c.address).endswith("fox-01.png"))
    assert changed.action is Action.REPLACE
    assert [s.kind for s in changed.steps] == [StepKind.DELETE_IMAGE, StepKind.UPLOAD_IMAGE]
    assert _path(plan)[0] is BuildPath.CLONE


def test_completed_false_is_a_clone_left_draft() -> None:
    world = converged(_ws())
    plan = _plan(_ws(completed=False), world)
    change = _dataset(plan)
    assert [s.kind for s in change.steps] == [StepKind.CLONE_DATASET, StepKind.DELETE_DATASET]
    assert _path(plan)[0] is BuildPath.CLONE


def test_a_caption_prefix_change_rebuilds_and_says_why() -> None:
    world = converged(_ws(caption_prefix="A drawing of Foxy, "))
    plan = _plan(_ws(caption_prefix="A sketch of Foxy, "), world)
    path, why = _path(plan)
    assert path is BuildPath.REBUILD
    assert "caption prefix changes" in why
    said = "built from scratch (every image uploaded again): the caption prefix"
    assert said in render_text(plan, header="", color=False)


def test_an_increase_resolution_change_rebuilds() -> None:
    imgs = images(6)
    world = converged(_ws(imgs))
    plan = _plan(_ws((*imgs[:5], image("fox-09.png")), increase_resolution=False), world)
    path, why = _path(plan)
    assert path is BuildPath.REBUILD and "increase_resolution" in why


def test_an_image_tailor_does_not_manage_rebuilds() -> None:
    imgs = images(6)
    world = converged(_ws(imgs))
    did = world.id_of("acme/datasets/v1")
    world.images[did].append(LiveImage(999, did, "stray.png", "a stray image"))
    world.datasets[did] = replace(world.datasets[did], images_count=7)
    plan = _plan(_ws((*imgs[:5], image("fox-09.png"))), world)
    path, why = _path(plan)
    assert path is BuildPath.REBUILD and "does not manage" in why


def test_a_rebuild_that_costs_fewer_requests_wins() -> None:
    imgs = images(3)
    world = converged(_ws(imgs))
    changed = tuple(image(i.name, content=f"new {i.name}") for i in imgs)
    path, why = _path(_plan(_ws(changed), world))
    assert path is BuildPath.REBUILD
    assert why == "uploading every image again takes 4 requests, a clone and its edits 7"


def test_an_advanced_dataset_rebuilds() -> None:
    def ws(count: int) -> DesiredWorkspace:
        bulk = dataset("bulk", upload_type="advanced", imgs=images(count, dataset="bulk"))
        return workspace(project(datasets=(bulk,), models=(model(dataset="bulk"),)))

    world = converged(ws(4))
    plan = build_plan(ws(5), world.state(), world.snapshot())
    change = next(c for c in plan.changes if c.address == Address("acme", dataset="bulk"))
    assert change.replace_path is not None
    assert change.replace_path.path is BuildPath.REBUILD
    assert "bulk upload" in change.replace_path.why


def test_auto_prefix_clones_while_its_sample_stays() -> None:
    imgs = images(4)
    world = converged(_ws(imgs, caption_prefix="auto"))
    recaptioned = (replace(imgs[0], caption="Foxy waving"), *imgs[1:])
    assert _path(_plan(_ws(recaptioned, caption_prefix="auto"), world))[0] is BuildPath.CLONE
    path, why = _path(_plan(_ws((*imgs, image("fox-09.png")), caption_prefix="auto"), world))
    assert path is BuildPath.REBUILD and "different sample" in why


def test_the_old_dataset_is_kept_while_a_model_trains_on_it() -> None:
    imgs = images(4)
    world = converged(_ws(imgs), model_status="InProgress")
    plan = _plan(_ws((replace(imgs[0], caption="Foxy waving"), *imgs[1:])), world)
    change = _dataset(plan)
    assert _path(plan)[0] is BuildPath.CLONE
    delete = change.steps[-1]
    assert delete.kind is StepKind.DELETE_DATASET and delete.deferred
    assert any("kept while model(s)" in note for note in change.notes)


def test_a_replaced_project_rebuilds_its_datasets() -> None:
    world = converged(_ws())
    ws = workspace(
        project(datasets=(dataset(),), models=(model(),), ip_type="object_or_product")
    )
    path, why = _path(_plan(ws, world))
    assert path is BuildPath.REBUILD and "project is replaced" in why
