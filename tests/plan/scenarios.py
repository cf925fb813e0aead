"""Named planner scenarios: each builds (desired, state, live) and returns the plan plus the
actions it must contain, so a snapshot is never the only thing a scenario checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from reconciler.addresses import Address
from reconciler.resources import (
    DesiredImage,
    DesiredModel,
    DesiredWorkspace,
    LiveProject,
)
from tests.plan.factories import (
    EXPERT_DEFAULTS,
    World,
    converged,
    dataset,
    image,
    images,
    model,
    project,
    workspace,
)
from tests.plan.scenario_kit import LIVE_FINGERPRINTS, Scenario
from tests.plan.scenario_kit import plan_of as _plan
from tests.plan.scenarios_fibo import FIBO_SCENARIOS


def _two_models() -> tuple[DesiredModel, ...]:
    return (model("light"), model("max", training_version="max"))


def new_workspace() -> Scenario:
    plan = _plan(workspace(project(models=_two_models())))
    return Scenario(
        plan,
        {
            "acme": "create",
            "acme/datasets/v1": "create",
            "acme/datasets/v1/images/fox-01.png": "create",
            "acme/models/light": "create",
            "acme/models/max": "create",
        },
    )


def no_change() -> Scenario:
    ws = workspace(project(models=_two_models()))
    plan = _plan(ws, converged(ws))
    return Scenario(
        plan, {"acme": "no-op", "acme/models/max": "no-op", "acme/datasets/v1": "no-op"}
    )


def _draft_ws(imgs: tuple[DesiredImage, ...] | None = None) -> DesiredWorkspace:
    return workspace(
        project(datasets=(dataset(completed=False, imgs=imgs),), models=(model(train=False),))
    )


def draft_add_image() -> Scenario:
    world = converged(_draft_ws())
    ws = _draft_ws((*images(3), image("fox-04.png")))
    return Scenario(
        _plan(ws, world),
        {
            "acme/datasets/v1": "no-op",
            "acme/datasets/v1/images/fox-04.png": "create",
            "acme/models/light": "no-op",
        },
    )


def draft_remove_image() -> Scenario:
    world = converged(_draft_ws())
    ws = _draft_ws(images(2))
    return Scenario(
        _plan(ws, world),
        {"acme/datasets/v1/images/fox-03.png": "delete", "acme/datasets/v1": "no-op"},
    )


def draft_recaption_image() -> Scenario:
    world = converged(_draft_ws())
    imgs = images(3)
    ws = _draft_ws((imgs[0], replace(imgs[1], caption="Foxy waving"), imgs[2]))
    return Scenario(_plan(ws, world), {"acme/datasets/v1/images/fox-02.png": "update"})


def draft_complete() -> Scenario:
    world = converged(_draft_ws())
    ws = workspace(project())
    return Scenario(
        _plan(ws, world),
        {"acme/datasets/v1": "update", "acme/models/light": "update"},
    )


def _completed_ws(imgs: tuple[DesiredImage, ...] | None = None, **ds: object) -> DesiredWorkspace:
    return workspace(project(datasets=(dataset(imgs=imgs, **ds),), models=_two_models()))


def completed_add_image() -> Scenario:
    world = converged(_completed_ws())
    ws = _completed_ws((*images(3), image("fox-04.png")))
    return Scenario(
        _plan(ws, world),
        {
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-01.png": "no-op",
            "acme/datasets/v1/images/fox-04.png": "create",
            "acme/models/light": "replace",
            "acme/models/max": "replace",
        },
    )


def completed_remove_image() -> Scenario:
    world = converged(_completed_ws())
    ws = _completed_ws(images(2))
    return Scenario(
        _plan(ws, world),
        {
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-03.png": "delete",
            "acme/models/light": "replace",
        },
    )


def completed_recaption_image() -> Scenario:
    world = converged(_completed_ws())
    imgs = images(3)
    ws = _completed_ws((imgs[0], replace(imgs[1], caption="Foxy waving"), imgs[2]))
    return Scenario(
        _plan(ws, world),
        {
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-02.png": "update",
            "acme/models/max": "replace",
        },
    )


def draft_prefix_change() -> Scenario:
    world = converged(_draft_ws())
    ws = workspace(
        project(
            datasets=(dataset(completed=False, caption_prefix="A sketch of Foxy, "),),
            models=(model(train=False),),
        )
    )
    return Scenario(
        _plan(ws, world),
        {"acme/datasets/v1": "update", "acme/datasets/v1/images/fox-01.png": "update"},
    )


def completed_prefix_change() -> Scenario:
    world = converged(_completed_ws(caption_prefix="A drawing of Foxy, "))
    ws = _completed_ws(caption_prefix="A sketch of Foxy, ")
    return Scenario(
        _plan(ws, world), {"acme/datasets/v1": "replace", "acme/models/light": "replace"}
    )


def prefix_auto_new() -> Scenario:
    ws = workspace(project(datasets=(dataset(caption_prefix="auto", imgs=images(9)),)))
    return Scenario(_plan(ws), {"acme/datasets/v1": "create"})


def prefix_auto_applied() -> Scenario:
    ws = workspace(project(datasets=(dataset(caption_prefix="auto"),)))
    return Scenario(_plan(ws, converged(ws)), {"acme/datasets/v1": "no-op"})


def prefix_auto_unsupported_ip_type() -> Scenario:
    ws = workspace(
        project(
            ip_type="icons",
            ip_name=None,
            ip_description=None,
            datasets=(dataset(caption_prefix="auto"),),
        )
    )
    return Scenario(_plan(ws), {"acme/datasets/v1": "create"}, errors=1)


def training_version_change() -> Scenario:
    world = converged(workspace(project()))
    ws = workspace(project(models=(model(training_version="max"),)))
    return Scenario(_plan(ws, world), {"acme/models/light": "replace", "acme/datasets/v1": "no-op"})


def _expert(**params: int | float | str) -> DesiredModel:
    return model(
        "expert",
        training_mode="expert",
        training_version="max",
        parameters=tuple(sorted(params.items())),
    )


def parameters_change() -> Scenario:
    world = converged(workspace(project(models=(_expert(rank=32),))))
    ws = workspace(project(models=(_expert(rank=64),)))
    return Scenario(_plan(ws, world), {"acme/models/expert": "replace"})


def model_rename() -> Scenario:
    world = converged(workspace(project()))
    ws = workspace(project(models=(model(name="Light v2", description="faster"),)))
    return Scenario(_plan(ws, world), {"acme/models/light": "update"})


def model_removed() -> Scenario:
    world = converged(workspace(project(models=_two_models())))
    return Scenario(
        _plan(workspace(project()), world),
        {"acme/models/max": "delete", "acme/models/light": "no-op"},
    )


def model_removed_prevent_destroy() -> Scenario:
    protected = model("max", training_version="max", prevent_destroy=True)
    world = converged(workspace(project(models=(model(), protected))))
    return Scenario(_plan(workspace(project()), world), {"acme/models/max": "delete"}, errors=1)


def model_removed_while_training() -> Scenario:
    world = converged(workspace(project(models=_two_models())), model_status="InProgress")
    return Scenario(_plan(workspace(project()), world), {"acme/models/max": "delete"})


def dataset_removed_while_model_trains() -> Scenario:
    ws = workspace(project(datasets=(dataset(), dataset("v2")), models=(model(dataset="v2"),)))
    world = converged(ws, model_status="InProgress")
    world.recorded.pop(Address("acme", model="light"))
    after = workspace(project(datasets=(dataset(),), models=()))
    return Scenario(_plan(after, world), {"acme/datasets/v2": "delete"}, errors=1)


def project_optional_fields_removed() -> Scenario:
    """description, ip.name and ip.description dropped from a stylized_scene manifest."""
    world = converged(workspace(project(ip_type="stylized_scene")))
    ws = workspace(
        project(ip_type="stylized_scene", description="", ip_name=None, ip_description=None)
    )
    return Scenario(_plan(ws, world), {"acme": "update", "acme/models/light": "no-op"})


def project_ip_type_change() -> Scenario:
    world = converged(workspace(project(models=_two_models())))
    ws = workspace(project(ip_type="stylized_scene", models=_two_models()))
    return Scenario(
        _plan(ws, world),
        {
            "acme": "replace",
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-02.png": "replace",
            "acme/models/light": "replace",
        },
    )


def dataset_deleted_in_console() -> Scenario:
    ws = workspace(project())
    world = converged(ws)
    did = world.id_of("acme/datasets/v1")
    del world.datasets[did]
    del world.images[did]
    return Scenario(
        _plan(ws, world),
        {
            "acme/datasets/v1": "create",
            "acme/datasets/v1/images/fox-01.png": "create",
            "acme/models/light": "no-op",
        },
        drift=("acme/datasets/v1 exists",),
    )


def dataset_completed_in_console() -> Scenario:
    ws = _draft_ws()
    world = converged(ws)
    did = world.id_of("acme/datasets/v1")
    world.datasets[did] = replace(world.datasets[did], status="completed")
    return Scenario(
        _plan(ws, world),
        {"acme/datasets/v1": "replace"},
        drift=("acme/datasets/v1 completed",),
    )


def dataset_completed_in_console_accepted() -> Scenario:
    world = converged(_draft_ws())
    did = world.id_of("acme/datasets/v1")
    world.datasets[did] = replace(world.datasets[did], status="completed")
    ws = workspace(project(models=(model(train=False),)))
    return Scenario(
        _plan(ws, world), {"acme/datasets/v1": "no-op"}, drift=("acme/datasets/v1 completed",)
    )


def _model_status(status: str) -> World:
    world = converged(workspace(project()))
    mid = world.id_of("acme/models/light")
    world.models[mid] = replace(world.models[mid], status=status)
    return world


def model_training_failed() -> Scenario:
    return Scenario(
        _plan(workspace(project()), _model_status("Failed")), {"acme/models/light": "replace"}
    )


def model_created_not_trained() -> Scenario:
    world = converged(workspace(project()), model_status="Created")
    return Scenario(_plan(workspace(project()), world), {"acme/models/light": "update"})


def _deposed_world(**model_kw: object) -> tuple[DesiredWorkspace, World]:
    ws = workspace(project(models=(model(**model_kw),)))
    world = converged(ws)
    address = Address("acme", model="light")
    rec = world.recorded[address]
    world.recorded[address] = replace(rec, deposed=(999,))
    world.models[999] = replace(world.models[rec.remote_id], remote_id=999)
    return ws, world


def deposed_successor_completed() -> Scenario:
    ws, world = _deposed_world()
    return Scenario(
        _plan(ws, world),
        {"acme/models/light": "no-op", "acme/models/light~deposed/999": "delete"},
    )


def deposed_successor_training() -> Scenario:
    ws, world = _deposed_world()
    mid = world.id_of("acme/models/light")
    world.models[mid] = replace(world.models[mid], status="InProgress")
    return Scenario(_plan(ws, world), {"acme/models/light": "no-op"})


def deposed_retain_on_replace() -> Scenario:
    ws, world = _deposed_world(retain_on_replace=True)
    return Scenario(_plan(ws, world), {"acme/models/light~deposed/999": "delete"})


def _successor_deleted_in_console(**model_kw: object) -> tuple[DesiredWorkspace, World]:
    ws, world = _deposed_world(**model_kw)
    address = Address("acme", model="light")
    world.recorded[address] = replace(world.recorded[address], deposed=(998, 999))
    mid = world.id_of("acme/models/light")
    world.models[mid] = replace(world.models[mid], status="Deleted")
    return ws, world


def deposed_kept_when_successor_deleted_in_console() -> Scenario:
    """Predecessor 999 is still at Bria (kept until the new model trained), 998 is gone."""
    ws, world = _successor_deleted_in_console()
    return Scenario(
        _plan(ws, world),
        {"acme/models/light": "create", "acme/models/light~deposed/998": "delete"},
        drift=("acme/models/light exists",),
    )


def deposed_deleted_when_untrained_successor_recreated() -> Scenario:
    ws, world = _successor_deleted_in_console(train=False)
    return Scenario(
        _plan(ws, world),
        {
            "acme/models/light": "create",
            "acme/models/light~deposed/998": "delete",
            "acme/models/light~deposed/999": "delete",
        },
        drift=("acme/models/light exists",),
    )


def replace_with_retain_on_replace() -> Scenario:
    world = converged(workspace(project()))
    ws = workspace(project(models=(model(training_version="max", retain_on_replace=True),)))
    return Scenario(_plan(ws, world), {"acme/models/light": "replace"})


def target_one_model() -> Scenario:
    ws = workspace(
        project(
            datasets=(dataset(), dataset("v2")),
            models=(model("light"), model("max", dataset="v2", training_version="max")),
        )
    )
    plan = _plan(ws, targets=(Address.parse("acme/models/max"),))
    return Scenario(
        plan,
        {
            "acme": "create",
            "acme/datasets/v2": "create",
            "acme/models/max": "create",
            "acme/datasets/v2/images/fox-01.png": "create",
        },
        extra={"absent": ["acme/models/light", "acme/datasets/v1"]},
    )


def image_content_changed_draft() -> Scenario:
    world = converged(_draft_ws())
    imgs = images(3)
    ws = _draft_ws((imgs[0], image("fox-02.png", content="new pixels"), imgs[2]))
    return Scenario(
        _plan(ws, world),
        {"acme/datasets/v1/images/fox-02.png": "replace", "acme/datasets/v1": "no-op"},
    )


def image_content_changed_completed() -> Scenario:
    world = converged(_completed_ws())
    imgs = images(3)
    ws = _completed_ws((imgs[0], image("fox-02.png", content="new pixels"), imgs[2]))
    return Scenario(
        _plan(ws, world),
        {
            "acme/datasets/v1": "replace",
            "acme/datasets/v1/images/fox-02.png": "replace",
            "acme/models/light": "replace",
        },
    )


def rename_detection() -> Scenario:
    world = converged(workspace(project()))
    ws = workspace(project(models=(model("fast"),)))
    plan = _plan(ws, world)
    return Scenario(
        plan,
        {"acme/models/light": "delete", "acme/models/fast": "create"},
        extra={"note": "tailor state mv acme/models/light acme/models/fast"},
    )


def refresh_only() -> Scenario:
    ws = workspace(project())
    world = converged(ws)
    pid = world.id_of("acme")
    world.projects[pid] = replace(world.projects[pid], description="edited in the Console")
    return Scenario(
        _plan(ws, world, refresh_only=True),
        {},
        drift=("acme description",),
    )


def console_edit_reconciled() -> Scenario:
    ws = workspace(project(models=(model(description="fast"),)))
    world = converged(ws)
    mid = world.id_of("acme/models/light")
    world.models[mid] = replace(world.models[mid], description="edited")
    return Scenario(
        _plan(ws, world), {"acme/models/light": "update"}, drift=("acme/models/light description",)
    )


def _advanced_ws(imgs: tuple[DesiredImage, ...] | None = None) -> DesiredWorkspace:
    return workspace(
        project(
            datasets=(
                dataset(
                    "bulk",
                    upload_type="advanced",
                    imgs=imgs if imgs is not None else images(4, dataset="bulk"),
                ),
            ),
            models=(model(dataset="bulk"),),
        )
    )


def advanced_dataset_new() -> Scenario:
    return Scenario(
        _plan(_advanced_ws()),
        {"acme/datasets/bulk": "create", "acme/datasets/bulk/images/fox-01.png": "create"},
    )


def advanced_dataset_content_change() -> Scenario:
    world = converged(_advanced_ws())
    did = world.id_of("acme/datasets/bulk")
    world.datasets[did] = replace(world.datasets[did], status="draft")
    ws = _advanced_ws((*images(4, dataset="bulk"), image("fox-05.png", dataset="bulk")))
    return Scenario(
        _plan(ws, world),
        {"acme/datasets/bulk": "replace", "acme/models/light": "replace"},
        drift=("acme/datasets/bulk completed",),
    )


def advanced_draft_add_image() -> Scenario:
    def ws(count: int) -> DesiredWorkspace:
        bulk = dataset(
            "bulk", upload_type="advanced", completed=False, imgs=images(count, dataset="bulk")
        )
        return workspace(project(datasets=(bulk,), models=(model(dataset="bulk", train=False),)))

    return Scenario(
        _plan(ws(5), converged(ws(4))),
        {"acme/datasets/bulk": "replace", "acme/datasets/bulk/images/fox-05.png": "create"},
    )


def advanced_draft_remove_image() -> Scenario:
    def ws(count: int) -> DesiredWorkspace:
        bulk = dataset(
            "bulk", upload_type="advanced", completed=False, imgs=images(count, dataset="bulk")
        )
        return workspace(project(datasets=(bulk,), models=(model(dataset="bulk", train=False),)))

    return Scenario(
        _plan(ws(3), converged(ws(4))),
        {"acme/datasets/bulk": "no-op", "acme/datasets/bulk/images/fox-04.png": "delete"},
    )


def _bulk_spent(world: World, arrived: int, status: str, rejected: int = 0) -> World:
    """The advanced dataset as a first apply left it when its one bulk upload ended `status`
    with `arrived` of its images: still draft, only those images recorded, no model yet."""
    address = Address("acme", dataset="bulk")
    world.recorded[address] = replace(
        world.recorded[address],
        attributes={**world.recorded[address].attributes, "completed": False},
    )
    did = world.keep_images(str(address), arrived)
    world.datasets[did] = replace(
        world.datasets[did],
        status="draft",
        images_count=arrived,
        captions_update_status="completed" if arrived else "empty",
        bulk_status=status,
        bulk_rejected=rejected,
    )
    mid = world.id_of("acme/models/light")
    world.recorded.pop(Address("acme", model="light"))
    del world.models[mid]
    return world


def advanced_bulk_failed() -> Scenario:
    """Bria could not read the ZIP: another bulk upload would be refused (409)."""
    ws = _advanced_ws()
    return Scenario(
        _plan(ws, _bulk_spent(converged(ws), 0, "failed")),
        {
            "acme/datasets/bulk": "replace",
            "acme/datasets/bulk/images/fox-01.png": "create",
            "acme/models/light": "create",
        },
    )


def advanced_bulk_partly_rejected() -> Scenario:
    """Bria rejected one image of the ZIP: the other three are there, the fourth can only come
    with a new dataset."""
    ws = _advanced_ws()
    return Scenario(
        _plan(ws, _bulk_spent(converged(ws), 3, "completed", rejected=1)),
        {
            "acme/datasets/bulk": "replace",
            "acme/datasets/bulk/images/fox-01.png": "replace",
            "acme/datasets/bulk/images/fox-04.png": "create",
            "acme/models/light": "create",
        },
    )


def advanced_bulk_sent_in_console() -> Scenario:
    """Someone sent a bulk upload from the Console to the empty dataset tailor made (still
    running): tailor's would be refused, so the dataset is rebuilt and the model on it too."""
    bulk = dataset("bulk", upload_type="advanced", completed=False, imgs=images(2, dataset="bulk"))
    ws = workspace(project(datasets=(bulk,), models=(model(dataset="bulk", train=False),)))
    world = converged(ws)
    did = world.keep_images("acme/datasets/bulk", 0)
    world.datasets[did] = replace(
        world.datasets[did], images_count=0, captions_update_status="empty",
        bulk_status="processing",
    )
    return Scenario(
        _plan(ws, world),
        {
            "acme/datasets/bulk": "replace",
            "acme/datasets/bulk/images/fox-01.png": "create",
            "acme/models/light": "replace",
        },
    )


