"""Destroy while a model trains: the training is stopped first, then everything goes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Sandbox, make_workspace, tailor_here

pytestmark = [pytest.mark.slow, pytest.mark.socket]


def test_destroy_stops_a_running_training_first(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    assert tailor_here("apply", str(ws), "--auto-approve").exit_code == 0
    assert [m["status"] for m in sandbox.inventory()["models"]] == ["InProgress"]
    model_id = sandbox.inventory()["models"][0]["id"]

    shown = tailor_here("destroy", str(ws), "--auto-approve")
    assert shown.exit_code == 0, shown.output
    assert "stop_training" in shown.output
    live = sandbox.inventory()
    assert live["projects"] == [] and live["datasets"] == [] and live["models"] == []
    assert sandbox.stats()["requests"].get(
        "POST /v1/tailored-gen/models/{model_id}/stop_training"
    ) == 1
    assert model_id > 0
    listed = tailor_here("state", "list", str(ws))
    assert listed.exit_code == 0 and listed.output.strip() == ""


def test_destroy_a_targeted_model_only(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    assert tailor_here("apply", str(ws), "--auto-approve").exit_code == 0
    sandbox.advance(7200)
    done = tailor_here("destroy", str(ws), "--auto-approve", "--target", "acme-mascot/models/light")
    assert done.exit_code == 0, done.output
    live = sandbox.inventory()
    assert live["models"] == []
    assert len(live["projects"]) == 1 and len(live["datasets"]) == 1
