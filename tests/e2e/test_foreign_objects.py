"""An organisation that also holds what tailor did not make (issue 12's acceptance).

Beside the quickstart's own objects the sandbox is seeded (its `/_sandbox/seed` and
`/_sandbox/objects` controls) with a FIBO tree (training_version "fibo", caption_prefix
null, JSON captions, an image whose caption_source is "pending"), a legacy tree whose every
object carries unknown fields and unknown enum values and lacks `updated_at`, and a dataset
tailor cannot read at all (its name is null). `plan`, `apply`, `import --adopt`, `output` and
`destroy` work on the managed objects and mention the others at most as warnings; the others
are never touched.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Sandbox, make_workspace, tailor_here

pytestmark = [pytest.mark.slow, pytest.mark.socket]

STRANGE = {
    "project": {"set": {"ip_type": "mascot", "ip_medium": "3d", "tier": {"gold": True}},
                "omit": ["updated_at"]},
    "dataset": {"set": {"status": "archived", "upload_type": "streaming", "x_flags": [1, 2],
                        "captions_update_status": "queued"},
                "omit": ["updated_at", "images_count"]},
    "image": {"set": {"caption_source": "pending", "caption": None, "x_score": 0.5},
              "omit": ["updated_at"]},
    "model": {"set": {"status": "Archived", "training_mode": "turbo", "training_version": "v9",
                      "generation_prefix": None},
              "omit": ["updated_at"]},
}
"""Overrides on every object of the legacy seed: values tailor has never heard of."""


def _seed(sandbox: Sandbox) -> list[dict[str, Any]]:
    fibo = sandbox.control("POST", "seed", {"generation": "fibo"})
    legacy = sandbox.control("POST", "seed", {"generation": "max", "overrides": STRANGE})
    broken = sandbox.control("POST", "seed", {"generation": "fibo", "model": False,
                                              "overrides": {"dataset": {"set": {"name": None}}}})
    return [fibo, legacy, broken]


def _foreign_ids(seeds: list[dict[str, Any]]) -> dict[str, set[int]]:
    return {
        "projects": {s["project_id"] for s in seeds},
        "datasets": {d for s in seeds for d in s["dataset_ids"]},
        "models": {s["model_id"] for s in seeds if s["model_id"] is not None},
    }


def _still_there(sandbox: Sandbox, foreign: dict[str, set[int]]) -> None:
    """Every seeded object is exactly where it was (read by id: lists may hide them)."""
    for project in foreign["projects"]:
        assert sandbox.bria(f"/tailored-gen/projects/{project}")["id"] == project
    for dataset in foreign["datasets"]:
        assert sandbox.bria(f"/tailored-gen/datasets/{dataset}")["id"] == dataset
    for model in foreign["models"]:
        assert sandbox.bria(f"/tailored-gen/models/{model}")["status"] != "Deleted"


def _quiet_about_others(output: str) -> None:
    """Seeded objects appear at most in warning lines; nothing is a traceback."""
    assert "Traceback" not in output and "ValidationError" not in output
    for line in output.splitlines():
        if "Seeded" in line or "seeded-" in line:
            assert "arning" in line, line


def _ok(*args: str) -> str:
    result = tailor_here(*args)
    assert result.exit_code == 0, result.output
    output: str = result.output
    _quiet_about_others(output)
    return output


def test_managed_objects_work_beside_objects_tailor_did_not_make(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    foreign = _foreign_ids(_seed(sandbox))
    listed = sandbox.bria("/tailored-gen/datasets")
    assert None in [d["name"] for d in listed]  # the sandbox serves what tailor cannot read
    assert "fibo" in [d.get("training_version") for d in listed]
    ws = make_workspace(tmp_path, sandbox.api)

    planned = tailor_here("plan", str(ws), "--detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    _quiet_about_others(planned.output)
    _ok("apply", str(ws), "--auto-approve")
    _ok("plan", str(ws), "--detailed-exitcode")
    _still_there(sandbox, foreign)

    # tailor's own objects grow fields it does not know and lose ones it does not need.
    state = json.loads(_ok("output", "--json", str(ws)))["acme-mascot"]
    dataset_id, model_id = state["datasets"]["v1"]["id"], state["models"]["light"]["id"]
    sandbox.control("PUT", f"objects/projects/{state['id']}",
                    {"set": {"training_version": "max", "tier": "gold"}})
    sandbox.control("PUT", f"objects/datasets/{dataset_id}",
                    {"set": {"visual_schema": None, "training_version": "max", "x": [1]},
                     "omit": ["updated_at", "captions_update_status"]})
    sandbox.control("PUT", f"objects/models/{model_id}",
                    {"set": {"custom_metadata": "", "x": {"y": 1}}, "omit": ["updated_at"]})
    _ok("plan", str(ws), "--detailed-exitcode")

    # A managed object tailor cannot read is left alone, with one warning naming it.
    sandbox.control("PUT", f"objects/models/{model_id}", {"set": {"status": 7}})
    unreadable = _ok("plan", str(ws), "--detailed-exitcode")
    assert f"could not read Bria's model {model_id}" in unreadable
    assert unreadable.count(f"model {model_id}") == 1
    sandbox.control("PUT", f"objects/models/{model_id}", {})

    # A lost state is rebuilt by name from Bria's lists, the others skipped.
    for path in (ws / ".tailor").glob("state.db*"):
        path.unlink()
    adopted = _ok("import", "--adopt", str(ws))
    assert "Imported acme-mascot/models/light" in adopted
    assert json.loads(_ok("output", "--json", str(ws)))["acme-mascot"] == state
    _ok("plan", str(ws), "--detailed-exitcode")

    # Objects made inside tailor's project go with it (Bria deletes a project whole): said.
    inside = sandbox.control("POST", "seed", {"generation": "max", "project_id": state["id"]})
    destroyed = _ok("destroy", str(ws), "--auto-approve")
    assert "acme-mascot" in destroyed
    assert f"also deletes what tailor does not manage in it: dataset {inside['dataset_ids'][0]}" \
        in destroyed.replace("\n", " ")
    mine = sandbox.inventory()
    assert {p["id"] for p in mine["projects"]} == foreign["projects"]
    assert {m["id"] for m in mine["models"]} == foreign["models"]
    _still_there(sandbox, foreign)
