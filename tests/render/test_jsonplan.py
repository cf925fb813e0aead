from __future__ import annotations

import json

import pytest

from reconciler.plan.planfile import plan_from_json
from reconciler.render.jsonplan import render_json
from tests.render import sample_plans
from tests.render.golden import check_golden, golden

SMALL = sorted(name for name in sample_plans.ALL if name != "many_images")


@pytest.mark.parametrize("name", SMALL)
def test_json_matches_golden(name: str) -> None:
    check_golden(golden(f"{name}.json"), render_json(sample_plans.ALL[name]()))


def test_contract_keys_and_summary() -> None:
    document = json.loads(render_json(sample_plans.dataset_replace_cascade()))
    assert document["format_version"] == 1
    assert document["state"] == {"lineage": "3f1c", "serial": 7}
    assert document["summary"] == {"create": 8, "update": 0, "replace": 3, "delete": 0, "no-op": 1}
    light = next(c for c in document["changes"] if c["address"] == "acme-mascot/models/light")
    assert light["replace_mode"] == "create_before_destroy"
    assert light["replaced_by"] == "acme-mascot/datasets/v1"
    assert light["steps"][:2] == [
        "POST /tailored-gen/models",
        "POST /tailored-gen/models/{model_id}/start_training",
    ]
    kinds = {c["kind"] for c in document["changes"]}
    assert "image" in kinds


def test_errors_are_listed() -> None:
    document = json.loads(render_json(sample_plans.prevent_destroy_blocked()))
    assert [e["severity"] for e in document["errors"]] == ["error"]
    assert document["errors"][0]["location"] == {"file": "mascot.yaml", "line": 31, "column": 5}


def test_stable_and_round_trips() -> None:
    plan = sample_plans.drift()
    text = render_json(plan)
    assert text == render_json(sample_plans.drift())
    assert text.endswith("\n")
    assert plan_from_json(json.loads(text)) == plan


def test_every_image_appears_in_json() -> None:
    document = json.loads(render_json(sample_plans.many_images(1_000)))
    assert sum(1 for c in document["changes"] if c["kind"] == "image") == 1_000
