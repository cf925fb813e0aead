"""A JSON plan names the API and the state it was made with, as the text plan's first line
does (CONTRACT section 2), so a tool reading it can tell a sandbox plan from one against Bria;
a saved plan carries the same, and still applies."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import EXAMPLES
from tests.contract.conftest import run

SCHEMA = json.loads((EXAMPLES.parent / "schemas" / "plan.schema.json").read_text())


@pytest.mark.parametrize("state", [None, "elsewhere/other.db"])
def test_the_json_plan_names_the_api_and_the_state(quickstart: Path, state: str | None) -> None:
    extra = ("--state", state) if state else ()
    shown = run("plan", str(quickstart), *extra)
    as_json = run("plan", str(quickstart), "--format", "json", *extra)
    assert as_json.code == 0, as_json.output
    document = json.loads(as_json.stdout)
    jsonschema.validate(document, SCHEMA)
    location = state or ".tailor/state.db"
    assert document["api"] == "sandbox"
    assert document["state"]["location"] == location
    assert shown.stdout.splitlines()[0] == (
        f"API: embedded sandbox (.tailor/sandbox.db) · state: {location}"
    )


def test_a_saved_plan_names_them_too_and_applies(quickstart: Path) -> None:
    out = quickstart.parent / "tailor.plan"
    assert run("plan", str(quickstart), "--out", str(out)).code == 0
    saved = json.loads(out.read_text())
    assert (saved["api"], saved["state"]["location"]) == ("sandbox", ".tailor/state.db")
    applied = run("apply", str(out))
    assert applied.code == 0, applied.output
    assert "Apply: 3 done" in applied.stdout
