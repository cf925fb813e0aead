"""The dependency DAG between a plan's work items (node ids, see `model.node_id`).

Forward order: project -> dataset (create, prefix, uploads of advanced datasets) -> images ->
dataset finalize (captions, completion, predecessor delete) -> models (create, training).
Deletes run the other way: models before their dataset, images and datasets before their
project. Deposed predecessors go after their successor is built.

A no-op image is not a node: it has no step, and its edges (after its dataset's start, before
its dataset's finalize) add nothing the dataset's own two nodes do not already say. Leaving
the 12,000 images of an unchanged workspace out keeps planning and the saved plan small; the
executor records their `after` without scheduling them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from graphlib import CycleError, TopologicalSorter

from reconciler.addresses import Address, Kind
from reconciler.errors import PlanError
from reconciler.plan.model import Action, Change


def scheduled(change: Change) -> bool:
    """Whether the change is a node of the DAG (see the module docstring)."""
    return not (change.action is Action.NO_OP and change.kind is Kind.IMAGE and not change.steps)


def _main(change: Change) -> str:
    return change.node_ids()[0]


def _last(change: Change) -> str:
    """The node after which everything of the change is done."""
    return change.node_ids()[-1]


def build_dependencies(changes: Sequence[Change]) -> dict[str, tuple[str, ...]]:
    """node id -> sorted node ids that must finish before it."""
    changes = [change for change in changes if scheduled(change)]
    deps: dict[str, set[str]] = {node: set() for c in changes for node in c.node_ids()}
    current = {c.address: c for c in changes if c.deposed is None}

    def need(node: str, before: str) -> None:
        if node != before:
            deps[node].add(before)

    for change in changes:
        main = _main(change)
        nodes = change.node_ids()
        if len(nodes) > 1:
            need(nodes[1], main)
        if change.deposed is not None:
            _deposed_edges(change, changes, current, need)
            continue
        parent = current.get(change.address.parent) if change.address.parent else None
        if change.action is not Action.DELETE:
            if parent is not None and parent.action is not Action.DELETE:
                need(main, _main(parent))
            if change.kind is Kind.IMAGE and parent is not None:
                need(_last(parent), _last(change))
            if change.kind is Kind.MODEL and change.after is not None:
                dataset = current.get(
                    Address(change.address.project, dataset=str(change.after["dataset"]))
                )
                if dataset is not None and dataset.action is not Action.DELETE:
                    need(main, _last(dataset))
            continue
        if parent is not None:
            if parent.action is Action.DELETE:
                need(_main(parent), _last(change))
            elif len(parent.node_ids()) > 1:
                need(main, _main(parent))
                need(_last(parent), _last(change))
        if change.kind is Kind.MODEL and change.before is not None:
            dataset = current.get(
                Address(change.address.project, dataset=str(change.before.get("dataset")))
            )
            if dataset is not None and dataset.action is Action.DELETE:
                need(_main(dataset), _last(change))
    return {node: tuple(sorted(before)) for node, before in sorted(deps.items())}


_DEPOSED_GO_FIRST: dict[Kind, tuple[Kind, ...]] = {
    Kind.PROJECT: (Kind.MODEL, Kind.DATASET),
    Kind.DATASET: (Kind.MODEL,),
}
"""A deposed project or dataset goes after the deposed objects of these kinds in its project."""


def _deposed_edges(
    change: Change,
    changes: Sequence[Change],
    current: dict[Address, Change],
    need: Callable[[str, str], None],
) -> None:
    main = _main(change)
    successor = current.get(change.address)
    if successor is not None:
        need(main, _last(successor))
    below = _DEPOSED_GO_FIRST.get(change.kind)
    if below is None:
        return
    for other in changes:
        if (
            other.kind in below
            and other.deposed is not None
            and other.address.project == change.address.project
        ):
            need(main, _last(other))


def topological_order(
    dependencies: dict[str, tuple[str, ...]], changes: Sequence[Change]
) -> tuple[str, ...]:
    """One deterministic order: among ready nodes, address order first, main before finalize.

    Kahn's algorithm in rounds: each round emits every node whose dependencies are all done,
    sorted. (graphlib's TopologicalSorter gives the same rounds at twice the cost; it is only
    asked, on a cycle, to name one.)"""
    rank: dict[str, tuple[tuple[tuple[str, int, str, str], int], int]] = {}
    for change in changes:
        if not scheduled(change):
            continue
        key = change.sort_key()
        for position, node in enumerate(change.node_ids()):
            rank[node] = (key, position)
    waiting = {node: len(before) for node, before in dependencies.items()}
    successors: dict[str, list[str]] = {}
    for node, before in dependencies.items():
        for first in before:
            successors.setdefault(first, []).append(node)
            waiting.setdefault(first, 0)
    ready = [node for node, count in waiting.items() if count == 0]
    order: list[str] = []
    while ready:
        ready.sort(key=lambda n: (rank[n], n))
        order.extend(ready)
        unlocked: list[str] = []
        for node in ready:
            for later in successors.get(node, ()):
                waiting[later] -= 1
                if not waiting[later]:
                    unlocked.append(later)
        ready = unlocked
    if len(order) < len(waiting):
        try:
            TopologicalSorter(dependencies).prepare()
        except CycleError as cycle:
            raise PlanError(
                "the plan's steps depend on each other in a circle: "
                + " -> ".join(str(n) for n in cycle.args[1]),
                hint="this is a bug in tailor; please report it with the plan JSON",
            ) from cycle
    return tuple(order)