def _explicit_caption_ws(completed: bool) -> DesiredWorkspace:
    imgs = images(3)
    captioned = (replace(imgs[0], caption="Foxy on a bike"), *imgs[1:])
    return workspace(
        project(
            datasets=(dataset(completed=completed, imgs=captioned),),
            models=(model(train=completed),),
        )
    )


def _edit_caption_in_console(world: World) -> None:
    did = world.id_of("acme/datasets/v1")
    first, *rest = world.images[did]
    world.images[did] = [replace(first, caption="edited in the Console"), *rest]


def caption_edited_in_console_draft() -> Scenario:
    ws = _explicit_caption_ws(completed=False)
    world = converged(ws)
    _edit_caption_in_console(world)
    return Scenario(
        _plan(ws, world),
        {"acme/datasets/v1/images/fox-01.png": "update", "acme/datasets/v1": "no-op"},
        drift=("acme/datasets/v1/images/fox-01.png caption",),
    )


def caption_edited_in_console_completed() -> Scenario:
    ws = _explicit_caption_ws(completed=True)
    world = converged(ws)
    _edit_caption_in_console(world)
    return Scenario(
        _plan(ws, world),
        {"acme/datasets/v1": "replace", "acme/models/light": "replace"},
        drift=("acme/datasets/v1/images/fox-01.png caption",),
    )


