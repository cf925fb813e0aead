"""Bria's rate limit and quota: the pacer, 429s waited out within a budget, 403 quota never
retried. Against the in-process sandbox, whose faults answer 429 like Bria (no body)."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.client.api import BriaClient
from reconciler.client.errors import Forbidden, QuotaExceeded, RateLimited, error_from_response
from reconciler.client.pacing import MIN_PER_MINUTE, RECOVERY_SHARE, SLOWDOWN_ROUND, Pacer
from reconciler.client.retry import RetryPolicy
from reconciler.events import RateLimitEvent
from reconciler.secret import Secret
from reconciler.settings import PACING_HEADROOM, burst_size
from tests.client.conftest import BASE_URL, Control

pytestmark = pytest.mark.anyio

QUOTA = (
    b'"Quota exceeded: Free users can make up to 1000 requests in total. Please upgrade your '
    b'plan to continue using the service."'
)


class FakeClock:
    """A monotonic clock that only moves when the pacer sleeps (or a test moves it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def paced(per_minute: float | None, clock: FakeClock) -> Pacer:
    return Pacer(per_minute, clock=clock, sleep=clock.sleep)


async def starts(pacer: Pacer, count: int) -> list[float]:
    return [await pacer.acquire() for _ in range(count)]


def most_in_one_minute(sent: list[float]) -> int:
    """The most starts any 60 s window (sliding, so fixed ones too) holds."""
    return max(sum(1 for t in sent if start <= t < start + 60.0) for start in sent)


async def test_a_minutes_allowance_starts_at_once_and_the_next_a_minute_later() -> None:
    clock = FakeClock()
    sent = await starts(paced(10.0, clock), 25)
    span = 60.0 / PACING_HEADROOM
    assert sent[:10] == [1000.0] * 10, "the free plan's 10 go at once"
    assert sent[10:20] == [pytest.approx(1000.0 + span)] * 10
    assert sent[20:] == [pytest.approx(1000.0 + 2 * span)] * 5
    assert most_in_one_minute(sent) == 10


@settings(max_examples=60, deadline=None)
@given(
    per_minute=st.one_of(st.integers(1, 60).map(float), st.floats(0.3, 60.0)),
    gaps=st.lists(st.floats(0.0, 20.0), min_size=1, max_size=150),
)
def test_no_minute_ever_holds_more_than_the_rate(per_minute: float, gaps: list[float]) -> None:
    """Whenever requests arrive, no 60 s window holds more starts than the rate allows, and
    a start waits only for the allowance (never while the last minute had room)."""
    clock = FakeClock()
    pacer = paced(per_minute, clock)

    async def run() -> list[float]:
        sent: list[float] = []
        for gap in gaps:
            clock.now += gap
            arrived = clock.now
            sent.append(await pacer.acquire())
            if sent[-1] > arrived:  # it waited: the allowance before it was used up
                span = max(60.0, 60.0 / per_minute) / PACING_HEADROOM
                recent = [t for t in sent[:-1] if t > arrived - span]
                assert len(recent) >= burst_size(per_minute)
        return sent

    sent = asyncio.run(run())
    assert most_in_one_minute(sent) <= max(1, int(per_minute))


async def test_a_long_run_averages_the_rate_at_98_percent() -> None:
    clock = FakeClock()
    sent = await starts(paced(60.0, clock), 601)
    assert sent[-1] - sent[0] == pytest.approx(10 * 60.0 / PACING_HEADROOM)
    slow = await starts(paced(0.5, clock), 3)  # under one a minute: one every 122 s
    assert slow[2] - slow[0] == pytest.approx(2 * 120.0 / PACING_HEADROOM)


async def test_after_the_first_429_requests_are_spaced_for_the_rest_of_the_run() -> None:
    """Bria counted differently: today's strict spacing at half the rate, won back slowly,
    and no burst again even once the set rate is reached."""
    clock = FakeClock()
    pacer = paced(10.0, clock)
    sent = await starts(pacer, 3)
    assert pacer.bursting and sent == [1000.0] * 3
    pacer.limited(sent[-1])
    assert not pacer.bursting and pacer.per_minute == 5.0
    spaced = await starts(pacer, 3)
    halved = 60.0 / (5.0 * PACING_HEADROOM)
    assert spaced[0] - 1000.0 == pytest.approx(halved)
    assert [b - a for a, b in itertools.pairwise(spaced)] == [pytest.approx(halved)] * 2
    for _ in range(int(1 / RECOVERY_SHARE)):
        pacer.answered(clock.now)
    assert pacer.per_minute == 10.0 and not pacer.bursting
    again = await starts(pacer, 3)
    assert again[2] - again[1] == pytest.approx(60.0 / (10.0 * PACING_HEADROOM))


async def test_an_idle_pacer_sends_the_first_request_at_once() -> None:
    pacer = Pacer(1.0)  # one a minute: a wait would be obvious
    started = time.monotonic()
    await pacer.acquire()
    assert time.monotonic() - started < 0.5


def test_a_429_halves_the_rate_once_per_minute_and_answers_win_it_back() -> None:
    clock = FakeClock()
    pacer = paced(600.0, clock)
    before = clock.now
    clock.now += 1
    pacer.limited(before)
    assert pacer.per_minute == 300.0
    pacer.limited(before)  # another answer to a request sent before the slowdown
    clock.now += SLOWDOWN_ROUND - 2
    pacer.limited(clock.now)  # sent after it, but within the same minute: the same overrun
    assert pacer.per_minute == 300.0
    pacer.answered(before)  # sent before the slowdown: says nothing about the new pace
    assert pacer.per_minute == 300.0
    pacer.answered(clock.now)
    assert pacer.per_minute == pytest.approx(300.0 + 600.0 * RECOVERY_SHARE)
    clock.now += 2
    pacer.limited(clock.now)  # a minute later, still too fast: halve again
    assert pacer.per_minute == pytest.approx((300.0 + 600.0 * RECOVERY_SHARE) / 2)
    for _ in range(200):
        pacer.answered(clock.now)
    assert pacer.per_minute == 600.0  # never faster than the set rate


def test_the_pacer_slows_down_to_a_floor() -> None:
    clock = FakeClock()
    pacer = paced(4.0, clock)
    for _ in range(10):
        clock.now += SLOWDOWN_ROUND
        pacer.limited(clock.now)
    assert pacer.per_minute == MIN_PER_MINUTE


async def test_an_unpaced_client_is_paced_after_a_429_and_unpaced_again() -> None:
    pacer = Pacer(None)
    for _ in range(5):
        sent = await pacer.acquire()
    pacer.limited(sent)
    slowed = pacer.per_minute
    assert slowed is not None and slowed >= MIN_PER_MINUTE
    later = await pacer.acquire()
    for _ in range(int(1 / RECOVERY_SHARE) + 1):
        pacer.answered(later)
    assert pacer.per_minute is None


def test_nonsense_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        Pacer(0)
    with pytest.raises(ValueError):
        RetryPolicy(rate_limit_seconds=-1)


async def test_429s_are_waited_out_with_notices_and_the_pacer_slows(
    app: Any, control: Control
) -> None:
    """Half the answers are 429 (seeded): every call still succeeds, each 429 is told."""
    await control.faults(rate_limit_rate=0.5, retry_after_s=0, seed=3)
    events: list[RateLimitEvent] = []
    policy = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.005)
    async with BriaClient(BASE_URL, Secret("t"), retry=policy, requests_per_minute=60000,
                          transport=httpx.ASGITransport(app=app)) as bria:
        bria.on_rate_limit(events.append)
        for _ in range(12):
            assert await bria.list_projects() == []
        answered = bria.requests_answered
    sent = (await control.stats())["GET /v1/tailored-gen/projects"]
    assert answered == 12
    assert len(events) == sent - 12 > 2  # more 429s than max_attempts allows other failures
    assert all(e.limit == 60000 and e.per_minute is not None for e in events)
    assert min(e.per_minute or 0 for e in events) < 60000
    assert [e.answered for e in events] == sorted(e.answered for e in events)


