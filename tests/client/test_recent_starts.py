"""The workspace's record of recent request starts (client/recent_starts.py): one run's pacer
counts the last minute's requests of the runs before it and beside it, and nothing wrong with
the record is ever more than "no history"."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.client.pacing import Pacer
from reconciler.client.recent_starts import (
    HISTORY_FILE,
    LOCK_FILE,
    MAX_STARTS,
    SharedStarts,
    api_origin,
)
from reconciler.settings import PACING_HEADROOM
from tests.client.test_rate_limits import FakeClock, most_in_one_minute

ORIGIN = "https://engine.prod.bria-api.com"
SPAN = 60.0 / PACING_HEADROOM


class TickingWall:
    """The wall clock beside a FakeClock: a microsecond later at each reading, as a real one
    is (a start is never recorded as in the future of the moment it is written)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.readings = 0

    def __call__(self) -> float:
        self.readings += 1
        return self.clock.now + self.readings * 1e-6


def run_pacer(
    ws: Path, clock: FakeClock, per_minute: float, count: int, *, ticking: bool = False
) -> list[float]:
    """One tailor run: its own pacer (a fresh process's) on the workspace's record."""
    wall = TickingWall(clock) if ticking else clock
    pacer = Pacer(
        per_minute, clock=clock, sleep=clock.sleep, shared=SharedStarts(ws, ORIGIN, wall=wall)
    )

    async def go() -> list[float]:
        return [await pacer.acquire() for _ in range(count)]

    return asyncio.run(go())


def recorded(ws: Path) -> dict[str, object]:
    with (ws / HISTORY_FILE).open("rb") as file:
        payload = json.loads(file.read(1 << 20))  # bounded: it may be a link to /dev/zero
    assert payload["version"] == 1
    origins: dict[str, object] = payload["origins"]
    return origins


def starts_of(ws: Path, origin: str = ORIGIN) -> list[float]:
    """The origin's recorded starts, every run's."""
    runs = recorded(ws)[origin]["runs"]  # type: ignore[index]
    return sorted(t for starts in runs.values() for t in starts)


def test_a_run_counts_the_last_minutes_requests_of_the_run_before_it(tmp_path: Path) -> None:
    """A plan's 3 requests, then an apply's 9 at 10 a minute: the apply's first 7 go at once,
    the 8th to 10th wait for the plan's to age a minute; alone it would not wait at all."""
    clock = FakeClock()
    plan = run_pacer(tmp_path, clock, 10.0, 3, ticking=True)
    clock.now += 5.0
    apply = run_pacer(tmp_path, clock, 10.0, 9, ticking=True)
    assert apply[:7] == [1005.0] * 7
    assert apply[7:] == [pytest.approx(1000.0 + SPAN, abs=1e-3)] * 2
    assert most_in_one_minute(plan + apply) == 10
    alone = run_pacer(tmp_path / "other", FakeClock(), 10.0, 9)
    assert alone == [1000.0] * 9


def test_the_record_is_per_origin_and_holds_only_start_times(tmp_path: Path) -> None:
    clock = FakeClock()
    run_pacer(tmp_path, clock, 10.0, 3)
    other = Pacer(10.0, clock=clock, sleep=clock.sleep,
                  shared=SharedStarts(tmp_path, "http://127.0.0.1:8787", wall=clock))
    assert asyncio.run(other.acquire()) == 1000.0, "another API's requests do not count"
    shown = recorded(tmp_path)
    assert set(shown) == {ORIGIN, "http://127.0.0.1:8787"}
    assert starts_of(tmp_path) == [1000.0] * 3
    assert starts_of(tmp_path, "http://127.0.0.1:8787") == [1000.0]
    assert all(e["window"] == pytest.approx(SPAN) for e in shown.values())  # type: ignore[index]
    assert "secret" not in (tmp_path / HISTORY_FILE).read_text()
    assert api_origin("https://user:secret@Engine.Bria.example:8443/v1?token=x") == (
        "https://engine.bria.example:8443"
    )
    assert api_origin("http://[::1]:9/v1") == "http://[::1]:9"


def test_the_record_keeps_only_the_last_window(tmp_path: Path) -> None:
    """A long run at 60 a minute: the file holds its last minute's starts, not all of them."""
    clock = FakeClock()
    run_pacer(tmp_path, clock, 60.0, 200)
    starts = starts_of(tmp_path)
    assert 0 < len(starts) <= 60
    assert all(clock.now - SPAN < t <= clock.now for t in starts)
    clock.now += 1000.0
    run_pacer(tmp_path, clock, 60.0, 1)
    assert starts_of(tmp_path) == [clock.now]


@pytest.mark.parametrize("jump", [-3600.0, 3600.0])
def test_a_clock_that_jumped_holds_nothing_back(tmp_path: Path, jump: float) -> None:
    """Starts in the future (the clock went back) or older than the window are ignored."""
    clock = FakeClock()
    run_pacer(tmp_path, clock, 5.0, 5)
    clock.now += jump
    assert run_pacer(tmp_path, clock, 5.0, 5) == [clock.now] * 5
    assert starts_of(tmp_path) == [clock.now] * 5


