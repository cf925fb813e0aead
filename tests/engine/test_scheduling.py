"""The executor's scheduling with step handlers replaced by fakes (no network, no sandbox):
how many tasks live, who holds a slot while waiting, and what stops a run early."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from reconciler.client.errors import unreachable
from reconciler.engine.apply_result import ApplyResult, RunControl
from reconciler.engine.executor import execute
from reconciler.engine.handlers import HANDLERS
from reconciler.engine.ledger import Ledger
from reconciler.engine.run_context import NOTHING, Outcome, RunContext, StepCall
from reconciler.events import NoHooks, ResultStatus
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Plan, StepKind
from reconciler.resources import LiveSnapshot
from reconciler.state.sqlite import SqliteStateStore
from tests.plan.factories import dataset, images, project, workspace

pytestmark = pytest.mark.anyio

BASE_URL = "http://127.0.0.1:9/v1"
Handler = Callable[[RunContext, StepCall], Awaitable[Outcome]]


def image_plan(count: int) -> Plan:
    """One new project with one dataset of `count` images: `count` independent image nodes."""
    ws = workspace(
        project(datasets=(dataset(imgs=images(count), completed=False),), models=())
    )
    return build_plan(ws, [], LiveSnapshot())


def every_step(monkeypatch: pytest.MonkeyPatch, handler: Handler) -> None:
    for kind in StepKind:
        monkeypatch.setitem(HANDLERS, kind, handler)


class FakeClient(SimpleNamespace):
    """What the executor itself asks of the client."""

    base_url = BASE_URL
    retries_stopped = 0

    def stop_retrying(self) -> None:
        self.retries_stopped += 1


async def run(
    plan: Plan,
    tmp_path: Path,
    *,
    parallelism: int,
    control: RunControl | None = None,
    client: FakeClient | None = None,
) -> ApplyResult:
    store = SqliteStateStore(tmp_path / "state.db")
    lock = store.acquire_lock("apply")
    try:
        ctx = RunContext(
            client=client or FakeClient(),  # type: ignore[arg-type]
            ledger=Ledger.open(store, lock),
            root=tmp_path,
            hooks=NoHooks(),
        )
        return await execute(plan, ctx, parallelism=parallelism, control=control)
    finally:
        store.release_lock(lock)
        store.close()


async def test_at_most_parallelism_node_tasks_are_alive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alive: list[int] = []

    async def count(ctx: RunContext, call: StepCall) -> Outcome:
        alive.append(len(asyncio.all_tasks()))
        await asyncio.sleep(0)
        return NOTHING

    every_step(monkeypatch, count)
    plan = image_plan(60)
    baseline = len(asyncio.all_tasks())
    result = await run(plan, tmp_path, parallelism=4)
    assert result.ok
    assert len(alive) >= 60
    assert max(alive) - baseline <= 4


async def test_a_wait_gives_its_slot_to_other_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one slot, a node waiting on Bria must let the others run (here the wait only
    ends once the other project's images are uploaded, so holding the slot never finishes)."""
    uploaded: list[str] = []
    everything_uploaded = asyncio.Event()
    slow = project("slow", datasets=(dataset(project="slow", imgs=(), completed=False),),
                   models=())
    acme = project(datasets=(dataset(imgs=images(5), completed=False),), models=())
    plan = build_plan(workspace(slow, acme), [], LiveSnapshot())

    async def upload(ctx: RunContext, call: StepCall) -> Outcome:
        uploaded.append(str(call.step.address))
        if len(uploaded) == 5:
            everything_uploaded.set()
        return NOTHING

    async def maybe_waiting(ctx: RunContext, call: StepCall) -> Outcome:
        if call.step.address.project == "slow":
            async with ctx.idle():
                await everything_uploaded.wait()
        return NOTHING

    every_step(monkeypatch, maybe_waiting)
    monkeypatch.setitem(HANDLERS, StepKind.UPLOAD_IMAGE, upload)
    result = await asyncio.wait_for(run(plan, tmp_path, parallelism=1), timeout=10)
    assert result.ok, result.failed
    assert len(uploaded) == 5


async def test_an_unreachable_api_stops_the_run_after_a_few_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    async def gone(ctx: RunContext, call: StepCall) -> Outcome:
        calls.append(str(call.step.address))
        await asyncio.sleep(0)
        raise unreachable("ConnectError (refused) after 8 attempts", method="POST", path="/x")

    plan = image_plan(40)
    every_step(monkeypatch, lambda ctx, call: asyncio.sleep(0, NOTHING))
    monkeypatch.setitem(HANDLERS, StepKind.UPLOAD_IMAGE, gone)
    client = FakeClient()
    result = await run(plan, tmp_path, parallelism=2, client=client)
    assert len(calls) <= 3 + 2  # the breaker's count, plus what was in flight
    assert client.retries_stopped >= 1, "calls in flight are told not to retry"
    assert result.interrupted is not None and BASE_URL in result.interrupted
    statuses = [r.status for r in result.by_address()]
    assert statuses.count(ResultStatus.NOT_STARTED) >= 30
    assert all("#" not in r.message for r in result.by_address())


async def test_a_stop_lets_in_flight_nodes_finish_and_starts_no_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    control = RunControl()
    finished: list[str] = []

    async def slow(ctx: RunContext, call: StepCall) -> Outcome:
        if call.step.kind is StepKind.UPLOAD_IMAGE:
            control.stop("interrupted by SIGINT")
        await asyncio.sleep(0.01)
        finished.append(str(call.step.address))
        return NOTHING

    every_step(monkeypatch, slow)
    result = await run(image_plan(30), tmp_path, parallelism=3, control=control)
    assert result.interrupted == "interrupted by SIGINT"
    done = [n for n in result.nodes if n.status is ResultStatus.DONE]
    assert len(done) == len(finished)  # what started finished, and was recorded as done
    assert len(finished) < 10
    assert not [n for n in result.nodes if n.status is ResultStatus.FAILED]


async def test_an_abort_cancels_what_is_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    control = RunControl()

    async def forever(ctx: RunContext, call: StepCall) -> Outcome:
        if call.step.kind is StepKind.UPLOAD_IMAGE:
            control.stop("interrupted by SIGTERM")
            control.abort()
            await asyncio.sleep(3600)
        return NOTHING

    every_step(monkeypatch, forever)
    result = await asyncio.wait_for(
        run(image_plan(10), tmp_path, parallelism=2, control=control), timeout=10
    )
    failed = [n for n in result.nodes if n.status is ResultStatus.FAILED]
    assert failed and all("interrupted" in n.message for n in failed)
