"""Carry out a Plan: walk its dependency DAG with bounded parallelism, recording as we go.

Each node (a change, or the finalize phase of one) runs its steps in order through the
handler registry. The state is written after every step that changed something at Bria (the
Ledger group commits: a crash loses at most its last window of writes, and creates are
journaled, durably, before they are sent, so recovery settles them); all is committed before
`execute` returns.
A failed node stops only what depends on it: independent branches carry on, dependents are
reported "not started", and a rerun converges from what the state recorded. The exceptions
stop the whole run: Bria's quota answer (QuotaExceeded: every later request would get it too),
a run of nodes that could not reach the API at all (a circuit breaker), and the caller's
`RunControl.stop` (a signal). Then no further node starts, in-flight ones finish, and the
result says why (`ApplyResult.stopped`, `ApplyResult.interrupted`).

At most `parallelism` nodes work at once, started from a ready queue in plan order; a node
that waits on Bria (training, captions, a bulk upload) gives its slot back while it polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import replace

from reconciler.addresses import Address, Kind
from reconciler.client.errors import ApiError, ApiUnreachable, QuotaExceeded
from reconciler.engine.apply_result import ApplyResult, NodeResult, RunControl
from reconciler.engine.digest_record import record_content_digest
from reconciler.engine.handlers import HANDLERS
from reconciler.engine.journaled_create import IMAGES, list_images
from reconciler.engine.run_context import Outcome, RunContext, StepCall, StepFailed
from reconciler.engine.slots import HOLDING, WorkSlots
from reconciler.engine.steps.bulk import release_staged
from reconciler.errors import TailorError
from reconciler.events import ResultStatus, StepEvent, StepOutcome
from reconciler.plan.model import Action, Change, Plan, Step, StepKind
from reconciler.plan.rules import TRAINING_STATUSES
from reconciler.resources import JsonValue
from reconciler.state.model import ResourceEntry

STOPPED = "the run stopped: Bria's request quota is used up"
UNREACHABLE_IN_A_ROW = 3
"""Nodes in a row that could not reach the API (each after its own bounded retries) before
the run stops starting new ones: with the API gone, every later node would fail the same way,
each after a minute of retries."""


async def execute(
    plan: Plan, ctx: RunContext, *, parallelism: int = 8, control: RunControl | None = None
) -> ApplyResult:
    """Run every node of `plan` whose dependencies succeeded; never raises for a failed step."""
    runner = _Runner(plan, ctx, max(1, parallelism), control or RunControl())
    try:
        return await runner.run()
    finally:
        await _cleanup(ctx)
        ctx.ledger.flush()


async def _cleanup(ctx: RunContext) -> None:
    with contextlib.suppress(TailorError):
        await release_staged(ctx)
    if ctx.work_dir is not None:
        import shutil  # a work folder is made only for advanced datasets' ZIPs

        shutil.rmtree(ctx.work_dir, ignore_errors=True)
        ctx.work_dir = None


def _actions(plan: Plan) -> dict[str, Action]:
    """The action per address, the current object's change winning over deposed ones."""
    actions: dict[str, Action] = {}
    for change in plan.changes:
        if change.deposed is None or str(change.address) not in actions:
            actions[str(change.address)] = change.action
    return actions


