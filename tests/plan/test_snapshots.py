"""Whole-plan snapshots: every scenario's JSON plan is compared byte for byte with a golden file.

`TAILOR_UPDATE_SNAPSHOTS=1 python -m pytest tests/plan` rewrites the golden files; review the
git diff before committing them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reconciler.plan.model import Plan, node_id
from reconciler.plan.planfile import plan_from_json, plan_to_json
from tests.plan.scenarios import LIVE_FINGERPRINTS, SCENARIOS, Scenario

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("TAILOR_UPDATE_SNAPSHOTS") == "1"


def render(plan: Plan) -> str:
    """The plan file's JSON without `live_fingerprint`, which `test_live_fingerprint` checks:
    a change to how the live world is hashed must not rewrite every snapshot."""
    data = plan_to_json(plan)
    del data["live_fingerprint"]
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _action_of(plan: Plan, key: str) -> str | None:
    for change in plan.changes:
        if node_id(change.address, deposed=change.deposed) == key:
            return change.action.value
    return None


@pytest.fixture(params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest) -> tuple[str, Scenario]:
    name = str(request.param)
    return name, SCENARIOS[name]()


def test_snapshot_matches(scenario: tuple[str, Scenario]) -> None:
    name, case = scenario
    path = SNAPSHOTS / f"{name}.json"
    text = render(case.plan)
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot for {name}: run with TAILOR_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8"), f"plan for {name} changed"


def test_expected_actions(scenario: tuple[str, Scenario]) -> None:
    _, case = scenario
    got = {key: _action_of(case.plan, key) for key in case.actions}
    assert got == case.actions
    assert len(case.plan.errors) == case.errors, [d.summary for d in case.plan.errors]
    drift = sorted(f"{d.address} {d.field}" for d in case.plan.drift)
    assert drift == sorted(case.drift)


def test_live_fingerprint(scenario: tuple[str, Scenario]) -> None:
    _, case = scenario
    assert case.plan.live_fingerprint == LIVE_FINGERPRINTS[id(case.plan)]


def test_round_trip(scenario: tuple[str, Scenario]) -> None:
    _, case = scenario
    assert plan_from_json(json.loads(json.dumps(plan_to_json(case.plan)))) == case.plan


def test_same_inputs_give_identical_bytes() -> None:
    for name, make in sorted(SCENARIOS.items()):
        assert render(make().plan) == render(make().plan), name


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 25
