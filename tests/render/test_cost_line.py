"""Every plan states what its apply costs in requests to Bria and in time at the set pace."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from reconciler.plan.cost import ApplyCost, apply_cost
from reconciler.render.html import render_html
from reconciler.render.jsonplan import render_json
from reconciler.render.markdown import render_markdown
from reconciler.render.planview import cost_line, duration_text
from reconciler.render.text import render_text
from tests.render import sample_plans


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "1 s"), (16.3, "16 s"), (89.4, "89 s"), (212.0, "3.5 min"), (5390, "89.8 min"),
     (7200, "2 h")],
)
def test_durations_read_naturally(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_a_paced_plan_says_how_long_its_apply_takes() -> None:
    plan = replace(sample_plans.create_workspace(), refresh_requests=1, requests_per_minute=10)
    cost = apply_cost(plan)
    assert (cost.refresh, cost.total) == (1, 15)
    line = "Apply makes 15 requests to Bria: about 61 s at 10 requests/minute."
    assert cost_line(plan) == line
    text = render_text(plan, header="h", color=False).splitlines()
    counts = "Plan: 3 to create (and 6 images to upload), 0 to update, 0 to replace, 0 to delete."
    assert text[-2:] == [line, counts]
    assert line in render_markdown(plan, header="h")
    assert f'<p class="cost">{line}</p>' in render_html(plan, header="h")
    document = json.loads(render_json(plan))["cost"]
    assert document == {
        "requests": 15, "at_least": False, "refresh_requests": 1, "step_requests": 13,
        "read_requests": 1, "poll_requests": 0, "requests_per_minute": 10,
        "seconds": round(60 / 0.98, 1),
    }


@pytest.mark.parametrize(
    ("requests", "per_minute", "seconds"),
    [(1, 10, 0.0), (10, 10, 0.0), (11, 10, 61.2), (20, 10, 61.2), (21, 10, 122.4),
     (207, 60, 183.7), (3, 0.5, 244.9), (16, 7.5, 122.4)],
)
def test_the_time_is_a_minutes_allowance_at_once_then_one_a_minute(
    requests: int, per_minute: float, seconds: float
) -> None:
    """The client's pacing (client/pacing.py): the first minute's allowance starts at once,
    each further one a minute (at 98%) after the one before."""
    cost = ApplyCost(refresh=0, steps=requests, reads=0, polls=0)
    assert cost.seconds(per_minute) == pytest.approx(seconds, abs=0.05)
    assert cost.seconds(None) is None


def test_an_apply_within_a_minutes_allowance_says_it_does_not_wait() -> None:
    plan = replace(sample_plans.create_workspace(), refresh_requests=1, requests_per_minute=60)
    assert cost_line(plan) == (
        "Apply makes 15 requests to Bria: within a minute's allowance at 60 requests/minute, "
        "no wait."
    )
    assert json.loads(render_json(plan))["cost"]["seconds"] == 0.0


def test_plan_verbose_shows_the_refresh_cost_and_where_requests_go() -> None:
    plan = replace(sample_plans.create_workspace(), refresh_requests=3, requests_per_minute=60)
    quiet = render_text(plan, header="h", color=False)
    verbose = render_text(plan, header="h", color=False, verbose=True)
    assert "refresh made" not in quiet
    assert "This plan's refresh made 3 requests." in verbose
    assert (
        "Apply's requests: 3 to refresh again, 13 steps, 1 listing before creates and after "
        "bulk uploads." in verbose
    )


def test_a_plan_without_changes_costs_nothing_and_says_nothing() -> None:
    plan = replace(sample_plans.no_changes(), refresh_requests=3)
    assert cost_line(plan) is None
    assert "Apply makes" not in render_text(plan, header="h", color=False)
    verbose = render_text(plan, header="h", color=False, verbose=True)
    assert "This plan's refresh made 3 requests." in verbose


def test_waits_make_the_count_a_floor() -> None:
    plan = sample_plans.dataset_replace_cascade()
    cost = apply_cost(plan)
    assert cost.at_least
    assert (cost_line(plan) or "").startswith(f"Apply makes at least {cost.total} requests")


@pytest.mark.parametrize(
    ("requests", "earlier", "seconds"),
    [(7, (5.0, 5.0, 5.0), 0.0), (8, (5.0, 5.0, 5.0), 56.2), (8, (30.0, 5.0, 5.0), 31.2),
     (9, (30.0, 5.0, 5.0), 56.2), (10, (70.0,) * 10, 0.0), (21, (5.0,), 122.4),
     (11, (60.0,) * 12, 62.4), (1, (1.0,) * 10, 60.2)],
)
def test_requests_other_runs_made_in_the_last_minute_hold_the_first_ones_back(
    requests: int, earlier: tuple[float, ...], seconds: float
) -> None:
    """At 10 a minute, a plan's 3 requests 5 s ago leave 7 of the allowance: the 8th waits
    until the first of them is a minute (61.2 s) old; older ones than that do not count, and
    a full minute's worth 60 s ago holds the whole allowance back 1.2 s."""
    cost = ApplyCost(refresh=0, steps=requests, reads=0, polls=0, earlier=earlier)
    assert cost.seconds(10) == pytest.approx(seconds, abs=0.05)
    assert cost.waits_for_earlier(10) is (seconds > ApplyCost(0, requests, 0, 0).seconds(10))


def test_the_line_says_when_earlier_requests_make_the_apply_wait() -> None:
    plan = replace(sample_plans.create_workspace(), refresh_requests=1, requests_per_minute=15,
                   recent_request_ages=(10.0, 2.0))
    assert cost_line(plan) == (
        "Apply makes 15 requests to Bria: about 59 s at 15 requests/minute "
        "(2 requests of the last minute count too)."
    )
    assert json.loads(render_json(plan))["cost"]["seconds"] == round(60 / 0.98 - 2.0, 1)
    unpaced = replace(plan, requests_per_minute=None)
    assert "not paced" in (cost_line(unpaced) or "")
