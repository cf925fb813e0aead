"""What one apply did, node by node, and how its caller stops it from outside.

`execute` (executor.py) fills an `ApplyResult`; apply and destroy show its `by_address()` table.
A signal handler holds the run's `RunControl`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.addresses import Address
from reconciler.client.errors import ApiError
from reconciler.events import AddressResult, ResultStatus
from reconciler.plan.model import Action
from reconciler.records import record


@record
class NodeResult:
    node: str
    address: Address
    status: ResultStatus
    message: str = ""
    unreachable: bool = False
    """It failed because the API could not be reached (what the circuit breaker counts)."""
    deposed: int | None = None
    """The deposed object this node is about (a row of its own in the results)."""


@dataclass
class RunControl:
    """How the caller stops a run from outside (a signal handler): `stop` starts no more
    nodes and lets in-flight ones finish; `abort` cancels those too."""

    stopped: str | None = None
    """Why no further node starts (None: the run goes on)."""
    aborted: bool = False
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    def stop(self, why: str) -> None:
        if self.stopped is None:
            self.stopped = why
        self.wakeup.set()

    def abort(self) -> None:
        self.aborted = True
        self.wakeup.set()


@record
class ApplyResult:
    """Every node's result; `by_address()` is the table apply and destroy show."""

    nodes: tuple[NodeResult, ...]
    actions: Mapping[str, Action]
    stopped: ApiError | None = None
    """The answer that stopped the run before every node was tried (Bria's quota)."""
    interrupted: str | None = None
    """Why the run stopped early for any other reason (unreachable API, a signal)."""

    @property
    def ok(self) -> bool:
        return all(n.status is ResultStatus.DONE for n in self.nodes)

    @property
    def failed(self) -> tuple[NodeResult, ...]:
        return tuple(n for n in self.nodes if n.status is ResultStatus.FAILED)

    def by_address(self) -> tuple[AddressResult, ...]:
        """One row per address (failed beats not started beats done), leaving out the
        no-op addresses that completed: they are in the DAG for its edges and did nothing."""
        rank = {ResultStatus.DONE: 0, ResultStatus.NOT_STARTED: 1, ResultStatus.FAILED: 2}
        rows: dict[tuple[Address, int], AddressResult] = {}
        for node in self.nodes:
            key = (node.address, -1 if node.deposed is None else node.deposed)
            seen = rows.get(key)
            if seen is None or rank[node.status] > rank[seen.status]:
                rows[key] = AddressResult(node.address, node.status, node.message, node.deposed)
        return tuple(
            rows[key]
            for key in sorted(rows)
            if rows[key].status is not ResultStatus.DONE
            or rows[key].deposed is not None
            or self.actions.get(str(key[0]), Action.NO_OP) is not Action.NO_OP
        )
