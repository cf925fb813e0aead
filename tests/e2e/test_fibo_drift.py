"""A draft FIBO dataset's schema changed outside tailor (through Bria's API, as the Console
does), over a socket: `tailor plan` shows the drift key by key and exits 2; a declared schema is
set back by apply, a generated one taken into the state by the same apply; then the plan is
empty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import EXAMPLES, copy_example
from tests.e2e.conftest import TOKEN, Sandbox, tailor

pytestmark = [pytest.mark.slow, pytest.mark.socket]

DATASET = "harbor-light/datasets/coast"
DECLARED = {"style": "flat vector poster", "subjects": ["lighthouse"], "moods": ["calm"]}


def draft_workspace(tmp_path: Path, api: str, schema: str) -> Path:
    """examples/fibo kept a draft (no model: a model needs a completed dataset), its schema
    `auto` as in the example or `file` (schema.json beside the manifest)."""
    root = copy_example(EXAMPLES / "fibo", tmp_path / "fibo")
    (root / "tailor.yaml").write_text(f"api: {api}\nstate: .tailor/state.db\n")
    manifest = root / "coast.yaml"
    body = yaml.safe_load(manifest.read_text())
    body.pop("models")
    dataset = body["datasets"]["coast"]
    dataset["completed"] = False
    if schema == "file":
        (root / "schema.json").write_text(json.dumps(DECLARED, indent=2))
        dataset["visual_schema"] = "schema.json"
        dataset.pop("refine")
    manifest.write_text(yaml.safe_dump(body, sort_keys=False))
    return root


def run(ws: Path, *args: str, code: int = 0) -> str:
    result = tailor(*args, cwd=ws)
    assert result.returncode == code, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def console_edit(sandbox: Sandbox, dataset_id: int, schema: dict[str, Any]) -> None:
    answer = httpx.put(
        f"{sandbox.api}/tailored-gen/datasets/{dataset_id}",
        json={"visual_schema": json.dumps({**schema, "style": "pencil sketch"})},
        headers={"api_token": TOKEN},
        timeout=10,
    )
    answer.raise_for_status()


@pytest.mark.parametrize("schema", ["auto", "file"])
def test_a_draft_s_schema_changed_outside_tailor_is_drift(
    sandbox: Sandbox, tmp_path: Path, schema: str
) -> None:
    ws = draft_workspace(tmp_path, sandbox.api, schema)
    run(ws, "apply", "--auto-approve", ".")
    run(ws, "plan", "--detailed-exitcode", ".")
    entry = json.loads(run(ws, "state", "show", DATASET, "."))
    recorded = entry["attributes"]["visual_schema"]
    assert isinstance(recorded, dict) and recorded["style"] == "flat vector poster"

    console_edit(sandbox, entry["remote_id"], recorded)
    shown = json.loads(run(ws, "plan", "--detailed-exitcode", "--format", "json", ".", code=2))
    drift = [d for d in shown["drift"] if d["address"] == DATASET]
    assert [d["field"].split(".")[0] for d in drift] == ["visual_schema"], shown["drift"]
    assert "pencil sketch" in json.dumps(drift)
    text = run(ws, "plan", ".")
    assert "visual_schema" in text and "pencil sketch" in text

    run(ws, "apply", "--auto-approve", ".")
    live = sandbox.bria(f"/tailored-gen/datasets/{entry['remote_id']}")
    at_bria = json.loads(live["visual_schema"])
    if schema == "file":
        assert at_bria == DECLARED, "a declared schema is set back"
    else:
        # A generated schema is Bria's to change, as `caption_prefix: auto`: drift only, never
        # set back; the apply takes Bria's value into the state, as Terraform saves a refresh.
        assert at_bria["style"] == "pencil sketch"
        accepted = json.loads(run(ws, "state", "show", DATASET, "."))["attributes"]
        assert accepted["visual_schema"] == at_bria
    run(ws, "plan", "--detailed-exitcode", ".")
