"""Every plan the planner's scenario suite builds renders, and keeps the renderers' promises."""

from __future__ import annotations

import json
import re

import pytest

from reconciler.plan.model import Action
from reconciler.render.jsonplan import render_json
from reconciler.render.markdown import MARKER, render_markdown
from reconciler.render.text import render_text
from tests.plan.scenarios import SCENARIOS

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FINAL = re.compile(r"^(Plan: \d+ to create|No changes\.|Refresh only: |Apply is refused)")
HEADER = "API: embedded sandbox · state: .tailor/state.db"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_renders(name: str) -> None:
    plan = SCENARIOS[name]().plan
    text = render_text(plan, header=HEADER, color=False)
    lines = text.splitlines()
    assert lines[0] == HEADER
    assert not ANSI.search(text)
    assert re.match(
        r"^(Plan: \d+ to create|No changes\.|Refresh only: |Apply is refused)", lines[-1]
    )
    coloured = render_text(plan, header=HEADER, color=True)
    assert ANSI.sub("", coloured) == text

    markdown = render_markdown(plan, header=HEADER, max_chars=6_000)
    assert markdown.startswith(MARKER + "\n")
    assert len(markdown) <= 6_000
    for change in plan.changes:
        if change.action in (Action.REPLACE, Action.DELETE) and change.address.image is None:
            assert f"<code>{change.address}" in markdown
            assert str(change.address) in text

    document = json.loads(render_json(plan))
    assert document["format_version"] == 1
    assert len(document["changes"]) == len(plan.changes)


def test_completed_dataset_names_what_forces_its_replacement() -> None:
    plan = SCENARIOS["completed_add_image"]().plan
    text = render_text(plan, header=HEADER, color=False)
    assert "forces replacement: images" in text
    assert "images: + 1 image to upload" in text