def project_deleted_in_console() -> Scenario:
    ws = workspace(project())
    world = converged(ws)
    world.projects.clear()
    world.datasets.clear()
    world.images.clear()
    world.models.clear()
    return Scenario(
        _plan(ws, world),
        {"acme": "create", "acme/datasets/v1": "create", "acme/models/light": "create"},
        drift=("acme exists",),
    )


def model_deleted_in_console() -> Scenario:
    return Scenario(
        _plan(workspace(project()), _model_status("Deleted")),
        {"acme/models/light": "create"},
        drift=("acme/models/light exists",),
    )


def volatile_fields_no_diff() -> Scenario:
    expert = _expert(rank=32)
    ws = workspace(project(models=(model(), expert)))
    world = converged(ws)
    light = world.id_of("acme/models/light")
    world.models[light] = replace(
        world.models[light], status="InProgress", generation_prefix="Something Bria chose, "
    )
    mid = world.id_of("acme/models/expert")
    assert world.models[mid].training_parameters == {**EXPERT_DEFAULTS, "rank": 32}
    did = world.id_of("acme/datasets/v1")
    world.images[did] = [
        replace(i, caption="Bria rewrote this automatic caption") for i in world.images[did]
    ]
    world.datasets[did] = replace(world.datasets[did], captions_update_status="in_progress")
    return Scenario(
        _plan(ws, world),
        {
            "acme/models/light": "no-op",
            "acme/models/expert": "no-op",
            "acme/datasets/v1": "no-op",
            "acme/datasets/v1/images/fox-01.png": "no-op",
        },
    )