class _Runner:
    def __init__(
        self, plan: Plan, ctx: RunContext, parallelism: int, control: RunControl
    ) -> None:
        self.plan = plan
        self.ctx = ctx
        self.control = control
        self.slots = WorkSlots(parallelism, control.wakeup)
        ctx.idle = self.slots.released
        ctx.ahead = self._ahead
        self.deps = {node: tuple(before) for node, before in plan.dependencies.items()}
        self.order = list(plan.order) or sorted(self.deps)
        for node in self.order:
            self.deps.setdefault(node, ())
        self.results: dict[str, NodeResult] = {}
        self.late: list[tuple[str, Step, Change]] = []
        """Deferred deletes of replaced datasets, with their node: see `_run_late_deletes`."""
        self.quota: QuotaExceeded | None = None
        self.unreachable_in_a_row = 0
        self.recorded: dict[str, int] = {}
        """Per node that completed: the Ledger's mark once its writes were queued."""
        self.started: set[str] = set()
        self._alike: dict[tuple[StepKind, Address | None], list[tuple[str, StepCall]]] | None
        self._alike = None
        self._alike_from: dict[tuple[StepKind, Address | None], int] = {}

    async def run(self) -> ApplyResult:
        """Start nodes from a ready queue (plan order first) while a slot is free; each
        completion costs O(log n) bookkeeping. (A task per ready node, all of them awaited
        every round, was quadratic: 12,121 nodes took 17.5 s with a zero-latency client.)"""
        waiting = {node: len(set(self.deps[node])) for node in self.order}
        dependents: dict[str, list[str]] = {node: [] for node in self.order}
        for node in self.order:
            for before in set(self.deps[node]):
                dependents.setdefault(before, []).append(node)
        rank = {node: index for index, node in enumerate(self.order)}
        for change in self.plan.changes:
            if change.node_ids()[0] not in self.deps:
                self._finish(change)  # not a node (a no-op image): only its record to update
        ready = [(rank[node], node) for node in self.order if waiting[node] == 0]
        heapq.heapify(ready)
        control = self.control
        running: dict[asyncio.Task[NodeResult], str] = {}
        finished: list[asyncio.Task[NodeResult]] = []

        def done(task: asyncio.Task[NodeResult]) -> None:
            finished.append(task)
            control.wakeup.set()

        try:
            while True:
                for task in finished:
                    node = running.pop(task)
                    result = self._result_of(task, node)
                    self.results[node] = result
                    if result.status is ResultStatus.DONE:
                        for after in dependents.get(node, ()):
                            waiting[after] -= 1
                            if waiting[after] == 0 and after not in self.results:
                                heapq.heappush(ready, (rank[after], after))
                    else:
                        self._block(node, dependents)
                finished.clear()
                if control.aborted:
                    break
                if control.stopped is not None:
                    for idle in self.slots.waiting:
                        idle.cancel()  # polling only: Bria's job goes on, a rerun waits again
                elif ready and self.slots.take():
                    node = heapq.heappop(ready)[1]
                    task = asyncio.create_task(self._guarded(node))
                    task.add_done_callback(done)
                    running[task] = node
                    self.started.add(node)
                    continue
                if not running:
                    break
                control.wakeup.clear()
                await control.wakeup.wait()
        finally:
            for task in running:
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)
            for task, node in running.items():
                self.results[node] = self._result_of(task, node)
        if control.stopped is None:
            await self._run_late_deletes()
        why = control.stopped or "its dependencies were not carried out"
        for node in self.order:
            if node not in self.results:
                self._not_started(node, why)
        nodes = tuple(self.results[n] for n in self.order if n in self.results)
        interrupted = control.stopped if self.quota is None else None
        return ApplyResult(nodes, _actions(self.plan), self.quota, interrupted)

    def _ahead(self, call: StepCall) -> Iterator[StepCall]:
        """Creates like `call`'s (its step kind, under the same parent), each the first step
        of a node not started yet, in plan order (RunContext.ahead)."""
        if self._alike is None:
            self._alike = self._creates_by_kind_and_parent()
        key = (call.step.kind, call.step.address.parent)
        queue = self._alike.get(key, ())
        start = self._alike_from.get(key, 0)
        while start < len(queue) and queue[start][0] in self.started:
            start += 1  # nodes start about in plan order: the scan stays short
        self._alike_from[key] = start
        for node, other in itertools.islice(queue, start, None):
            if node not in self.started:
                yield other

    def _creates_by_kind_and_parent(
        self,
    ) -> dict[tuple[StepKind, Address | None], list[tuple[str, StepCall]]]:
        """Nodes of new objects by their first step's kind and parent, in plan order."""
        alike: dict[tuple[StepKind, Address | None], list[tuple[str, StepCall]]] = {}
        for node in self.order:
            change = self.plan.change_for(node)
            if change.action is not Action.CREATE or node != change.node_ids()[0]:
                continue
            steps = self.plan.steps_for(node)
            if steps and not steps[0].deferred:
                key = (steps[0].kind, steps[0].address.parent)
                alike.setdefault(key, []).append((node, StepCall(steps[0], change)))
        return alike

    def _result_of(self, task: asyncio.Task[NodeResult], node: str) -> NodeResult:
        """A node cancelled by a stop or an abort failed; anything else is its own result
        (and a bug in a handler is raised here, not lost)."""
        if task.cancelled():
            why = self.control.stopped or "the run was aborted"
            change = self.plan.change_for(node)
            return NodeResult(
                node, change.address, ResultStatus.FAILED, f"interrupted: {why}",
                deposed=change.deposed,
            )
        return task.result()

    def _count_unreachable(self, result: NodeResult) -> None:
        """The circuit breaker: enough nodes in a row that never reached the API stop the run."""
        if result.status is ResultStatus.DONE:
            self.unreachable_in_a_row = 0
        elif result.unreachable:
            self.unreachable_in_a_row += 1
            if self.unreachable_in_a_row >= UNREACHABLE_IN_A_ROW:
                self.ctx.client.stop_retrying()  # in-flight nodes would each retry a minute
                self.control.stop(
                    f"Bria's API at {self.ctx.client.base_url} did not answer "
                    f"({self.unreachable_in_a_row} steps in a row could not reach it)"
                )

    def _block(self, failed: str, dependents: Mapping[str, list[str]]) -> None:
        """Everything downstream of a node that did not complete is not started."""
        queue = [(after, failed) for after in dependents.get(failed, ())]
        while queue:
            node, blocker = queue.pop()
            if node in self.results:
                continue
            address = self.plan.change_for(blocker).address
            self._not_started(node, f"{address} did not complete")
            queue.extend((after, node) for after in dependents.get(node, ()))

    def _not_started(self, node: str, why: str) -> None:
        change = self.plan.change_for(node)
        address = change.address
        self.results[node] = NodeResult(
            node, address, ResultStatus.NOT_STARTED, why, deposed=change.deposed
        )
        text = change.action.value
        self.ctx.hooks.on_step(StepEvent(str(address), text, StepOutcome.SKIPPED, why))

    async def _guarded(self, node: str) -> NodeResult:
        """One node, in the slot the run loop took for it (given back here)."""
        change = self.plan.change_for(node)
        holding = [True]
        HOLDING.set(holding)
        try:
            result = await self._outcome(node, change)
            self._count_unreachable(result)  # before the slot is free for another node
            return result
        finally:
            if holding[0]:
                self.slots.give()

    async def _outcome(self, node: str, change: Change) -> NodeResult:
        try:
            await self._run_node(node, change)
        except TailorError as error:
            if isinstance(error, QuotaExceeded) and self.quota is None:
                self.quota = error
                self.control.stop(STOPPED)
            return NodeResult(
                node, change.address, ResultStatus.FAILED, _message(error),
                unreachable=isinstance(error, ApiUnreachable), deposed=change.deposed,
            )
        except (OSError, ValueError) as error:
            text = f"{type(error).__name__}: {error}"
            return NodeResult(
                node, change.address, ResultStatus.FAILED, text, deposed=change.deposed
            )
        return NodeResult(node, change.address, ResultStatus.DONE, deposed=change.deposed)

    async def _run_node(self, node: str, change: Change) -> None:
        """The node's steps in order. Before each, what it builds on is committed (the
        writes of the nodes it depends on and of its own earlier steps): a crash must never
        leave Bria ahead of the state in a way a rerun cannot replay, e.g. captions recorded
        only in memory and then the dataset completed (Bria refuses captions from then on).
        Writes of independent nodes still share commits."""
        ledger = self.ctx.ledger
        builds_on = max((self.recorded[before] for before in self.deps[node]
                         if before in self.recorded), default=0)
        nodes = change.node_ids()
        if node == nodes[0] and _adopts_bulk_image(change):
            await self._adopt_bulk_image(change)
        for step in self.plan.steps_for(node):
            if step.deferred and step.kind is StepKind.DELETE_DATASET:
                self.late.append((node, step, change))
            await ledger.durable(builds_on)
            before = ledger.mark()
            await self._run_step(step, change)
            if ledger.mark() > before:
                builds_on = ledger.mark()
        if node == nodes[-1]:
            self._finish(change)
        self.recorded[node] = ledger.mark()

    async def _run_step(self, step: Step, change: Change) -> None:
        hooks = self.ctx.hooks
        text = step.describe()
        if step.deferred and not self._deferred_due(step):
            hooks.on_step(
                StepEvent(str(step.address), text, StepOutcome.SKIPPED,
                          f"deferred: {step.note}" if step.note else "deferred")
            )
            return
        hooks.on_step(StepEvent(str(step.address), text, StepOutcome.STARTED))
        try:
            outcome = await HANDLERS[step.kind](self.ctx, StepCall(step, change))
        except TailorError as error:
            hooks.on_step(StepEvent(str(step.address), text, StepOutcome.FAILED, _message(error)))
            raise
        self._record(step, outcome)
        hooks.on_step(StepEvent(str(step.address), text, StepOutcome.DONE))

    async def _run_late_deletes(self) -> None:
        """Deferred deletes of replaced datasets, once every other node has run: each whose
        node succeeded goes now unless a model still trains on the old dataset (Bria refuses
        the delete then, DS-DELETE-IN-TRAINING); one listing of the models serves them all, so
        a training this run stopped, or that ended meanwhile, holds nothing back. A listing or
        delete that fails fails the node (apply must not exit 0 with the old dataset still at
        Bria); the next plan deletes it. (Not a replaced project: deleting it deletes its
        models, which serve until their successors trained.)"""
        due = [item for item in self.late if self.results[item[0]].status is ResultStatus.DONE]
        if not due:
            return
        await self.ctx.ledger.durable()
        try:
            models = await self.ctx.client.list_models()
        except TailorError as error:
            for node, _step, change in due:
                self._late_failed(node, change, f"could not check whether a model still "
                                  f"trains on the replaced dataset: {_message(error)}")
            return
        training = [m for m in models if m.status in TRAINING_STATUSES]
        for node, step, change in due:
            if any(m.dataset_id == step.args.get("old_id") for m in training):
                continue
            try:
                await self._run_step(replace(step, deferred=False, note=""), change)
            except TailorError as error:
                self._late_failed(node, change, _message(error))

    def _late_failed(self, node: str, change: Change, why: str) -> None:
        """A late delete that failed fails its node: apply must not exit 0 with the replaced
        dataset still at Bria (the next plan deletes it)."""
        self.results[node] = NodeResult(
            node, change.address, ResultStatus.FAILED, why, deposed=change.deposed
        )

    def _deferred_due(self, step: Step) -> bool:
        """A deferred predecessor delete runs now when its successor trained in this run."""
        return (
            step.kind is StepKind.DELETE_MODEL
            and self.ctx.results(step.address).get("trained") is True
        )

    def _record(self, step: Step, outcome: Outcome) -> None:
        ledger = self.ctx.ledger
        if outcome.attributes:
            ledger.patch(step.address, outcome.attributes)
        if outcome.gone is not None:
            ledger.drop_remote(step.address, outcome.gone)

    async def _adopt_bulk_image(self, change: Change) -> None:
        """Images of an advanced dataset arrive by the bulk upload: record them by name."""
        ledger = self.ctx.ledger
        address = change.address
        dataset = Address(address.project, dataset=address.dataset)
        dataset_id = self.ctx.id_of(dataset)
        name = address.key
        listing = await ledger.names_under(IMAGES, dataset_id, list_images(self.ctx, dataset_id))
        found = listing.get(name, ())
        if len(found) != 1:
            raise StepFailed(
                f"{address}: {'no image' if not found else 'several images'} named {name!r} "
                f"in dataset {dataset_id} after the bulk upload"
            )
        recorded = ledger.get(address)
        if recorded is not None and recorded.remote_id == found[0]:
            return  # recorded when the upload ended, captions as the ZIP set them
        attributes = dict(change.after or {})
        ledger.put(ResourceEntry.for_address(address, found[0], attributes))

    def _finish(self, change: Change) -> None:
        """Record the change as the plan describes its result."""
        ledger = self.ctx.ledger
        address = change.address
        if change.deposed is not None:
            ledger.drop_remote(address, change.deposed)
            return
        if change.action is Action.DELETE:
            entry = ledger.get(address)
            if change.deleted_with_parent or entry is None:
                return
            if change.remote_id is None or entry.remote_id == change.remote_id:
                ledger.remove_tree(address)
            return
        entry = ledger.get(address)
        if entry is None or change.after is None:
            return
        attributes = _final_attributes(change, entry.attributes)
        if attributes != dict(entry.attributes):
            ledger.put(replace(entry, attributes=attributes))
        if change.kind is Kind.DATASET:
            record_content_digest(ledger, change, self.plan.images_of(address))


def _adopts_bulk_image(change: Change) -> bool:
    return (
        change.kind is Kind.IMAGE
        and change.deposed is None
        and change.action in (Action.CREATE, Action.REPLACE)
        and not any(s.kind is StepKind.UPLOAD_IMAGE for s in change.steps)
    )


def _final_attributes(
    change: Change, recorded: Mapping[str, JsonValue]
) -> dict[str, JsonValue]:
    """`after`, with values only known after apply taken from what the steps recorded."""
    after = dict(change.after or {})
    if change.kind is Kind.DATASET and after.get("caption_prefix_auto") is True:
        learned = recorded.get("caption_prefix")
        if isinstance(learned, str):
            after["caption_prefix"] = learned
    if change.kind is Kind.DATASET and after.get("visual_schema_auto") is True:
        schema = recorded.get("visual_schema")
        if isinstance(schema, dict):
            after["visual_schema"] = schema
    return after


def _message(error: TailorError) -> str:
    if isinstance(error, ApiError):
        return error.message
    return str(error)
