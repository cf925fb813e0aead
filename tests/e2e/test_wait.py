"""`apply --wait`: waits for training with progress, then deletes a replaced predecessor."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import make_workspace, serve_sandbox, tailor_here

pytestmark = [pytest.mark.slow, pytest.mark.socket]


def test_wait_trains_then_replaces_create_before_destroy(tmp_path: Path) -> None:
    with serve_sandbox(tmp_path / "sandbox.db", training_seconds=1.0) as sandbox:
        ws = make_workspace(tmp_path, sandbox.api)
        first = tailor_here("apply", str(ws), "--auto-approve", "--wait")
        assert first.exit_code == 0, first.output
        assert "training Completed" in first.output
        old_id = sandbox.inventory()["models"][0]["id"]
        manifest = ws / "mascot.yaml"
        manifest.write_text(
            manifest.read_text().replace("training_version: light", "training_version: max")
        )
        second = tailor_here("apply", str(ws), "--auto-approve", "--wait")
        assert second.exit_code == 0, second.output
        models = sandbox.inventory()["models"]
        assert [m["status"] for m in models] == ["Completed"] and models[0]["id"] != old_id
        assert sandbox.bria(f"/tailored-gen/models/{old_id}")["status"] == "Deleted"
        assert tailor_here("plan", str(ws), "--detailed-exitcode").exit_code == 0
