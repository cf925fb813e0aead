from __future__ import annotations

import pytest

from reconciler.addresses import Address
from reconciler.plan.model import Action, Change, Plan, Reason
from reconciler.render.markdown import MARKER, render_markdown
from tests.render import sample_plans
from tests.render.golden import check_golden, golden

GITHUB_LIMIT = 65_536


@pytest.mark.parametrize("name", sorted(sample_plans.ALL))
def test_markdown_matches_golden(name: str) -> None:
    plan = sample_plans.ALL[name]()
    check_golden(golden(f"{name}.md"), render_markdown(plan, header=sample_plans.HEADER))


def _destructive(plan: Plan) -> list[str]:
    return [
        str(c.address)
        for c in plan.changes
        if c.action in (Action.REPLACE, Action.DELETE) and c.address.image is None
    ]


def test_ten_thousand_images_fit_and_name_every_destructive_change() -> None:
    plan = sample_plans.many_images(10_000)
    assert sum(1 for c in plan.changes if c.address.image is not None) == 10_000
    text = render_markdown(plan, header=sample_plans.HEADER)
    assert len(text) < GITHUB_LIMIT
    assert len(text) <= 65_000
    assert text.startswith(MARKER + "\n")
    for address in _destructive(plan):
        assert f"<code>{address}</code>" in text
    assert "more image changes not shown; run `tailor plan --format json` for all" in text
    # destructive image changes are listed before uploads, so the cut keeps them
    assert "- del-0.png" in text


@pytest.mark.parametrize("limit", [3_000, 8_000, 20_000])
def test_any_limit_is_respected_and_destructive_changes_stay(limit: int) -> None:
    plan = sample_plans.many_images(2_000)
    text = render_markdown(plan, header=sample_plans.HEADER, max_chars=limit)
    assert len(text) <= limit
    for address in _destructive(plan):
        assert address in text


def test_many_deletions_fall_back_to_a_compact_list() -> None:
    changes = tuple(
        Change(Address("p", model=f"model-{i:04d}"), Action.DELETE, Reason.REMOVED_FROM_MANIFEST)
        for i in range(300)
    )
    plan = Plan(changes=changes)
    text = render_markdown(plan, header="h", max_chars=20_000)
    assert len(text) <= 20_000
    for change in changes:
        assert str(change.address) in text


def test_replacements_come_first_and_training_is_called_out() -> None:
    text = render_markdown(sample_plans.dataset_replace_cascade(), header=sample_plans.HEADER)
    lines = text.splitlines()
    assert lines[0] == MARKER
    assert sample_plans.HEADER in lines[1]
    assert text.index("Replacements and deletions") < text.index("### Details")
    assert "training starts during apply; 1-3 hours; billed by Bria." in text
    assert "replaced_by `acme-mascot/datasets/v1`" in text
    assert "| create | update | replace | delete | no-op |" in text


def test_user_text_cannot_break_out_of_code() -> None:
    address = Address("p", model="m")
    plan = Plan(
        changes=(
            Change(
                address,
                Action.CREATE,
                Reason.NEW,
                after={"description": "```\n<script>alert(1)</script> | pipe"},
            ),
        )
    )
    text = render_markdown(plan, header="API: x | <b>")
    assert "API: x \\| \\<b\\>" in text
    # the value holds a ``` run, so the block is fenced with four backticks and the raw
    # HTML stays inside it, where GitHub shows it as text
    opening = text.index("````diff\n")
    closing = text.index("\n````\n", opening)
    assert opening < text.index("<script>") < closing
    assert text.count("<script>") == 1


def test_no_changes() -> None:
    text = render_markdown(sample_plans.no_changes(), header="h")
    assert "No changes. Your Bria resources match the manifests." in text
    assert "### Details" not in text
