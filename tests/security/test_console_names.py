"""Names chosen in Bria's Console, end to end: applied on a sandbox server, renamed there with
Markdown, HTML, a mention, control and bidi characters, then planned in every format and
applied back. Each plan shows the names inert; apply reconciles them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import serve_sandbox
from tests.security.conftest import (
    TOKEN,
    make_workspace,
    tailor,
)
from tests.security.test_inert_rendering import FAKE_LINE, PAYLOAD, github_like

HOSTILE_NAME = f"{PAYLOAD} {FAKE_LINE}"


@pytest.fixture
def renamed(tmp_path: Path) -> Iterator[Path]:
    with serve_sandbox(tmp_path / "served.db") as server:
        api = f"{server.origin}/v1"
        root = make_workspace(tmp_path, f"api: {api}\nstate: .tailor/state.db\n")
        applied = tailor("apply", "--auto-approve", cwd=root)
        assert applied.code == 0, applied.output
        headers = {"api_token": TOKEN}
        with httpx.Client(base_url=api, headers=headers, timeout=10) as bria:
            (project,) = bria.get("/tailored-gen/projects").json()
            bria.put(
                f"/tailored-gen/projects/{project['id']}",
                json={"project_name": HOSTILE_NAME, "project_description": PAYLOAD},
            ).raise_for_status()
            for model in bria.get("/tailored-gen/models").json():
                bria.put(
                    f"/tailored-gen/models/{model['id']}",
                    json={"name": HOSTILE_NAME, "description": PAYLOAD},
                ).raise_for_status()
        yield root


def test_console_names_are_inert_in_every_format(renamed: Path) -> None:
    markdown = tailor("plan", "--format", "markdown", cwd=renamed)
    markdown.assert_clean()
    assert markdown.code == 0, markdown.output
    assert "someone" in markdown.stdout  # the drift is shown
    page = github_like(markdown.stdout)
    assert "img" not in page.tags and "a" not in page.tags
    assert "@someone" not in "".join(page.prose)

    text = tailor("plan", cwd=renamed)
    text.assert_clean()
    assert "\u202e" not in text.stdout and "\\u202e" in text.stdout
    plan_lines = [line for line in text.stdout.splitlines() if line.startswith("Plan:")]
    assert len(plan_lines) == 1 and "0 to create, 2 to update" in plan_lines[0], plan_lines

    html = tailor("plan", "--format", "html", cwd=renamed)
    html.assert_clean()
    assert "<img src=x>" not in html.stdout and "&lt;img src=x&gt;" in html.stdout

    applied = tailor("apply", "--auto-approve", cwd=renamed)
    applied.assert_clean()
    assert applied.code == 0, applied.output
    assert "\u202e" not in applied.output
    again = tailor("plan", "--detailed-exitcode", cwd=renamed)
    assert again.code == 0, again.output
