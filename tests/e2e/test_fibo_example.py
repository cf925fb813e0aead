"""examples/fibo end to end, on the embedded sandbox and over a socket: apply, re-plan empty,
the generated and refined schema in the state (and at Bria), JSON captions as declared, and the
trained FIBO model answering the sandbox's v2 `/image/generate/tailored`."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.sandbox.app import create_app
from tests.conftest import EXAMPLES, copy_example
from tests.e2e.conftest import TOKEN, Sandbox, assert_no_token, tailor, tailor_here

pytestmark = [pytest.mark.slow]

PROJECT = "harbor-light"
DATASET = f"{PROJECT}/datasets/coast"
MODEL = f"{PROJECT}/models/poster"
REFINED_STYLE = "flat vector poster"
"""The example's refine instruction sets the style, and adds lighthouse to the subjects."""


def fibo_workspace(tmp_path: Path, api: str | None = None) -> Path:
    root = copy_example(EXAMPLES / "fibo", tmp_path / "fibo")
    if api is not None:
        (root / "tailor.yaml").write_text(f"api: {api}\nstate: .tailor/state.db\n")
    return root


def sidecar(name: str) -> dict[str, Any]:
    loaded = json.loads((EXAMPLES / "fibo" / "images" / "coast" / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def state_entry(show_output: str) -> dict[str, Any]:
    entry = json.loads(show_output)
    assert isinstance(entry, dict)
    return entry


def check_recorded_schema(dataset: dict[str, Any]) -> dict[str, Any]:
    """The schema Bria generated, refined by the example's instruction, as a JSON object."""
    schema = dataset["attributes"]["visual_schema"]
    assert isinstance(schema, dict), schema
    assert schema["style"] == REFINED_STYLE
    assert "lighthouse" in schema["subjects"]
    assert {"settings", "moods", "palette"} <= set(schema)
    assert dataset["attributes"]["visual_schema_auto"] is True
    return schema


def check_live(
    dataset: dict[str, Any], listed: list[dict[str, Any]], schema: dict[str, Any]
) -> None:
    """Bria holds the same schema (as JSON text) and the sidecars' captions; the other images
    were captioned at upload in the schema's shape (no caption left pending)."""
    assert dataset["status"] == "completed"
    assert json.loads(dataset["visual_schema"]) == schema
    images = {i["image_name"]: i for i in listed}
    assert len(images) == 6
    for name in ("dawn", "night"):
        assert json.loads(images[f"{name}.png"]["caption"]) == sidecar(f"{name}.json")
        assert images[f"{name}.png"]["caption_source"] == "manual"
    for name in ("noon", "dusk", "fog", "storm"):
        caption = json.loads(images[f"{name}.png"]["caption"])
        assert set(caption) == set(schema) and caption["style"] == REFINED_STYLE
        assert images[f"{name}.png"]["caption_source"] == "automatic"


def check_generation(answer: httpx.Response, schema: dict[str, Any]) -> None:
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["image_url"]
    prompt = json.loads(result["structured_prompt"])
    assert set(schema) <= set(prompt) and prompt["style"] == REFINED_STYLE


GENERATE = {"prompt": "the lighthouse in a winter storm", "sync": True}


async def _embedded_generation(db: Path, model_id: int, dataset_id: int) -> dict[str, Any]:
    """The workspace's embedded sandbox, opened from its database: training finished by
    moving its clock, then one v2 generation; returns Bria's dataset for the other checks."""
    app = create_app(db_path=str(db))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sandbox.localhost", headers={"api_token": TOKEN}
    ) as client:
        answer = await client.post(
            "/v2/image/generate/tailored", json={**GENERATE, "tailored_model_id": str(model_id)}
        )
        assert answer.status_code == 400, "a model still training does not generate"
        (await client.post("/_sandbox/clock/advance", json={"seconds": 7200})).raise_for_status()
        model = (await client.get(f"/v1/tailored-gen/models/{model_id}")).json()
        assert model["status"] == "Completed" and model["training_version"] == "fibo"
        answer = await client.post(
            "/v2/image/generate/tailored", json={**GENERATE, "tailored_model_id": str(model_id)}
        )
        dataset = (await client.get(f"/v1/tailored-gen/datasets/{dataset_id}")).json()
        images = (await client.get(f"/v1/tailored-gen/datasets/{dataset_id}/images")).json()
    return {"generation": answer, "dataset": dataset, "images": images}


def test_fibo_example_on_the_embedded_sandbox(tmp_path: Path) -> None:
    ws = fibo_workspace(tmp_path)
    applied = tailor_here("apply", str(ws), "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert "0 failed, 0 not started" in applied.output
    replanned = tailor_here("plan", str(ws), "--detailed-exitcode")
    assert replanned.exit_code == 0, replanned.output
    assert "No changes." in replanned.output

    dataset = state_entry(tailor_here("state", "show", DATASET, str(ws)).output)
    schema = check_recorded_schema(dataset)
    model = state_entry(tailor_here("state", "show", MODEL, str(ws)).output)
    db = ws / ".tailor" / "sandbox.db"
    seen = asyncio.run(_embedded_generation(db, model["remote_id"], dataset["remote_id"]))
    check_live(seen["dataset"], seen["images"], schema)
    check_generation(seen["generation"], schema)

    trained = tailor_here("plan", str(ws), "--detailed-exitcode")
    assert trained.exit_code == 0, trained.output


@pytest.mark.socket
def test_fibo_example_over_a_socket(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = fibo_workspace(tmp_path, sandbox.api)
    runs = [tailor("apply", "--auto-approve", ".", cwd=ws)]
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    runs.append(tailor("plan", "--detailed-exitcode", ".", cwd=ws))
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr

    runs.append(tailor("state", "show", DATASET, ".", cwd=ws))
    dataset = state_entry(runs[-1].stdout)
    schema = check_recorded_schema(dataset)
    dataset_path = f"/tailored-gen/datasets/{dataset['remote_id']}"
    check_live(sandbox.bria(dataset_path), sandbox.bria(f"{dataset_path}/images"), schema)

    outputs = json.loads(tailor("output", "--json", ".", cwd=ws).stdout)
    model_id = outputs[PROJECT]["models"]["poster"]["id"]
    sandbox.advance(7200)
    with httpx.Client(base_url=sandbox.origin, headers={"api_token": TOKEN}, timeout=10) as http:
        answer = http.post(
            "/v2/image/generate/tailored", json={**GENERATE, "tailored_model_id": str(model_id)}
        )
    check_generation(answer, schema)
    runs.append(tailor("plan", "--detailed-exitcode", ".", cwd=ws))
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    assert_no_token(ws, [r.stdout + r.stderr for r in runs])
