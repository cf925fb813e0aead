"""examples/pr-comment.md is rendered from `sample_plans.pr_example()`; it must stay current."""

from __future__ import annotations

from pathlib import Path

from reconciler.render.markdown import MARKER, render_markdown
from tests.render import sample_plans
from tests.render.golden import check_golden

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pr-comment.md"


def test_pr_comment_example_is_up_to_date() -> None:
    text = render_markdown(sample_plans.pr_example(), header=sample_plans.HEADER)
    assert text.startswith(MARKER)
    check_golden(EXAMPLE, text)
