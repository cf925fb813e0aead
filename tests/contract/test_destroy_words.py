"""A destroy's plan says what the destroy spends, in its own words: it used to say "Apply
makes N requests" above "Do you really want to destroy?"."""

from __future__ import annotations

import re
from pathlib import Path

from tests.contract.conftest import run


def test_the_destroy_plan_says_destroy_makes_its_requests(quickstart: Path) -> None:
    assert run("apply", str(quickstart), "--auto-approve").code == 0
    destroyed = run("destroy", str(quickstart), "--auto-approve")
    assert destroyed.code == 0, destroyed.output
    said = re.search(r"Destroy makes (?:at least )?(\d+) requests? to Bria", destroyed.stdout)
    assert said is not None, destroyed.stdout
    assert int(said.group(1)) >= 3  # a model, a dataset and a project are deleted
    assert "Apply makes" not in destroyed.output
