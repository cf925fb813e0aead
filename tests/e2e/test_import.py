"""`tailor import`: a lost state is rebuilt from Bria by name, or one object at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Sandbox, make_workspace, tailor_here

pytestmark = [pytest.mark.slow, pytest.mark.socket]


def lose_state(ws: Path) -> None:
    for path in (ws / ".tailor").glob("state.db*"):
        path.unlink()


def test_adopt_rebuilds_a_lost_state(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    assert tailor_here("apply", str(ws), "--auto-approve").exit_code == 0
    before = tailor_here("state", "list", str(ws)).output
    lose_state(ws)
    adopted = tailor_here("import", "--adopt", str(ws))
    assert adopted.exit_code == 0, adopted.output
    assert "Imported acme-mascot/models/light" in adopted.output
    assert tailor_here("state", "list", str(ws)).output == before
    planned = tailor_here("plan", str(ws), "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output
    again = tailor_here("import", "--adopt", str(ws))
    assert "Nothing to import" in again.output


def test_import_one_object_at_a_time(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    assert tailor_here("apply", str(ws), "--auto-approve").exit_code == 0
    live = sandbox.inventory()
    lose_state(ws)
    model_first = tailor_here(
        "import", "acme-mascot/models/light", str(live["models"][0]["id"]), "--path", str(ws)
    )
    assert model_first.exit_code == 1
    assert "import it before" in model_first.output
    for address, remote_id in (
        ("acme-mascot", live["projects"][0]["id"]),
        ("acme-mascot/datasets/v1", live["datasets"][0]["id"]),
        ("acme-mascot/models/light", live["models"][0]["id"]),
    ):
        done = tailor_here("import", address, str(remote_id), "--path", str(ws))
        assert done.exit_code == 0, done.output
    assert tailor_here("plan", str(ws), "--detailed-exitcode").exit_code == 0
    missing = tailor_here("import", "other", "999999", "--path", str(ws))
    assert missing.exit_code == 1 and "no project 999999" in missing.output
