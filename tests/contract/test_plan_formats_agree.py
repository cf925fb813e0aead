"""Every plan format of one workspace says the same thing about what apply will cost."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.contract.conftest import run


def test_html_review_states_the_same_apply_cost_as_the_other_formats(quickstart: Path) -> None:
    """The review page lists completed datasets' images for their previews; that extra read is
    the review's, not the apply's, whose refresh trusts completed datasets."""
    assert run("apply", str(quickstart), "--auto-approve").code == 0
    manifest = quickstart / "mascot.yaml"
    manifest.write_text(manifest.read_text().replace("for social posts", "for posts"))

    as_json = run("plan", str(quickstart), "--format", "json")
    assert as_json.code == 0, as_json.output
    requests = json.loads(as_json.stdout)["cost"]["requests"]
    for fmt in ("text", "markdown", "html"):
        shown = run("plan", str(quickstart), "--format", fmt)
        assert shown.code == 0, shown.output
        said = re.search(r"Apply makes (\d+) requests", shown.stdout)
        assert said is not None, shown.stdout
        assert int(said.group(1)) == requests, fmt
