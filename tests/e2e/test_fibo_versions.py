"""examples/fibo over a socket through saved plans (`tailor plan --out FILE`, then `tailor
apply FILE`): the first apply, then other refine instructions on the completed dataset, built
as a clone whose schema is generated again and every caption regenerated: no image uploaded,
the state matching Bria, the next plan with nothing to do but wait for the retraining."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES, copy_example
from tests.e2e.conftest import Sandbox, assert_no_token, tailor

pytestmark = [pytest.mark.slow, pytest.mark.socket]

DATASET = "harbor-light/datasets/coast"
UPLOAD = "POST /v1/tailored-gen/datasets/{dataset_id}/images"
CLONE = "POST /v1/tailored-gen/datasets/{dataset_id}/clone"
REGENERATE = "PUT /v1/tailored-gen/datasets/{dataset_id}/images"
NEW_REFINE = "set the style to 'woodcut print' and add lighthouse to subjects"


def apply_saved(ws: Path, name: str, runs: list[Any]) -> dict[str, Any]:
    """`plan --out` then `apply FILE`; the JSON plan of the same workspace, read before."""
    runs.append(tailor("plan", "--format", "json", ".", cwd=ws))
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    plan: dict[str, Any] = json.loads(runs[-1].stdout)
    runs.append(tailor("plan", "--out", name, ".", cwd=ws))
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    assert (ws / name).is_file()
    runs.append(tailor("apply", name, cwd=ws))
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    assert "0 failed, 0 not started" in runs[-1].stdout
    return plan


def dataset_change(plan: dict[str, Any]) -> dict[str, Any]:
    return next(
        c for c in plan["changes"] if c["address"] == DATASET and c.get("deposed") is None
    )


def test_the_fibo_example_through_saved_plans_then_a_refine_by_clone(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    ws = copy_example(EXAMPLES / "fibo", tmp_path / "fibo")
    (ws / "tailor.yaml").write_text(f"api: {sandbox.api}\nstate: .tailor/state.db\n")
    runs: list[Any] = []
    first = apply_saved(ws, "first.plan", runs)
    assert dataset_change(first)["action"] == "create"
    runs.append(tailor("plan", "--detailed-exitcode", ".", cwd=ws))
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    sandbox.advance(7200)  # the first model trains

    manifest = ws / "coast.yaml"
    text = manifest.read_text()
    old = "set the style to 'flat vector poster' and add lighthouse to subjects"
    assert old in text
    manifest.write_text(text.replace(old, NEW_REFINE))
    sandbox.control("POST", "stats/reset")
    second = apply_saved(ws, "refine.plan", runs)
    change = dataset_change(second)
    assert change["action"] == "replace"
    assert change["replace_path"]["path"] == "clone", change["replace_path"]
    requests = sandbox.stats()["requests"]
    assert UPLOAD not in requests, requests
    assert requests[CLONE] == 1 and requests[REGENERATE] == 1, requests

    runs.append(tailor("state", "show", DATASET, ".", cwd=ws))
    recorded = json.loads(runs[-1].stdout)
    schema = recorded["attributes"]["visual_schema"]
    assert schema["style"] == "woodcut print"
    live = sandbox.bria(f"/tailored-gen/datasets/{recorded['remote_id']}")
    assert live["status"] == "completed" and json.loads(live["visual_schema"]) == schema
    images = sandbox.bria(f"/tailored-gen/datasets/{recorded['remote_id']}/images")
    for image in images:
        caption = json.loads(image["caption"])
        if image["caption_source"] == "automatic":
            assert caption["style"] == "woodcut print", image
        else:
            assert image["image_name"] in ("dawn.png", "night.png")
    assert [d["id"] for d in sandbox.bria("/tailored-gen/datasets")] == [recorded["remote_id"]]
    runs.append(tailor("plan", "--detailed-exitcode", ".", cwd=ws))
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    assert_no_token(ws, [r.stdout + r.stderr for r in runs])
