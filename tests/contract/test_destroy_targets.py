"""`tailor destroy --target ADDR` takes every kind of address the contract names, images
included: an image is deleted from a draft dataset, and refused with a plan error where Bria
refuses it (a completed dataset), never a silent "No changes"."""

from __future__ import annotations

import json
from pathlib import Path

from tests.contract.conftest import run

IMAGE = "acme-mascot/datasets/v1/images/fox-01.png"


def as_draft(workspace: Path) -> None:
    """The quickstart with its dataset left a draft and no model (images can still go)."""
    manifest = workspace / "mascot.yaml"
    text = manifest.read_text().replace("completed: true", "completed: false")
    manifest.write_text(text.split("\nmodels:")[0] + "\n")


def live_images(workspace: Path) -> list[str]:
    shown = run("state", "list", str(workspace))
    assert shown.code == 0, shown.output
    return [line for line in shown.stdout.splitlines() if "/images/" in line]


def test_destroy_targets_an_image_of_a_draft_dataset(quickstart: Path) -> None:
    as_draft(quickstart)
    assert run("apply", str(quickstart), "--auto-approve").code == 0
    result = run("destroy", str(quickstart), "--target", IMAGE, "--auto-approve")
    assert result.code == 0, result.output
    assert "1 image to delete" in result.stdout
    images = live_images(quickstart)
    assert IMAGE not in images
    assert len(images) == 5
    # The dataset and project stay; the image is back in the next plan as a create.
    plan = run("plan", str(quickstart), "--format", "json")
    changes = {c["address"]: c["action"] for c in json.loads(plan.stdout)["changes"]}
    assert changes[IMAGE] == "create"
    assert changes["acme-mascot/datasets/v1"] == "no-op"


def test_destroy_refuses_an_image_of_a_completed_dataset(quickstart: Path) -> None:
    assert run("apply", str(quickstart), "--auto-approve").code == 0
    result = run("destroy", str(quickstart), "--target", IMAGE, "--auto-approve")
    assert result.code == 1, result.output
    assert "completed" in result.output
    assert "IMG-DELETE-COMPLETED-DATASET" in result.output
    assert "No changes" not in result.output
    assert IMAGE in live_images(quickstart)
