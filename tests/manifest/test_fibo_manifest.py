"""FIBO manifests (CONTRACT section 9): training_version, visual_schema, refine, JSON sidecar
captions, one family per project. Good ones load into Desired records; each bad one fails
validate with exit 1, naming FILE:LINE:COL and the field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from reconciler.manifest.workspace import load_workspace
from reconciler.resources import DesiredDataset
from tests.manifest.conftest import run_validate, write_files, write_image

FIBO_MANIFEST = """\
project: acme
ip:
  type: stylized_scene
  medium: illustration
datasets:
  scenes:
    training_version: fibo
    visual_schema: auto
    refine:
      - Make the style warmer
    images:
      - images/*.png
models:
  scene-model:
    dataset: scenes
"""


def _images(root: Path, count: int = 5) -> None:
    for i in range(count):
        write_image(root / "images" / f"s{i}.png", color=(10 * i, 40, 90))


def _fibo(old: str = "", new: str = "") -> str:
    assert old in FIBO_MANIFEST
    return FIBO_MANIFEST.replace(old, new, 1)


NO_REFINE = _fibo("    refine:\n      - Make the style warmer\n", "")


def _dataset(root: Path) -> DesiredDataset:
    (project,) = load_workspace(root).projects
    (dataset,) = project.datasets
    return dataset


def test_auto_schema_with_refine_loads(tmp_path: Path) -> None:
    write_files(tmp_path, {"acme.yaml": FIBO_MANIFEST})
    _images(tmp_path)
    (project,) = load_workspace(tmp_path).projects
    (dataset,) = project.datasets
    (model,) = project.models
    assert dataset.training_version == "fibo" and dataset.is_fibo
    assert dataset.visual_schema_auto and dataset.visual_schema is None
    assert dataset.refine == ("Make the style warmer",)
    assert model.training_version == "fibo"  # omitted: the FIBO dataset's version


def test_schema_from_a_file_is_canonical_json(tmp_path: Path) -> None:
    manifest = NO_REFINE.replace("visual_schema: auto", "visual_schema: schema.json")
    write_files(tmp_path, {"acme.yaml": manifest, "schema.json": '{"style": "x",\n "a": [1]}'})
    _images(tmp_path)
    dataset = _dataset(tmp_path)
    assert dataset.visual_schema == '{"a": [1], "style": "x"}'
    assert not dataset.visual_schema_auto


def test_inline_schema_and_json_sidecar_captions(tmp_path: Path) -> None:
    manifest = NO_REFINE.replace(
        "visual_schema: auto", "visual_schema:\n      style: flat\n      colors: [red]"
    )
    write_files(tmp_path, {"acme.yaml": manifest, "images/s1.json": '{"subject": "a fox"}'})
    _images(tmp_path)
    dataset = _dataset(tmp_path)
    assert json.loads(dataset.visual_schema or "") == {"style": "flat", "colors": ["red"]}
    captions = {image.name: image.caption for image in dataset.images}
    assert captions["s1.png"] == '{"subject": "a fox"}'
    assert captions["s0.png"] is None  # left to Bria


def test_legacy_versions_and_model_versions_load(tmp_path: Path) -> None:
    manifest = """\
project: acme
ip: {type: stylized_scene, medium: illustration}
datasets:
  old:
    training_version: "3.2"
    caption_prefix: "a scene, "
    images: [images/*.png]
models:
  m:
    dataset: old
    training_version: bria-3.2
"""
    write_files(tmp_path, {"acme.yaml": manifest})
    _images(tmp_path, 1)
    (project,) = load_workspace(tmp_path).projects
    assert project.datasets[0].training_version == "3.2"
    assert not project.datasets[0].is_fibo
    assert project.models[0].training_version == "bria-3.2"


def test_default_training_version_is_max(tmp_path: Path) -> None:
    manifest = "project: acme\nip: {type: stylized_scene, medium: illustration}\n"
    manifest += "datasets:\n  d:\n    images: [images/*.png]\n"
    write_files(tmp_path, {"acme.yaml": manifest})
    _images(tmp_path, 1)
    assert _dataset(tmp_path).training_version == "max"


@dataclass(frozen=True)
class Bad:
    id: str
    where: str
    message: str
    manifest: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    images: int = 5


BAD = [
    Bad(
        "dataset-version-enum",
        "acme.yaml:7:23",
        "'fibbo' is not one of max, light, 3.2, 2.3, fibo",
        _fibo("training_version: fibo", "training_version: fibbo"),
    ),
    Bad(
        "caption-prefix-on-fibo",
        "acme.yaml:9:21",
        "datasets.scenes.caption_prefix: a FIBO dataset (training_version: fibo) has no caption",
        _fibo("    visual_schema: auto\n", '    visual_schema: auto\n    caption_prefix: "x, "\n'),
    ),
    Bad(
        "visual-schema-on-legacy",
        "acme.yaml:8:5",
        "datasets.scenes.visual_schema: only a FIBO dataset has a visual schema",
        NO_REFINE.replace("training_version: fibo", "training_version: max").replace(
            "  scene-model:\n    dataset: scenes\n",
            "  scene-model:\n    dataset: scenes\n    training_version: max\n",
        ),
    ),
    Bad(
        "refine-on-legacy",
        "acme.yaml:7:5",
        "datasets.scenes.refine: only a FIBO dataset has a visual schema",
        NO_REFINE.replace("    training_version: fibo\n    visual_schema: auto\n", "")
        .replace("    images:", "    refine: [warmer]\n    images:")
        .replace("    dataset: scenes\n", "    dataset: scenes\n    training_version: max\n"),
    ),
    Bad(
        "refine-without-auto",
        "acme.yaml:9:5",
        "datasets.scenes.refine: refine instructions apply to a generated schema",
        _fibo("visual_schema: auto", "visual_schema: {style: flat}"),
    ),
    Bad(
        "fewer-than-5-images",
        "acme.yaml:9:5",
        "datasets.scenes.images: 4 image(s), but a completed FIBO dataset needs at least 5",
        NO_REFINE.replace("visual_schema: auto", "visual_schema: {style: flat}"),
        images=4,
    ),
    Bad(
        "auto-schema-needs-5-images",
        "acme.yaml:8:20",
        "generate_visual_schema, which needs 5-10 sample images, but the dataset has 3",
        NO_REFINE.replace("    images:", "    completed: false\n    images:").replace(
            "    dataset: scenes\n", "    dataset: scenes\n    train: false\n"
        ),
        images=3,
    ),
    Bad(
        "completed-fibo-needs-a-schema",
        "acme.yaml:7:5",
        "datasets.scenes.visual_schema: required to complete a FIBO dataset",
        NO_REFINE.replace("    visual_schema: auto\n", ""),
    ),
    Bad(
        "schema-not-json-path",
        "acme.yaml:8:20",
        "datasets.scenes.visual_schema: 'schema.yaml' is neither auto nor a path to a .json",
        NO_REFINE.replace("visual_schema: auto", "visual_schema: schema.yaml"),
    ),
    Bad(
        "schema-file-invalid-json",
        "schema.json:2:11",
        "schema.json is not valid JSON: Expecting property name enclosed in double quotes",
        NO_REFINE.replace("visual_schema: auto", "visual_schema: schema.json"),
        {"schema.json": '{"style": "x",\n "a": [1],}'},
    ),
    Bad(
        "schema-file-not-an-object",
        "schema.json:1:1",
        "schema.json must be a JSON object ({...}), not an array",
        NO_REFINE.replace("visual_schema: auto", "visual_schema: schema.json"),
        {"schema.json": "[1, 2]"},
    ),
    Bad(
        "schema-file-missing",
        "acme.yaml:8:20",
        "datasets.scenes.visual_schema: schema.json",
        NO_REFINE.replace("visual_schema: auto", "visual_schema: schema.json"),
    ),
    Bad(
        "schema-file-outside-workspace",
        "acme.yaml:8:20",
        "datasets.scenes.visual_schema:",
        NO_REFINE.replace("visual_schema: auto", "visual_schema: ../outside.json"),
    ),
    Bad(
        "sidecar-invalid-json",
        "images/s2.json:1:13",
        "caption file images/s2.json is not valid JSON",
        NO_REFINE,
        {"images/s2.json": '{"subject": }'},
    ),
    Bad(
        "sidecar-not-an-object",
        "images/s2.json:1:1",
        "caption file images/s2.json must be a JSON object",
        NO_REFINE,
        {"images/s2.json": '"a fox"'},
    ),
    Bad(
        "text-sidecar-on-fibo",
        "acme.yaml:10:9",
        "image images/s2.png: a FIBO image's caption is a JSON object (a NAME.json sidecar)",
        NO_REFINE,
        {"images/s2.txt": "a fox"},
    ),
    Bad(
        "explicit-text-caption-on-fibo",
        "acme.yaml:11:9",
        "image images/s0.png: a FIBO image's caption is a JSON object",
        NO_REFINE.replace(
            "      - images/*.png\n",
            "      - images/*.png\n      - {path: images/s0.png, caption: a fox}\n",
        ),
    ),
    Bad(
        "two-families-in-one-project",
        "acme.yaml:12:23",
        "datasets.zz.training_version: max is a legacy version, but this project is FIBO "
        "(datasets.scenes is fibo)",
        NO_REFINE.replace(
            "models:",
            "  zz:\n    training_version: max\n    images: [images/s0.png]\nmodels:",
        ),
    ),
    Bad(
        "model-of-the-wrong-family",
        "acme.yaml:14:23",
        "models.scene-model.training_version: max is a legacy version, but dataset 'scenes' is "
        "FIBO",
        NO_REFINE + "    training_version: max\n",
    ),
    Bad(
        "fibo-model-on-legacy-dataset",
        "acme.yaml:9:23",
        "models.m.training_version: fibo is a FIBO version, but dataset 'old' is legacy",
        "project: acme\nip: {type: stylized_scene, medium: illustration}\ndatasets:\n"
        "  old:\n    images: [images/*.png]\nmodels:\n  m:\n    dataset: old\n"
        "    training_version: fibo\n",
        images=1,
    ),
    Bad(
        "legacy-model-needs-a-version",
        "acme.yaml:8:5",
        "models.m.training_version: required for a model of a legacy dataset",
        "project: acme\nip: {type: stylized_scene, medium: illustration}\ndatasets:\n"
        "  old:\n    images: [images/*.png]\nmodels:\n  m:\n    dataset: old\n",
        images=1,
    ),
    Bad(
        "model-version-enum",
        "acme.yaml:14:23",
        "'bria-4' is not one of light, max, bria-2.3, bria-3.2, fibo",
        NO_REFINE + "    training_version: bria-4\n",
    ),
    Bad(
        "fibo-checkpoint-over-fibo-default",
        "acme.yaml:16:28",
        "checkpoint_interval: 800 is more than total_training_steps (750, the FIBO default)",
        NO_REFINE
        + "    training_mode: expert\n    parameters:\n"
        + "      checkpoint_interval: 800\n",
    ),
]


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_bad_fibo_manifest_fails_with_location(tmp_path: Path, case: Bad) -> None:
    write_files(tmp_path, {"acme.yaml": case.manifest, **case.files})
    _images(tmp_path, case.images)
    if case.id == "schema-file-outside-workspace":
        (tmp_path.parent / "outside.json").write_text('{"a": 1}')

    result = run_validate(tmp_path)

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    matching = [line for line in lines if line.startswith(f"{case.where}: ")]
    assert matching, f"no line starts with {case.where}:\n{result.output}"
    assert any(case.message in line for line in matching), result.output
    assert lines[-1] == "1 error found; nothing was sent to Bria.", result.output
