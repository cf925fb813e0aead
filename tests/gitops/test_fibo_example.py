"""examples/fibo: a small FIBO workspace that validates, stays small, fits Bria's rules and is
what scripts/make_fibo_example.py draws. Its apply end to end: tests/e2e/test_fibo_example.py."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import yaml
from click.testing import CliRunner
from PIL import Image

from reconciler.cli.main import cli
from tests.conftest import EXAMPLES, copy_example
from tests.gitops.test_ip_type_examples import differing_share

ROOT = Path(__file__).resolve().parents[2]
FIBO_EXAMPLE = EXAMPLES / "fibo"
IMAGES = FIBO_EXAMPLE / "images" / "coast"
MAX_EXAMPLE_BYTES = 60_000


def manifest() -> dict[str, object]:
    loaded = yaml.safe_load((FIBO_EXAMPLE / "coast.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_example_validates(tmp_path: Path) -> None:
    workspace = copy_example(FIBO_EXAMPLE, tmp_path / "fibo")
    result = CliRunner().invoke(cli, ["validate", str(workspace)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 1 project, 1 dataset (6 images), 1 model")


def test_the_example_shows_what_its_readme_says() -> None:
    """A FIBO dataset with an auto schema and a refine instruction, JSON sidecar captions, and
    a model that leaves training_version to its dataset's generation."""
    datasets = dict(manifest()["datasets"])  # type: ignore[call-overload]
    (dataset,) = datasets.values()
    assert dataset["training_version"] == "fibo"
    assert dataset["visual_schema"] == "auto"
    assert len(dataset["refine"]) == 1
    models = dict(manifest()["models"])  # type: ignore[call-overload]
    assert all("training_version" not in spec for spec in models.values())
    sidecars = sorted(IMAGES.glob("*.json"))
    assert 2 <= len(sidecars) < len(list(IMAGES.glob("*.png")))
    for sidecar in sidecars:
        caption = json.loads(sidecar.read_text(encoding="utf-8"))
        assert isinstance(caption, dict) and caption
        assert sidecar.with_suffix(".png").is_file()
    assert (FIBO_EXAMPLE / "README.md").is_file()


def test_the_example_is_small_and_its_images_fit_bria() -> None:
    """5-10 images (a FIBO dataset completes with 5; the schema samples 5-10), each one Bria
    upscales (256-1023 px with increase_resolution)."""
    files = [p for p in FIBO_EXAMPLE.rglob("*") if p.is_file() and ".tailor" not in p.parts]
    assert sum(p.stat().st_size for p in files) < MAX_EXAMPLE_BYTES
    images = sorted(IMAGES.glob("*.png"))
    assert 5 <= len(images) <= 10
    for path in images:
        with Image.open(path) as image:
            assert min(image.size) >= 256 and max(image.size) < 1024, path.name


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_fibo_example", ROOT / "scripts" / "make_fibo_example.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_committed_images_are_what_the_script_draws(tmp_path: Path) -> None:
    load_script().main(tmp_path)
    drawn = sorted(p.name for p in tmp_path.iterdir())
    assert drawn == sorted(p.name for p in IMAGES.iterdir()), "run scripts/make_fibo_example.py"
    for name in drawn:
        if name.endswith(".json"):
            assert (tmp_path / name).read_text() == (IMAGES / name).read_text()
            continue
        with Image.open(tmp_path / name) as new, Image.open(IMAGES / name) as old:
            assert new.size == old.size, name
            assert differing_share(new, old) < 0.02, f"{name} no longer matches the script"