BROKEN = {
    "not json": b"{\"version\": 1, \"origins\": {",
    "another version": json.dumps({"version": 99, "origins": {ORIGIN: [1000.0]}}).encode(),
    "a list": b"[1, 2, 3]",
    "nonsense starts": json.dumps(
        {"version": 1, "origins": {ORIGIN: {"window": "x", "runs": {"r": ["1000", True, None]}}}}
    ).encode(),
    "not finite": b'{"version": 1, "origins": {"' + ORIGIN.encode()
    + b'": {"window": 60, "runs": {"r": [NaN, Infinity]}}}}',
    "runs not a mapping": json.dumps(
        {"version": 1, "origins": {ORIGIN: {"runs": [1000.0]}}}
    ).encode(),
    "too large": b" " * (300 * 1024) + b"{}",
    "not utf-8": b"\xff\xfe{}",
}


@pytest.mark.parametrize("content", list(BROKEN.values()), ids=list(BROKEN))
def test_a_broken_record_is_no_history_and_is_replaced(tmp_path: Path, content: bytes) -> None:
    (tmp_path / HISTORY_FILE).parent.mkdir()
    (tmp_path / HISTORY_FILE).write_bytes(content)
    clock = FakeClock()
    assert run_pacer(tmp_path, clock, 3.0, 3) == [1000.0] * 3
    assert starts_of(tmp_path) == [1000.0] * 3


def test_a_record_that_is_not_a_file_is_no_history(tmp_path: Path) -> None:
    """A pull request can commit .tailor/: a link to /dev/zero or a FIFO is never read."""
    folder = tmp_path / HISTORY_FILE.parent
    folder.mkdir()
    (tmp_path / HISTORY_FILE).symlink_to("/dev/zero")
    os.mkfifo(tmp_path / LOCK_FILE)
    clock = FakeClock()
    assert run_pacer(tmp_path, clock, 3.0, 3) == [1000.0] * 3
    assert (tmp_path / HISTORY_FILE).is_symlink()
    (tmp_path / LOCK_FILE).unlink()
    assert run_pacer(tmp_path, clock, 3.0, 1) == [1000.0], "the link's content did not count"
    assert starts_of(tmp_path) == [1000.0]


def test_a_workspace_where_nothing_can_be_written_still_runs(tmp_path: Path) -> None:
    """No .tailor/ folder can be made (a file is in its place: the same as read-only, for
    root too): every run counts its own requests only, and says nothing."""
    (tmp_path / ".tailor").write_text("not a folder")
    clock = FakeClock()
    assert run_pacer(tmp_path, clock, 3.0, 4) == [1000.0] * 3 + [pytest.approx(1000.0 + SPAN)]
    assert run_pacer(tmp_path, clock, 3.0, 3) == [pytest.approx(1000.0 + SPAN)] * 3


def test_an_unpaced_run_keeps_no_record(tmp_path: Path) -> None:
    run_pacer(tmp_path, FakeClock(), None, 5)  # type: ignore[arg-type]
    assert not (tmp_path / ".tailor").exists()


@settings(max_examples=40, deadline=None)
@given(
    per_minute=st.integers(1, 12).map(float),
    turns=st.lists(st.tuples(st.booleans(), st.floats(0.0, 30.0)), min_size=1, max_size=60),
)
def test_two_runs_side_by_side_never_exceed_the_rate_together(
    per_minute: float, turns: list[tuple[bool, float]]
) -> None:
    """Two tailor processes on one workspace, their requests interleaved at random: no 60 s
    window holds more starts of both than the rate."""
    import tempfile

    clock = FakeClock()
    with tempfile.TemporaryDirectory() as folder:
        ws = Path(folder)
        pacers = [
            Pacer(per_minute, clock=clock, sleep=clock.sleep,
                  shared=SharedStarts(ws, ORIGIN, wall=clock))
            for _ in range(2)
        ]

        async def go() -> list[float]:
            sent = []
            for second, gap in turns:
                clock.now += gap
                sent.append(await pacers[int(second)].acquire())
            return sent

        sent = asyncio.run(go())
    assert most_in_one_minute(sent) <= per_minute


def _write_starts(folder: str, first: int) -> None:
    """A process that records 50 starts, each at its own (fake) wall time. A lock another
    process held too long (descheduled on a loaded machine) skips the history for that
    request: here the start is offered again until it is recorded."""
    times = iter(range(first, first + 50))
    shared = SharedStarts(Path(folder), ORIGIN, wall=lambda: 1e9)
    start = 1e9 - 1 - next(times) / 100
    for _ in range(5000):
        with shared.exchange(3600.0) as others:
            if others is None:
                continue
            others.append(start)
        start = 1e9 - 1 - next(times, -1e9) / 100
        if start > 1e9:
            return
    raise AssertionError("the lock was never free")


def test_concurrent_processes_lose_no_start_and_never_tear_the_file(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_write_starts, args=(str(tmp_path), k * 50)) for k in range(4)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    starts = starts_of(tmp_path)
    assert len(starts) == len(set(starts)) == 200 <= MAX_STARTS
    assert not [p for p in (tmp_path / ".tailor").iterdir() if p.suffix == ".tmp"]