async def test_a_429_that_outlasts_the_budget_is_a_rate_limited_error(
    app: Any, control: Control
) -> None:
    await control.faults(rate_limit_rate=1.0, retry_after_s=0)
    policy = RetryPolicy(base_delay=0.02, max_delay=0.05, rate_limit_seconds=0.5)
    async with BriaClient(BASE_URL, Secret("t"), retry=policy,
                          transport=httpx.ASGITransport(app=app)) as bria:
        started = time.monotonic()
        with pytest.raises(RateLimited) as limited:
            await bria.list_projects()
        elapsed = time.monotonic() - started
    assert 0.3 < elapsed < 5.0
    assert limited.value.hint is not None and "requests_per_minute" in limited.value.hint
    assert "rate_limit_wait" in limited.value.hint


def test_the_quota_answer_is_its_own_error_with_brias_words() -> None:
    error = error_from_response(403, QUOTA, method="POST", path="/tailored-gen/projects")
    assert isinstance(error, QuotaExceeded)
    assert error.bria_message.startswith("Quota exceeded: Free users can make up to 1000")
    assert error.hint is not None and "raise the quota" in error.hint
    denied = error_from_response(
        403,
        b'"Access denied: Your subscription does not include access to this feature/product."',
        method="POST",
        path="/tailored-gen/projects",
    )
    assert isinstance(denied, Forbidden) and not isinstance(denied, QuotaExceeded)


async def test_a_quota_answer_is_never_retried(control: Control, app: Any) -> None:
    await control.faults(error_rate=1.0, error_status=403)
    async with BriaClient(BASE_URL, Secret("t"), transport=httpx.ASGITransport(app=app),
                          retry=RetryPolicy(base_delay=0.001, max_delay=0.002)) as bria:
        with pytest.raises(Forbidden):
            await bria.list_projects()
    assert (await control.stats())["GET /v1/tailored-gen/projects"] == 1
