"""Every example in examples/ip-types/ validates, applies on the embedded sandbox and converges."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import get_args

import pytest
import yaml
from click.testing import CliRunner, Result
from PIL import Image, ImageChops

from reconciler.cli.main import cli
from reconciler.resources import IpType
from tests.conftest import EXAMPLES, copy_example

ROOT = Path(__file__).resolve().parents[2]
IP_TYPE_EXAMPLES = EXAMPLES / "ip-types"
IP_TYPES: tuple[str, ...] = get_args(IpType)
MAX_EXAMPLE_BYTES = 200_000


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result


def manifest_of(example: Path) -> dict[str, object]:
    (path,) = [p for p in example.glob("*.yaml") if p.name != "tailor.yaml"]
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def committed_files(example: Path) -> list[Path]:
    return [p for p in example.rglob("*") if p.is_file() and ".tailor" not in p.parts]


def test_there_is_one_example_per_ip_type() -> None:
    found = sorted(p.name for p in IP_TYPE_EXAMPLES.iterdir() if p.is_dir())
    assert found == sorted(IP_TYPES)
    for ip_type in IP_TYPES:
        ip = manifest_of(IP_TYPE_EXAMPLES / ip_type)["ip"]
        assert isinstance(ip, dict)
        assert ip["type"] == ip_type


@pytest.mark.parametrize("ip_type", IP_TYPES)
def test_example_applies_on_the_sandbox_and_converges(tmp_path: Path, ip_type: str) -> None:
    workspace = tmp_path / ip_type
    copy_example(IP_TYPE_EXAMPLES / ip_type, workspace)
    assert (workspace / "tailor.yaml").read_text().count("api: sandbox") == 1

    validated = run("validate", str(workspace))
    assert validated.exit_code == 0, validated.output
    assert validated.output.startswith("OK: 1 project, 1 dataset")

    applied = run("apply", str(workspace), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "0 failed, 0 not started" in applied.output

    converged = run("plan", str(workspace), "--detailed-exitcode")
    assert converged.exit_code == 0, converged.output
    assert "No changes." in converged.output


def test_the_examples_cover_the_features_the_guide_points_to() -> None:
    manifests = {t: manifest_of(IP_TYPE_EXAMPLES / t) for t in IP_TYPES}
    datasets = {
        (t, key): spec
        for t, m in manifests.items()
        for key, spec in dict(m["datasets"]).items()  # type: ignore[call-overload]
    }
    models = [
        spec for m in manifests.values() for spec in dict(m["models"]).values()  # type: ignore[call-overload]
    ]
    assert all(manifests[t]["datasets"] and manifests[t]["models"] for t in IP_TYPES)
    assert any(spec.get("caption_prefix") == "auto" for spec in datasets.values())
    assert any(
        spec.get("training_mode") == "expert" and spec.get("parameters") for spec in models
    )
    assert any(spec.get("upload") == "advanced" for spec in datasets.values())
    assert manifests["defined_character"]["ip"]["medium"] == "photography"  # type: ignore[index]


@pytest.mark.parametrize("ip_type", IP_TYPES)
def test_example_is_small_and_its_images_fit_bria(ip_type: str) -> None:
    example = IP_TYPE_EXAMPLES / ip_type
    assert sum(p.stat().st_size for p in committed_files(example)) < MAX_EXAMPLE_BYTES
    advanced = any(
        spec.get("upload") == "advanced"
        for spec in dict(manifest_of(example)["datasets"]).values()  # type: ignore[call-overload]
    )
    minimum = 1024 if advanced else 256
    images = sorted((example / "images").glob("*.png"))
    assert len(images) >= 4
    for path in images:
        with Image.open(path) as image:
            assert min(image.size) >= minimum, f"{path.name} is {image.size}"


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_ip_type_examples", ROOT / "scripts" / "make_ip_type_examples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_committed_images_are_what_the_script_draws(tmp_path: Path) -> None:
    load_script().main(tmp_path)
    drawn = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(IP_TYPE_EXAMPLES)
        for p in IP_TYPE_EXAMPLES.rglob("*")
        if p.is_file() and p.parent.name == "images"
    )
    assert drawn == committed, "run python scripts/make_ip_type_examples.py"
    for relative in drawn:
        if relative.suffix == ".txt":
            assert (tmp_path / relative).read_text() == (IP_TYPE_EXAMPLES / relative).read_text()
            continue
        with Image.open(tmp_path / relative) as new, Image.open(IP_TYPE_EXAMPLES / relative) as old:
            assert new.size == old.size, relative
            assert differing_share(new, old) < 0.02, f"{relative} no longer matches the script"


def differing_share(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels that differ: another Pillow may rasterise an edge a pixel differently,
    while a changed picture differs in whole shapes."""
    difference = ImageChops.difference(a.convert("RGB"), b.convert("RGB")).convert("L")
    unchanged = difference.histogram()[0]
    return 1 - unchanged / (a.size[0] * a.size[1])
