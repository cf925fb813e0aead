"""Saved plans: applied as shown, refused once the state or Bria moved since they were made."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from PIL import Image

from reconciler.addresses import Address, Kind
from reconciler.engine.ledger import CREATE_OPERATION, CreateIntent
from reconciler.state.factory import open_store
from tests.e2e.conftest import Sandbox, make_workspace, tailor_here

pytestmark = [pytest.mark.slow, pytest.mark.socket]


def test_a_saved_plan_applies_then_goes_stale(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    first = ws / "first.plan.json"
    made = tailor_here("plan", str(ws), "--out", str(first))
    assert made.exit_code == 0, made.output
    stale = ws / "stale.plan.json"
    assert tailor_here("plan", str(ws), "--out", str(stale)).exit_code == 0

    applied = tailor_here("apply", str(first))
    assert applied.exit_code == 0, applied.output
    assert "Apply: 3 done (and 6 images)" in applied.output
    refused = tailor_here("apply", str(stale))
    assert refused.exit_code == 1
    assert "Saved plan is stale" in refused.output and "Run plan again" in refused.output

    (ws / "mascot.yaml").write_text(
        (ws / "mascot.yaml").read_text().replace("fast generation", "quick generation")
    )
    later = ws / "later.plan.json"
    assert tailor_here("plan", str(ws), "--out", str(later)).exit_code == 0
    project = sandbox.inventory()["projects"][0]
    renamed = httpx.put(
        f"{sandbox.api}/tailored-gen/projects/{project['id']}",
        json={"project_description": "edited in the Console"},
        headers={"api_token": "console"},
        timeout=10,
    )
    assert renamed.status_code == 200
    moved = tailor_here("apply", str(later))
    assert moved.exit_code == 1
    assert "Saved plan is stale" in moved.output and "Bria changed" in moved.output
    assert json.loads(later.read_text())["format_version"] == 1


def test_plan_errors_refuse_apply(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, "sandbox")
    manifest = ws / "mascot.yaml"
    text = manifest.read_text().replace(
        "    description: fast generation for social posts\n",
        "    description: fast generation for social posts\n"
        "    lifecycle:\n      prevent_destroy: true\n",
    )
    manifest.write_text(text)
    assert tailor_here("apply", str(ws), "--auto-approve").exit_code == 0
    manifest.write_text(text.replace("training_version: light", "training_version: max"))
    refused = tailor_here("apply", str(ws), "--auto-approve")
    assert refused.exit_code == 1
    assert "prevent_destroy" in refused.output and "refused" in refused.output
    assert "Apply results" not in refused.output


def interrupt_the_model_create(ws: Path) -> None:
    """The state an apply killed after Bria made the model and before it was recorded leaves:
    no entry, a pending create intent."""
    store = open_store(".tailor/state.db", workspace=ws)
    try:
        model = store.read().require("acme-mascot/models/light")
        dataset = store.read().require("acme-mascot/datasets/v1")
        intent = CreateIntent(
            Address.parse(model.address), Kind.MODEL, "light", dataset.remote_id, (),
            model.attributes,
        )
        with store.lock("apply") as lock:
            store.remove(lock, model.address)
            store.record_intent(lock, model.address, CREATE_OPERATION, intent.details())
    finally:
        store.close()


def test_a_plan_saved_while_operations_are_pending_says_apply_will_refuse_it(
    tmp_path: Path,
) -> None:
    ws = make_workspace(tmp_path, "sandbox")
    assert tailor_here("apply", str(ws), "--auto-approve").exit_code == 0
    interrupt_the_model_create(ws)
    saved = ws / "pending.plan.json"
    made = tailor_here("plan", str(ws), "--out", str(saved))
    assert made.exit_code == 0, made.output
    assert (
        "warning: 1 operation(s) of an interrupted apply are pending; the next apply resolves "
        f"them first. That changes the state, so `tailor apply {saved}` will refuse this saved "
        f"plan as stale. Run `tailor apply {ws}` without a saved plan instead"
    ) in made.output
    assert "Apply it with" not in made.output
    unsaved = tailor_here("plan", str(ws))
    assert "the next apply resolves them first.\n" in unsaved.output
    assert "will refuse" not in unsaved.output

    refused = tailor_here("apply", str(saved))
    assert refused.exit_code == 1
    assert "acme-mascot/models/light: an interrupted create had succeeded" in refused.output
    assert (
        "Error: Saved plan is stale: this apply first resolved 1 operation(s) an interrupted "
        "apply had left pending (above), which changed the state since the plan was made."
    ) in refused.output
    assert "a new `tailor plan --out FILE` applies" in refused.output
    assert "Apply results" not in refused.output

    again = ws / "again.plan.json"
    remade = tailor_here("plan", str(ws), "--out", str(again))
    assert "pending" not in remade.output and "Apply it with" in remade.output
    applied = tailor_here("apply", str(again))
    assert applied.exit_code == 0, applied.output


def test_a_refresh_only_plan_records_what_bria_has(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    assert tailor_here("apply", str(ws), "--auto-approve").exit_code == 0
    project = sandbox.inventory()["projects"][0]
    edited = httpx.put(
        f"{sandbox.api}/tailored-gen/projects/{project['id']}",
        json={"project_description": "edited in the Console"},
        headers={"api_token": "console"},
        timeout=10,
    )
    assert edited.status_code == 200
    saved = ws / "refresh.plan.json"
    assert tailor_here("plan", str(ws), "--refresh-only", "--out", str(saved)).exit_code == 0
    recorded = tailor_here("apply", str(saved))
    assert recorded.exit_code == 0, recorded.output
    assert "Recorded what Bria has now for 1 object" in recorded.output
    shown = tailor_here("state", "show", "acme-mascot", str(ws))
    assert "edited in the Console" in shown.output
    assert sandbox.inventory()["projects"][0]["project_description"] == "edited in the Console"


def test_a_saved_plan_is_refused_before_anything_runs_when_an_image_changed(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    saved = ws / "tailor.plan"
    assert tailor_here("plan", str(ws), "--out", str(saved)).exit_code == 0
    with Image.open(ws / "images" / "v1" / "fox-04.png") as image:
        image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(ws / "images" / "v1" / "fox-04.png")
    sandbox.control("POST", "stats/reset")
    refused = tailor_here("apply", str(saved))
    assert refused.exit_code == 1
    assert "Saved plan is stale: 1 image file(s) changed" in refused.output
    assert "images/v1/fox-04.png" in refused.output
    assert sandbox.stats()["total"] == 0  # refused before a single request to Bria


def test_a_saved_html_review_plan_applies(sandbox: Sandbox, tmp_path: Path) -> None:
    """The review page lists completed datasets' images for their URLs; apply's freshness
    check takes them from the state. The saved plan's fingerprint must not tell them apart."""
    ws = make_workspace(tmp_path, sandbox.api)
    applied = tailor_here("apply", str(ws), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    (ws / "mascot.yaml").write_text(
        (ws / "mascot.yaml").read_text().replace("fast generation", "quick generation")
    )
    saved = ws / "review.plan.json"
    made = tailor_here("plan", str(ws), "--format", "html", "--out", str(saved))
    assert made.exit_code == 0, made.output
    again = tailor_here("apply", str(saved))
    assert again.exit_code == 0, again.output
    assert "Saved plan is stale" not in again.output
