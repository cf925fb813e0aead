"""The line apply prints while Bria's rate limit holds it up: at most one per interval."""

from __future__ import annotations

from reconciler.events import RateLimitEvent
from reconciler.render.progress import RateLimitNotices, per_minute_text


def test_the_waiting_line_counts_this_runs_requests_against_the_plan() -> None:
    lines: list[str] = []
    clock = [100.0]
    notices = RateLimitNotices(lines.append, expected=210, start=7, monotonic=lambda: clock[0])
    notices(RateLimitEvent(per_minute=30.0, limit=60.0, wait_seconds=2.0, answered=150))
    assert lines == ["waiting for Bria's rate limit (30 requests/minute); 143 of 210 requests done"]
    clock[0] += 9.9
    notices(RateLimitEvent(per_minute=15.0, limit=60.0, wait_seconds=4.0, answered=151))
    assert len(lines) == 1  # at most one line per 10 s
    clock[0] += 0.1
    notices(RateLimitEvent(per_minute=15.0, limit=60.0, wait_seconds=4.0, answered=152))
    assert lines[-1] == (
        "waiting for Bria's rate limit (15 requests/minute); 145 of 210 requests done"
    )


def test_without_a_plan_the_line_counts_requests_only() -> None:
    lines: list[str] = []
    RateLimitNotices(lines.append)(RateLimitEvent(2.5, None, 1.0, 1234))
    assert lines == ["waiting for Bria's rate limit (2.5 requests/minute); 1,234 requests done"]


def test_rates_read_naturally() -> None:
    assert per_minute_text(60.0) == "60 requests/minute"
    assert per_minute_text(29.4) == "29 requests/minute"
    assert per_minute_text(1.25) == "1.2 requests/minute"
