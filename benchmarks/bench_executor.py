"""Executor benchmark: the scheduling overhead per node of `execute`, with a zero-latency
fake client (every step handler is answered at once), at 1,000, 10,000 and 50,000 nodes.

    python -m benchmarks.bench_executor [--nodes 1000 10000 50000] [--parallelism 8] [--repeat 3]

The plan is the planner's own for a new workspace (projects of 5 datasets of 200 images and a
model each; every image is a node), so the DAG has the real shape. The handlers are replaced
by one that yields to the event loop once, as an answered request does: what is timed is the
executor's bookkeeping, the hooks and the ledger look-ups, i.e. what apply adds on top of
Bria's latency. Pure CPU, no I/O, no network.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchmarks.bench_planner import workspace
from reconciler.engine import executor, handlers
from reconciler.engine.ledger import Ledger
from reconciler.engine.run_context import NOTHING, Outcome, RunContext, StepCall
from reconciler.events import NoHooks
from reconciler.plan.builder import build_plan
from reconciler.plan.model import Plan
from reconciler.resources import LiveSnapshot
from reconciler.state.sqlite import SqliteStateStore

DATASETS, IMAGES = 5, 200


async def _answered_at_once(ctx: RunContext, call: StepCall) -> Outcome:
    """A request to a client with no latency: one pass through the event loop, no I/O."""
    await asyncio.sleep(0)
    return NOTHING


def plan_with(nodes: int) -> Plan:
    """A new-workspace plan of about `nodes` DAG nodes."""
    per_project = DATASETS * (IMAGES + 3) + 1
    projects = max(1, round(nodes / per_project))
    return build_plan(workspace(projects, DATASETS, IMAGES), [], LiveSnapshot())


def run_once(plan: Plan, parallelism: int, folder: Path) -> float:
    store = SqliteStateStore(folder / "state.db")
    lock = store.acquire_lock("apply")
    try:
        ctx = RunContext(
            client=SimpleNamespace(base_url="http://127.0.0.1:9/v1"),  # type: ignore[arg-type]
            ledger=Ledger.open(store, lock),
            root=folder,
            hooks=NoHooks(),
        )

        async def timed() -> float:
            # Timed inside the loop: asyncio.run itself reprs its finished task's result,
            # the whole ApplyResult (0.1 s at 10,000 nodes), which is not the executor's.
            started = time.perf_counter()
            result = await executor.execute(plan, ctx, parallelism=parallelism)
            elapsed = time.perf_counter() - started
            assert result.ok, [n for n in result.nodes if n.status.value != "done"][:3]
            return elapsed

        return asyncio.run(timed())
    finally:
        store.release_lock(lock)
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nodes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    replaced: dict[Any, Any] = dict(handlers.HANDLERS)
    for kind in replaced:
        handlers.HANDLERS[kind] = _answered_at_once
    print(f"| nodes (asked) | nodes in the DAG | execute, best of {options.repeat} | per node |")
    print("| --- | --- | --- | --- |")
    try:
        for asked in options.nodes:
            plan = plan_with(asked)
            count = len(plan.order)
            best = float("inf")
            for _ in range(options.repeat):
                with tempfile.TemporaryDirectory() as folder:
                    best = min(best, run_once(plan, options.parallelism, Path(folder)))
            print(f"| {asked:,} | {count:,} | {best:.2f} s | {best / count * 1e6:.1f} µs |")
    finally:
        handlers.HANDLERS.update(replaced)


if __name__ == "__main__":
    main()
