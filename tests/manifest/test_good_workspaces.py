"""A valid workspace per IP type validates and yields exactly the expected Desired records."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from reconciler.addresses import Address
from reconciler.errors import Location
from reconciler.manifest.workspace import load_workspace
from reconciler.resources import DesiredDataset, DesiredImage, DesiredModel, DesiredProject
from tests.manifest.conftest import run_validate, write_files, write_image

IP_TYPES = {
    "defined_character": "  name: Foxy\n  description: An orange fox\n  medium: photography\n",
    "stylized_scene": "  medium: photography\n",
    "multi_object_set": "  medium: illustration\n",
    "object_variants": "  description: Sneakers in many colours\n  medium: illustration\n",
    "icons": "  medium: illustration\n",
    "character_variants": "  medium: illustration\n",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("ip_type", sorted(IP_TYPES))
def test_each_ip_type_validates(tmp_path: Path, ip_type: str) -> None:
    write_files(
        tmp_path,
        {
            "p.yaml": f"project: p-{ip_type}\nip:\n  type: {ip_type}\n{IP_TYPES[ip_type]}"
            "datasets:\n  v1:\n    images: [pics/*.png]\n"
            "models:\n  m:\n    dataset: v1\n    training_version: max\n"
        },
    )
    write_image(tmp_path / "pics" / "one.png")

    result = run_validate(tmp_path)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: 1 project, 1 dataset (1 image), 1 model"
    image = tmp_path / "pics" / "one.png"
    key = f"p-{ip_type}"
    expected_ip = {
        "ip_name": "Foxy" if ip_type == "defined_character" else None,
        "ip_description": {
            "defined_character": "An orange fox",
            "object_variants": "Sneakers in many colours",
        }.get(ip_type),
        "ip_medium": "photography" if "photography" in IP_TYPES[ip_type] else "illustration",
    }
    assert load_workspace(tmp_path).projects == (
        DesiredProject(
            address=Address.project_(key),
            key=key,
            name=key,
            ip_type=ip_type,
            datasets=(
                DesiredDataset(
                    address=Address.dataset_(key, "v1"),
                    key="v1",
                    name="v1",
                    upload_type="basic",
                    caption_prefix=None,
                    images=(
                        DesiredImage(
                            address=Address.image_(key, "v1", "one.png"),
                            name="one.png",
                            path="pics/one.png",
                            sha256=sha256(image),
                            caption=None,
                            caption_origin=None,
                            width=256,
                            height=256,
                            format="png",
                            size_bytes=image.stat().st_size,
                            location=Location("p.yaml", 6 + IP_TYPES[ip_type].count("\n"), 14),
                        ),
                    ),
                    location=Location("p.yaml", 5 + IP_TYPES[ip_type].count("\n"), 3),
                ),
            ),
            models=(
                DesiredModel(
                    address=Address.model_(key, "m"),
                    key="m",
                    name="m",
                    dataset="v1",
                    training_version="max",
                    training_mode="fully_automated",
                    location=Location("p.yaml", 8 + IP_TYPES[ip_type].count("\n"), 3),
                ),
            ),
            file="p.yaml",
            location=Location("p.yaml", 1, 10),
            **expected_ip,
        ),
    )


FULL = """\
# yaml-language-server: $schema=./schemas/manifest.schema.json
project: acme-mascot
display_name: Acme Mascot
description: Brand mascot
ip:
  name: Foxy
  description: A friendly orange fox
  type: defined_character
  medium: illustration
