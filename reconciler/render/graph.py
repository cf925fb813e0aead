"""The dependency graph of projects, datasets and models as Mermaid or Graphviz DOT text.

Images are not nodes (a dataset may hold thousands); their count is part of the dataset's
label. Edges point the way apply builds: project -> dataset -> model ("trains on" read
backwards). Node ids are derived from the address alone, so the same workspace always gives
the same text and a diff of two graphs shows only what changed.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from reconciler.addresses import Address, Kind
from reconciler.plan.model import Action, Change, Plan
from reconciler.render.counting import counted
from reconciler.resources import DesiredWorkspace

FORMATS = ("mermaid", "dot")

ACTION_COLOURS: Mapping[Action, tuple[str, str]] = {
    Action.CREATE: ("#e6ffed", "#22863a"),
    Action.UPDATE: ("#fff8c5", "#9a6700"),
    Action.REPLACE: ("#ffebe9", "#cf222e"),
    Action.DELETE: ("#f6d5d5", "#82071e"),
    Action.NO_OP: ("#f6f8fa", "#8c959f"),
}
"""(fill, stroke) per action; the action is also written in the label, for colour-blind
readers and for viewers that show the source."""

_CLASS_NAMES: Mapping[Action, str] = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.REPLACE: "replace",
    Action.DELETE: "delete",
    Action.NO_OP: "noop",
}


@dataclass(frozen=True)
class GraphNode:
    node_id: str
    address: Address
    lines: tuple[str, ...]
    """Label lines: "dataset v1", "6 images", "replace"."""
    action: Action | None = None


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class DependencyGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


@dataclass
class _NodeSpec:
    address: Address
    detail: str = ""
    dataset: str | None = None
    """Models: key of the dataset they train on."""
    action: Action | None = None


def node_id(address: Address) -> str:
    """A Mermaid- and DOT-safe id: readable, and unique through a short hash of the address."""
    readable = re.sub(r"[^A-Za-z0-9]+", "_", address.key).strip("_")[:40]
    digest = hashlib.sha1(str(address).encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{address.kind.value[0]}_{readable}_{digest}"


def graph_from_workspace(desired: DesiredWorkspace, plan: Plan | None = None) -> DependencyGraph:
    """The manifests' graph; with a plan, nodes carry its actions and resources the plan
    deletes (no longer in the manifests) are shown too."""
    specs: dict[Address, _NodeSpec] = {}
    for project in desired.projects:
        specs[project.address] = _NodeSpec(project.address)
        for dataset in project.datasets:
            specs[dataset.address] = _NodeSpec(
                dataset.address, detail=counted(len(dataset.images), "image")
            )
        for model in project.models:
            specs[model.address] = _NodeSpec(
                model.address,
                detail=f"{model.training_version}, {model.training_mode}",
                dataset=model.dataset,
            )
    if plan is not None:
        planned = _specs_from_plan(plan)
        for address, spec in planned.items():
            if address in specs:
                specs[address].action = spec.action
            else:
                specs[address] = spec
    return _build(specs.values())


def graph_from_plan(plan: Plan) -> DependencyGraph:
    """The graph as the plan sees it (what `render_markdown` shows): every project, dataset
    and model the plan names, coloured by its action."""
    return _build(_specs_from_plan(plan).values())


def _specs_from_plan(plan: Plan) -> dict[Address, _NodeSpec]:
    images_kept: Counter[Address] = Counter()
    images_deleted: Counter[Address] = Counter()
    for group in plan.unchanged_images:
        images_kept[group.dataset] += group.count
    specs: dict[Address, _NodeSpec] = {}
    for change in plan.changes:
        if change.deposed is not None:
            continue
        if change.kind is Kind.IMAGE:
            parent = change.address.parent
            assert parent is not None  # an image address always has its dataset
            if change.action is Action.DELETE:
                images_deleted[parent] += 1
            else:
                images_kept[parent] += 1
            continue
        specs[change.address] = _NodeSpec(
            change.address, dataset=_model_dataset(change), action=change.action
        )
        if change.kind is Kind.MODEL:
            training = (_attribute(change, "training_version"), _attribute(change, "training_mode"))
            specs[change.address].detail = ", ".join(t for t in training if t)
    for address, spec in specs.items():
        if address.kind is Kind.DATASET:
            gone = spec.action is Action.DELETE
            count = images_deleted[address] if gone else images_kept[address]
            spec.detail = counted(count, "image")
    return specs


def _attribute(change: Change, name: str) -> str:
    for attrs in (change.after, change.before):
        if attrs is not None and isinstance(attrs.get(name), str):
            return str(attrs[name])
    return ""


def _model_dataset(change: Change) -> str | None:
    if change.kind is not Kind.MODEL:
        return None
    return _attribute(change, "dataset") or None


def _build(specs: Iterable[_NodeSpec]) -> DependencyGraph:
    ordered = sorted(specs, key=lambda s: s.address.sort_key())
    present = {s.address for s in ordered}
    nodes: list[GraphNode] = []
    edges: list[GraphEdge] = []
    for spec in ordered:
        address = spec.address
        lines = [f"{address.kind.value} {address.key}"]
        if spec.detail:
            lines.append(spec.detail)
        if spec.action is not None and spec.action is not Action.NO_OP:
            lines.append(spec.action.value)
        nodes.append(GraphNode(node_id(address), address, tuple(lines), spec.action))
        parent = Address(address.project)
        if address.kind is Kind.DATASET and parent in present:
            edges.append(GraphEdge(node_id(parent), node_id(address)))
        elif address.kind is Kind.MODEL:
            dataset = Address(address.project, dataset=spec.dataset) if spec.dataset else None
            if dataset is not None and dataset in present:
                edges.append(GraphEdge(node_id(dataset), node_id(address), "trains"))
            elif parent in present:
                edges.append(GraphEdge(node_id(parent), node_id(address)))
    return DependencyGraph(tuple(nodes), tuple(edges))


# --------------------------------------------------------------------------- Mermaid

_MERMAID_SAFE = re.compile(r"[A-Za-z0-9 _.,:()+/-]")


def mermaid_text(text: str) -> str:
    """Label text as Mermaid entity codes wherever a character could end or inject markup
    (quotes, brackets, <, backticks, #, ;, newlines): `#34;` style, which Mermaid decodes."""
    return "".join(ch if _MERMAID_SAFE.fullmatch(ch) else f"#{ord(ch)};" for ch in text)


def render_mermaid(graph: DependencyGraph) -> str:
    """A Mermaid `flowchart LR`, without the ``` fence."""
    lines = ["flowchart LR"]
    for node in graph.nodes:
        label = "<br/>".join(mermaid_text(line) for line in node.lines)
        lines.append(f'  {node.node_id}["{label}"]')
    for edge in graph.edges:
        arrow = f"-->|{mermaid_text(edge.label)}|" if edge.label else "-->"
        lines.append(f"  {edge.source} {arrow} {edge.target}")
    used = {node.action for node in graph.nodes if node.action is not None}
    for action in Action:
        if action not in used:
            continue
        fill, stroke = ACTION_COLOURS[action]
        lines.append(f"  classDef {_CLASS_NAMES[action]} fill:{fill},stroke:{stroke},color:#1f2328")
    for action in Action:
        members = [n.node_id for n in graph.nodes if n.action is action]
        if members:
            lines.append(f"  class {','.join(members)} {_CLASS_NAMES[action]}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- DOT


def dot_string(text: str) -> str:
    """A DOT double-quoted string: backslashes and quotes escaped, no raw newlines."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


def render_dot(graph: DependencyGraph) -> str:
    lines = [
        "digraph tailor {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
    ]
    for node in graph.nodes:
        label = "\n".join(node.lines)
        attrs = [f"label={dot_string(label)}", f"tooltip={dot_string(str(node.address))}"]
        if node.action is not None:
            fill, stroke = ACTION_COLOURS[node.action]
            attrs += [f'fillcolor="{fill}"', f'color="{stroke}"']
        lines.append(f"  {node.node_id} [{', '.join(attrs)}];")
    for edge in graph.edges:
        edge_attrs = f" [label={dot_string(edge.label)}]" if edge.label else ""
        lines.append(f"  {edge.source} -> {edge.target}{edge_attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_graph(graph: DependencyGraph, output_format: str) -> str:
    if output_format == "dot":
        return render_dot(graph)
    return render_mermaid(graph)
