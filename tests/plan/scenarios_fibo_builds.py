"""FIBO planner scenarios that build: new FIBO datasets (generated, refined, file, inline),
the schema sample, a workspace loaded from its files, and FIBO beside a legacy project.
Registered in `scenarios.SCENARIOS`; snapshots in snapshots/<name>.json."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from reconciler.manifest.jsondocs import mapping_as_json
from reconciler.manifest.workspace import load_workspace
from tests.conftest import copy_example
from tests.plan.factories import converged, image, project, workspace
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

FIXTURE = Path(__file__).parent / "fixtures" / "fibo_workspace"
REFINE = ("Change the style to watercolor", "remove charcoal from the palette")


def fibo_new_workspace() -> Scenario:
    """The quickstart of FIBO: a generated schema, Bria's captions, one model."""
    ws = workspace(project(datasets=(fibo_dataset(auto=True),), models=(fibo_model(),)))
    return Scenario(
        plan_of(ws),
        {
            "acme": "create",
            "acme/datasets/v1": "create",
            "acme/datasets/v1/images/fox-01.png": "create",
            "acme/models/fibo": "create",
        },
    )


def fibo_auto_schema_with_refine() -> Scenario:
    """generate -> refine, refine (manifest order) -> set, all before the first upload."""
    ds = fibo_dataset(auto=True, refine=REFINE)
    ws = workspace(project(datasets=(ds,), models=(fibo_model(),)))
    return Scenario(plan_of(ws), {"acme/datasets/v1": "create", "acme/models/fibo": "create"})


def fibo_schema_from_file_with_captions() -> Scenario:
    """A declared schema (no generate step) and two NAME.json captions set after upload."""
    imgs = fibo_images(6)
    captioned = (
        fibo_image("fox-01.png", caption=caption_text("fox-01.png", pose="waving")),
        fibo_image("fox-02.png", caption=caption_text("fox-02.png", pose="sitting")),
        *imgs[2:],
    )
    ws = workspace(project(datasets=(fibo_dataset(schema=FILE_SCHEMA, imgs=captioned),), models=()))
    return Scenario(
        plan_of(ws),
        {
            "acme/datasets/v1": "create",
            "acme/datasets/v1/images/fox-01.png": "create",
            "acme/datasets/v1/images/fox-03.png": "create",
        },
    )


def fibo_schema_moved_inline() -> Scenario:
    """An applied schema.json moved into an inline mapping of the same document (keys in
    another order): one canonical text, so the applied FIBO workspace re-plans empty."""
    applied = fibo_dataset(schema=FILE_SCHEMA)
    world = converged_fibo(workspace(project(datasets=(applied,), models=(fibo_model(),))))
    inline = mapping_as_json(dict(reversed(list(FILE_SCHEMA.items()))))
    moved = replace(applied, visual_schema=inline)
    ws = workspace(project(datasets=(moved,), models=(fibo_model(),)))
    return Scenario(
        plan_of(ws, world),
        {"acme": "no-op", "acme/datasets/v1": "no-op", "acme/models/fibo": "no-op"},
    )


def fibo_schema_sample_of_12_images() -> Scenario:
    """generate_visual_schema takes 5-10 images: 12 are sampled by content, not by name."""
    imgs = tuple(image(f"fox-{i:02d}.png", content=f"pixels {13 - i}") for i in range(1, 13))
    ws = workspace(project(datasets=(fibo_dataset(auto=True, imgs=imgs),), models=()))
    return Scenario(plan_of(ws), {"acme/datasets/v1": "create"})


def fibo_advanced_dataset_new() -> Scenario:
    """Advanced upload: the schema is set before the ZIP's bulk upload (without one Bria skips
    captioning, tg L2055), and a NAME.json caption is PUT after it, never a caption file."""
    sidecar = fibo_image("fox-01.png", caption=caption_text("fox-01.png", pose="waving"))
    ds = fibo_dataset(
        auto=True,
        refine=REFINE[:1],
        imgs=(sidecar, *fibo_images(6)[1:]),
        upload_type="advanced",
        increase_resolution=False,
    )
    ws = workspace(project(datasets=(ds,), models=(fibo_model(),)))
    return Scenario(
        plan_of(ws),
        {
            "acme/datasets/v1": "create",
            "acme/datasets/v1/images/fox-01.png": "create",
            "acme/models/fibo": "create",
        },
    )


def fibo_workspace_from_files() -> Scenario:
    """Loaded by the manifest loader from tests/plan/fixtures/fibo_workspace: a schema.json
    whose keys are out of order, NAME.json captions, a model whose training_version is
    omitted (fibo, from its dataset)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_example(FIXTURE, Path(tmp) / "ws")
        ws = load_workspace(root)
    return Scenario(
        plan_of(ws),
        {
            "acme": "create",
            "acme/datasets/v1": "create",
            "acme/datasets/v1/images/fox-01.png": "create",
            "acme/models/fibo": "create",
        },
    )


def fibo_project_beside_a_legacy_one() -> Scenario:
    """A new FIBO project added to a workspace whose legacy project is applied: the legacy
    project, its dataset and model are untouched (one family per project, not per workspace)."""
    legacy = project("legacy")
    world = converged(workspace(legacy))
    fibo = project("acme", datasets=(fibo_dataset(auto=True),), models=(fibo_model(),))
    return Scenario(
        plan_of(workspace(fibo, legacy), world),
        {
            "legacy": "no-op",
            "legacy/datasets/v1": "no-op",
            "legacy/models/light": "no-op",
            "acme": "create",
            "acme/datasets/v1": "create",
            "acme/models/fibo": "create",
        },
    )


BUILD_SCENARIOS: dict[str, Callable[[], Scenario]] = {
    fn.__name__: fn
    for fn in (
        fibo_new_workspace,
        fibo_auto_schema_with_refine,
        fibo_schema_from_file_with_captions,
        fibo_schema_moved_inline,
        fibo_schema_sample_of_12_images,
        fibo_advanced_dataset_new,
        fibo_workspace_from_files,
        fibo_project_beside_a_legacy_one,
    )
}