lifecycle: {prevent_destroy: true}
datasets:
  v1:
    caption_prefix: auto
    images:
      - images/v1/*.png
      - path: images/extra/balloon.jpg
        caption: "  Foxy in a balloon  "
      - path: images/v1/fox-02.png
        caption: Foxy waving
  big:
    display_name: Big set
    upload: advanced
    caption_prefix: "An illustration of Foxy, "
    completed: false
    images: [images/big/*]
    lifecycle: {prevent_destroy: true}
models:
  light:
    dataset: v1
    training_version: light
    description: fast
  max-expert:
    display_name: Max (expert)
    dataset: v1
    training_version: max
    training_mode: expert
    parameters: {rank: 32, learning_rate: 1e-4, total_training_steps: 2000,
                 checkpoint_interval: 500, lr_scheduler: cosine}
    lifecycle: {prevent_destroy: true, retain_on_replace: true}
  draft:
    dataset: big
    training_version: max
    train: false
"""


def test_full_manifest_builds_expected_records(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "mascot.yaml": FULL,
            "tailor.yaml": "api: sandbox\n",
            "images/v1/fox-01.txt": "\ufeffFoxy smiling \n",
            "images/v1/fox-02.txt": "ignored: the explicit caption wins",
            "images/v1/notes.md": "not an image, not matched by *.png",
        },
    )
    fox1 = write_image(tmp_path / "images/v1/fox-01.png", (256, 300))
    fox2 = write_image(tmp_path / "images/v1/fox-02.png", (512, 512), color=(1, 1, 1))
    balloon = write_image(tmp_path / "images/extra/balloon.jpg", (400, 300), fmt="JPEG")
    big_a = write_image(tmp_path / "images/big/a.webp", (1024, 1024), fmt="WEBP")
    big_b = write_image(tmp_path / "images/big/b.png", (1100, 1024))
    (tmp_path / "images/big/b.txt").write_text("sidecar for b", encoding="utf-8")

    workspace = load_workspace(tmp_path)

    assert workspace.root == str(tmp_path)
    (project,) = workspace.projects
    v1_images = (
        DesiredImage(
            address=Address.image_("acme-mascot", "v1", "balloon.jpg"),
            name="balloon.jpg",
            path="images/extra/balloon.jpg",
            sha256=sha256(balloon),
            caption="Foxy in a balloon",
            caption_origin="explicit",
            width=400,
            height=300,
            format="jpeg",
            size_bytes=balloon.stat().st_size,
            location=Location("mascot.yaml", 16, 9),
        ),
        DesiredImage(
            address=Address.image_("acme-mascot", "v1", "fox-01.png"),
            name="fox-01.png",
            path="images/v1/fox-01.png",
            sha256=sha256(fox1),
            caption="Foxy smiling",
            caption_origin="sidecar",
            width=256,
            height=300,
            format="png",
            size_bytes=fox1.stat().st_size,
            location=Location("mascot.yaml", 15, 9),
        ),
        DesiredImage(
            address=Address.image_("acme-mascot", "v1", "fox-02.png"),
            name="fox-02.png",
            path="images/v1/fox-02.png",
            sha256=sha256(fox2),
            caption="Foxy waving",
            caption_origin="explicit",
            width=512,
            height=512,
            format="png",
            size_bytes=fox2.stat().st_size,
            location=Location("mascot.yaml", 18, 9),
        ),
    )
    big_images = (
        DesiredImage(
            address=Address.image_("acme-mascot", "big", "a.webp"),
            name="a.webp",
            path="images/big/a.webp",
            sha256=sha256(big_a),
            caption=None,
            caption_origin=None,
            width=1024,
            height=1024,
            format="webp",
            size_bytes=big_a.stat().st_size,
            location=Location("mascot.yaml", 25, 14),
        ),
        DesiredImage(
            address=Address.image_("acme-mascot", "big", "b.png"),
            name="b.png",
            path="images/big/b.png",
            sha256=sha256(big_b),
            caption="sidecar for b",
            caption_origin="sidecar",
            width=1100,
            height=1024,
            format="png",
            size_bytes=big_b.stat().st_size,
            location=Location("mascot.yaml", 25, 14),
        ),
    )
    assert project == DesiredProject(
        address=Address.project_("acme-mascot"),
        key="acme-mascot",
        name="Acme Mascot",
        ip_type="defined_character",
        ip_medium="illustration",
        description="Brand mascot",
        ip_name="Foxy",
        ip_description="A friendly orange fox",
        datasets=(
            DesiredDataset(
                address=Address.dataset_("acme-mascot", "big"),
                key="big",
                name="Big set",
                upload_type="advanced",
                caption_prefix="An illustration of Foxy, ",
                images=big_images,
                increase_resolution=False,
                completed=False,
                prevent_destroy=True,
                location=Location("mascot.yaml", 20, 3),
            ),
            DesiredDataset(
                address=Address.dataset_("acme-mascot", "v1"),
                key="v1",
                name="v1",
                upload_type="basic",
                caption_prefix="auto",
                images=v1_images,
                increase_resolution=True,
                completed=True,
                prevent_destroy=False,
                location=Location("mascot.yaml", 12, 3),
            ),
        ),
        models=(
            DesiredModel(
                address=Address.model_("acme-mascot", "draft"),
                key="draft",
                name="draft",
                dataset="big",
                training_version="max",
                training_mode="fully_automated",
                train=False,
                location=Location("mascot.yaml", 40, 3),
            ),
            DesiredModel(
                address=Address.model_("acme-mascot", "light"),
                key="light",
                name="light",
                dataset="v1",
                training_version="light",
                training_mode="fully_automated",
                description="fast",
                location=Location("mascot.yaml", 28, 3),
            ),
            DesiredModel(
                address=Address.model_("acme-mascot", "max-expert"),
                key="max-expert",
                name="Max (expert)",
                dataset="v1",
                training_version="max",
                training_mode="expert",
                parameters=(
                    ("checkpoint_interval", 500),
                    ("learning_rate", 0.0001),
                    ("lr_scheduler", "cosine"),
                    ("rank", 32),
                    ("total_training_steps", 2000),
                ),
                prevent_destroy=True,
                retain_on_replace=True,
                location=Location("mascot.yaml", 32, 3),
            ),
        ),
        prevent_destroy=True,
        file="mascot.yaml",
        location=Location("mascot.yaml", 2, 10),
    )
    result = run_validate(tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: 1 project, 2 datasets (5 images), 3 models"


def test_two_projects_in_two_files(tmp_path: Path) -> None:
    manifest = (
        "project: {key}\nip: {{type: icons, medium: illustration}}\n"
        "datasets: {{v1: {{images: [i/*.png]}}}}\n"
    )
    write_files(
        tmp_path,
        {
            "b.yml": manifest.format(key="zeta"),
            "a.yaml": manifest.format(key="alpha"),
            ".pre-commit-config.yaml": "repos: []\n",
            "sub/ignored.yaml": "not: scanned\n",
        },
    )
    write_image(tmp_path / "i" / "x.png")

    workspace = load_workspace(tmp_path)

    assert [p.key for p in workspace.projects] == ["alpha", "zeta"]
    assert [p.file for p in workspace.projects] == ["a.yaml", "b.yml"]
    assert workspace.projects[0].models == ()