def unmanaged_name_warning() -> Scenario:
    ws = workspace(project())
    world = World()
    world.projects[7] = LiveProject(
        7, "acme", "", "defined_character", "illustration", "Foxy", "An orange fox"
    )
    plan = _plan(ws, world)
    return Scenario(plan, {"acme": "create"}, extra={"warning": "tailor import acme 7"})


def train_on_draft_dataset_error() -> Scenario:
    ws = workspace(project(datasets=(dataset(completed=False),)))
    return Scenario(_plan(ws), {"acme/models/light": "create"}, errors=1)


def project_removed() -> Scenario:
    world = converged(workspace(project()))
    return Scenario(
        _plan(
            workspace(
                project(
                    "other", models=(model(project="other"),), datasets=(dataset(project="other"),)
                )
            ),
            world,
        ),
        {
            "acme": "delete",
            "acme/datasets/v1": "delete",
            "acme/models/light": "delete",
            "other": "create",
        },
    )


def dataset_training_version_change() -> Scenario:
    world = converged(workspace(project()))
    ws = workspace(project(datasets=(dataset(training_version="light"),)))
    return Scenario(
        _plan(ws, world),
        {"acme/datasets/v1": "replace", "acme/models/light": "replace"},
    )


def legacy_versions_new() -> Scenario:
    ws = workspace(
        project(
            datasets=(dataset(training_version="3.2"),),
            models=(model("m32", training_version="bria-3.2"),),
        )
    )
    return Scenario(
        _plan(ws),
        {"acme/datasets/v1": "create", "acme/models/m32": "create"},
    )


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    fn.__name__: fn
    for fn in (
        new_workspace,
        no_change,
        draft_add_image,
        draft_remove_image,
        draft_recaption_image,
        draft_complete,
        completed_add_image,
        completed_remove_image,
        completed_recaption_image,
        draft_prefix_change,
        completed_prefix_change,
        prefix_auto_new,
        prefix_auto_applied,
        prefix_auto_unsupported_ip_type,
        training_version_change,
        parameters_change,
        model_rename,
        model_removed,
        model_removed_prevent_destroy,
        model_removed_while_training,
        dataset_removed_while_model_trains,
        project_optional_fields_removed,
        project_ip_type_change,
        dataset_deleted_in_console,
        dataset_completed_in_console,
        dataset_completed_in_console_accepted,
        model_training_failed,
        model_created_not_trained,
        deposed_successor_completed,
        deposed_successor_training,
        deposed_retain_on_replace,
        deposed_kept_when_successor_deleted_in_console,
        deposed_deleted_when_untrained_successor_recreated,
        replace_with_retain_on_replace,
        target_one_model,
        image_content_changed_draft,
        image_content_changed_completed,
        rename_detection,
        refresh_only,
        console_edit_reconciled,
        advanced_dataset_new,
        advanced_dataset_content_change,
        advanced_draft_add_image,
        advanced_draft_remove_image,
        advanced_bulk_failed,
        advanced_bulk_partly_rejected,
        advanced_bulk_sent_in_console,
        caption_edited_in_console_draft,
        caption_edited_in_console_completed,
        project_deleted_in_console,
        model_deleted_in_console,
        volatile_fields_no_diff,
        unmanaged_name_warning,
        train_on_draft_dataset_error,
        project_removed,
        dataset_training_version_change,
        legacy_versions_new,
    )
} | FIBO_SCENARIOS

__all__ = ["LIVE_FINGERPRINTS", "SCENARIOS", "Scenario"]
