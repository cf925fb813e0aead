"""Each Bria rule refuses with the same words from `tailor validate` and from the planner.

Both ask `reconciler.bria_rules`; this checks that neither grew its own wording again. For each
rule a manifest breaks it (validate: `PATH: message`) and the same desired records, built
directly, break it for the planner (`ADDRESS: KEY: message`, with the constraint id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from reconciler.manifest.workspace import check_workspace
from reconciler.plan.builder import build_plan
from reconciler.resources import DesiredWorkspace, LiveSnapshot
from tests.manifest.conftest import write_files, write_image
from tests.plan.factories import dataset, image, images, model, project, workspace

HEAD = "project: acme\nip: {type: defined_character, medium: illustration, name: Foxy, "
HEAD += "description: An orange fox}\n"
LEGACY = HEAD + "datasets:\n  v1:\n    images: [images/*.png]\n"
FIBO = HEAD + "datasets:\n  v1:\n    training_version: fibo\n    visual_schema: auto\n"
FIBO += "    images: [images/*.png]\n"


@dataclass(frozen=True)
class Rule:
    constraint: str
    message: str
    manifest: str
    desired: Callable[[], DesiredWorkspace]
    images: int = 5
    size: tuple[int, int] = (256, 256)


def _one(**kw: object) -> DesiredWorkspace:
    return workspace(project(**kw))  # type: ignore[arg-type]


RULES = [
    Rule(
        "PRJ-MEDIUM-ILLUSTRATION-ONLY",
        "photography is not available for icons; Bria allows it only for defined_character "
        "and stylized_scene",
        LEGACY.replace("defined_character, medium: illustration", "icons, medium: photography")
        + "models: {}\n",
        lambda: _one(ip_type="icons", ip_medium="photography", models=()),
    ),
    Rule(
        "PRJ-IP-NAME-REQUIRED",
        "required when ip.type is defined_character",
        LEGACY.replace("name: Foxy, ", ""),
        lambda: _one(ip_name=None, models=()),
    ),
    Rule(
        "DS-COMPLETE-MIN-1-IMAGE",
        "no images, but a completed dataset needs at least one",
        HEAD + "datasets:\n  v1: {}\n",
        lambda: _one(datasets=(dataset(imgs=()),), models=()),
    ),
    Rule(
        "IMG-MAX-200",
        "201 images; a basic dataset holds at most 200",
        LEGACY,
        lambda: _one(datasets=(dataset(imgs=images(201)),), models=()),
        images=201,
    ),
    Rule(
        "PFX-IP-TYPE-SUPPORTED",
        "'auto' asks Bria's generate_prefix, which supports only stylized_scene, "
        "defined_character, object_variants, not icons",
        LEGACY.replace("defined_character", "icons").replace(
            "    images:", "    caption_prefix: auto\n    images:"
        ),
        lambda: _one(ip_type="icons", datasets=(dataset(caption_prefix="auto"),), models=()),
    ),
    Rule(
        "IMG-MIN-256",
        "200x200 px; the shortest side must be at least 256 px (Bria upscales 256-1023 px)",
        LEGACY,
        lambda: _one(datasets=(dataset(imgs=(image("i0.png", size=(200, 200)),)),), models=()),
        images=1,
        size=(200, 200),
    ),
    Rule(
        "MODEL-DATASET-REQUIRED",
        "no dataset 'v9' in project 'acme'",
        LEGACY + "models:\n  light: {dataset: v9, training_version: light}\n",
        lambda: _one(models=(model(dataset="v9"),)),
    ),
    Rule(
        "TRAIN-DATASET-COMPLETED",
        "training needs a completed dataset, but dataset 'v1' has completed: false",
        LEGACY.replace("    images:", "    completed: false\n    images:")
        + "models:\n  light: {dataset: v1, training_version: light, train: true}\n",
        lambda: _one(datasets=(dataset(completed=False),)),
    ),
    Rule(
        "TRAIN-EXPERT-PARAMS-ONLY",
        "training parameters are only allowed with training_mode: expert",
        LEGACY
        + "models:\n  light: {dataset: v1, training_version: light, parameters: {rank: 8}}\n",
        lambda: _one(models=(model(parameters=(("rank", 8),)),)),
    ),
    Rule(
        "TRAIN-RANGE",
        "300 is outside 4..256",
        LEGACY + "models:\n  light: {dataset: v1, training_version: light, "
        "training_mode: expert, parameters: {rank: 300}}\n",
        lambda: _one(models=(model(training_mode="expert", parameters=(("rank", 300),)),)),
    ),
    Rule(
        "TRAIN-CHECKPOINT-LE-STEPS",
        "2000 is more than total_training_steps (1500, the legacy default)",
        LEGACY + "models:\n  light: {dataset: v1, training_version: light, "
        "training_mode: expert, parameters: {checkpoint_interval: 2000}}\n",
        lambda: _one(
            models=(model(training_mode="expert", parameters=(("checkpoint_interval", 2000),)),)
        ),
    ),
    Rule(
        "DS-FIELD-FAMILY",
        "a FIBO dataset (training_version: fibo) has no caption prefix; its captions are JSON "
        "documents shaped by its visual_schema",
        FIBO.replace("    images:", "    caption_prefix: auto\n    images:"),
        lambda: _one(
            datasets=(
                dataset(
                    imgs=images(5),
                    training_version="fibo",
                    visual_schema_auto=True,
                    caption_prefix="auto",
                ),
            ),
            models=(),
        ),
    ),
    Rule(
        "DS-FIBO-COMPLETE",
        "4 image(s), but a completed FIBO dataset needs at least 5",
        FIBO.replace("visual_schema: auto", "visual_schema: {style: flat}"),
        lambda: _one(
            datasets=(
                dataset(imgs=images(4), training_version="fibo", visual_schema='{"style": "flat"}'),
            ),
            models=(),
        ),
        images=4,
    ),
    Rule(
        "DS-FAMILY-LOCK",
        "max is a legacy version, but this project is FIBO (datasets.v1 is fibo); Bria locks a "
        "project to the family of its first dataset",
        FIBO + "  v2:\n    training_version: max\n    images: [images/i0.png]\n",
        lambda: _one(
            datasets=(
                dataset(imgs=images(5), training_version="fibo", visual_schema_auto=True),
                dataset("v2", imgs=images(1, dataset="v2")),
            ),
            models=(),
        ),
    ),
    Rule(
        "VS-IMAGES-5-10",
        "'auto' asks Bria's generate_visual_schema, which needs 5-10 sample images, but the "
        "dataset has 3",
        FIBO.replace("    images:", "    completed: false\n    images:"),
        lambda: _one(
            datasets=(
                dataset(
                    imgs=images(3),
                    training_version="fibo",
                    visual_schema_auto=True,
                    completed=False,
                ),
            ),
            models=(),
        ),
        images=3,
    ),
    Rule(
        "IMG-CAPTION-JSON",
        "a FIBO image's caption is a JSON object (a NAME.json sidecar), not text",
        FIBO.replace(
            "    images: [images/*.png]\n",
            "    images: [images/*.png, {path: images/i0.png, caption: a fox}]\n",
        ),
        lambda: _one(
            datasets=(
                dataset(
                    imgs=(image("i0.png", caption="a fox"), *images(4)),
                    training_version="fibo",
                    visual_schema_auto=True,
                ),
            ),
            models=(),
        ),
    ),
    Rule(
        "MODEL-VERSION-FAMILY",
        "max is a legacy version, but dataset 'v1' is FIBO (training_version: fibo); a model "
        "trains only on a dataset of its own family",
        FIBO + "models:\n  light: {dataset: v1, training_version: max}\n",
        lambda: _one(
            datasets=(dataset(imgs=images(5), training_version="fibo", visual_schema_auto=True),),
            models=(model(training_version="max"),),
        ),
    ),
]


def _validate_messages(root: Path, rule: Rule) -> list[str]:
    write_files(root, {"acme.yaml": rule.manifest})
    for i in range(rule.images):
        write_image(root / "images" / f"i{i}.png", rule.size, color=(i % 256, i // 256, 9))
    return [error.message for error in check_workspace(root).errors]


@pytest.mark.parametrize("rule", RULES, ids=[rule.constraint for rule in RULES])
def test_validate_and_plan_say_the_same(tmp_path: Path, rule: Rule) -> None:
    validated = _validate_messages(tmp_path, rule)
    assert any(m.endswith(f": {rule.message}") for m in validated), validated

    plan = build_plan(rule.desired(), [], LiveSnapshot())
    planned = [d.summary for d in plan.errors if d.constraint == rule.constraint]
    assert any(s.endswith(f": {rule.message}") for s in planned), [
        (d.constraint, d.summary) for d in plan.errors
    ]


def test_every_rule_with_a_manifest_form_is_covered() -> None:
    assert len({rule.constraint for rule in RULES}) == len(RULES) >= 15
