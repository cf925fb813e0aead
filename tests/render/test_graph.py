"""`tailor graph` and the graph renderer: Mermaid and DOT for a real two-project workspace."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from reconciler.addresses import Address
from reconciler.cli.main import cli
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.model import Action, Change, Plan, Reason
from reconciler.render.graph import (
    dot_string,
    graph_from_plan,
    graph_from_workspace,
    mermaid_text,
    node_id,
    render_dot,
    render_mermaid,
)
from tests.conftest import skip_or_fail
from tests.render import sample_plans
from tests.render.golden import check_golden, golden

MASCOT = """\
project: acme-mascot
description: Brand mascot
ip:
  name: Foxy
  description: A friendly orange fox
  type: defined_character
  medium: illustration
datasets:
  v1:
    images:
      - images/a.png
      - path: images/b.png
        caption: 'Foxy "quoted" <b>bold</b> `tick` #hash'
models:
  light:
    dataset: v1
    training_version: light
    training_mode: fully_automated
  max-expert:
    dataset: v1
    training_version: max
    training_mode: expert
    parameters: {rank: 32}
"""

ICONS = """\
project: brand.icons_2027
ip:
  type: icons
  medium: illustration
datasets:
  set-a:
    images: [images/c.png]
models:
  icons:
    dataset: set-a
    training_version: light
    training_mode: fully_automated
"""


@pytest.fixture
def two_projects(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "images").mkdir(parents=True)
    for index, name in enumerate(("a", "b", "c")):
        Image.new("RGB", (512, 512), (40 * index, 100, 50)).save(root / "images" / f"{name}.png")
    (root / "mascot.yaml").write_text(MASCOT)
    (root / "icons.yaml").write_text(ICONS)
    (root / "tailor.yaml").write_text("api: sandbox\n")
    return root


# Mermaid flowchart statements this renderer may emit; anything else is a syntax risk.
_MERMAID_LINE = re.compile(
    r"^(flowchart LR"
    r'|  [a-z]_[A-Za-z0-9_]+\["[^"\[\]`<>]*(<br/>[^"\[\]`<>]*)*"\]'
    r"|  [a-z]_[A-Za-z0-9_]+ -->(\|[A-Za-z0-9 ]+\|)? [a-z]_[A-Za-z0-9_]+"
    r"|  classDef [a-z]+ fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6},color:#[0-9a-f]{6}"
    r"|  class [a-z]_[A-Za-z0-9_]+(,[a-z]_[A-Za-z0-9_]+)* [a-z]+)$"
)


def _check_mermaid(text: str) -> None:
    lines = text.rstrip("\n").split("\n")
    for line in lines:
        assert _MERMAID_LINE.match(line), f"not a safe Mermaid statement: {line!r}"
    defined = re.findall(r"^  ([a-z]_[A-Za-z0-9_]+)\[", text, flags=re.M)
    assert len(defined) == len(set(defined))
    for source, target in re.findall(r"^  (\S+) -->(?:\|[^|]*\|)? (\S+)$", text, flags=re.M):
        assert source in defined and target in defined


def test_two_projects_mermaid_and_dot_match_golden(two_projects: Path) -> None:
    graph = graph_from_workspace(load_workspace(two_projects))
    mermaid = render_mermaid(graph)
    dot = render_dot(graph)
    check_golden(golden("two_projects.mmd"), mermaid)
    check_golden(golden("two_projects.dot"), dot)
    _check_mermaid(mermaid)
    labels = {str(n.address): n.lines for n in graph.nodes}
    assert labels["acme-mascot/datasets/v1"] == ("dataset v1", "2 images")
    assert labels["brand.icons_2027/datasets/set-a"] == ("dataset set-a", "1 image")
    # images are never nodes
    assert not any(n.address.image for n in graph.nodes)
    edges = {(e.source, e.target, e.label) for e in graph.edges}
    v1 = node_id(Address("acme-mascot", dataset="v1"))
    assert (node_id(Address("acme-mascot")), v1, "") in edges
    assert (v1, node_id(Address("acme-mascot", model="max-expert")), "trains") in edges
    assert len(edges) == 5


def test_counts_every_resource(two_projects: Path) -> None:
    graph = graph_from_workspace(load_workspace(two_projects))
    kinds = [n.address.kind.value for n in graph.nodes]
    assert kinds.count("project") == 2
    assert kinds.count("dataset") == 2
    assert kinds.count("model") == 3


def test_dot_is_accepted_by_graphviz(two_projects: Path) -> None:
    if shutil.which("dot") is None:
        skip_or_fail("Graphviz `dot` is not installed (apt-get install graphviz)")
    graph = graph_from_workspace(load_workspace(two_projects), sample_plans.drift())
    result = subprocess.run(
        ["dot", "-Tsvg"], input=render_dot(graph), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "<svg" in result.stdout
    assert result.stdout.count('class="node"') == len(graph.nodes)
    assert result.stdout.count('class="edge"') == len(graph.edges)


def test_ids_are_stable_and_safe() -> None:
    address = Address("end", dataset="a.b-c_d")
    assert node_id(address) == node_id(Address("end", dataset="a.b-c_d"))
    assert node_id(address) != node_id(Address("end", dataset="a_b-c.d"))
    assert re.fullmatch(r"d_[A-Za-z0-9_]+", node_id(address))
    assert not node_id(Address("end")).startswith("end")


def test_hostile_text_cannot_break_out() -> None:
    text = 'x"] --> evil[<script>`;#\n'
    encoded = mermaid_text(text)
    assert not set(encoded) & set('"[]<>`\n')
    assert "#34;" in encoded and "#60;script#62;" in encoded
    assert dot_string('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


def test_plan_colours_nodes_and_adds_deleted_ones(two_projects: Path) -> None:
    gone = Address("acme-mascot", model="old")
    plan = Plan(
        changes=(
            Change(Address("acme-mascot", dataset="v1"), Action.REPLACE, Reason.REQUIRES_REPLACE),
            Change(gone, Action.DELETE, Reason.REMOVED_FROM_MANIFEST, before={"dataset": "v1"}),
        )
    )
    graph = graph_from_workspace(load_workspace(two_projects), plan)
    actions = {str(n.address): n.action for n in graph.nodes}
    assert actions["acme-mascot/datasets/v1"] is Action.REPLACE
    assert actions["acme-mascot/models/old"] is Action.DELETE
    assert actions["acme-mascot/models/light"] is None
    mermaid = render_mermaid(graph)
    _check_mermaid(mermaid)
    assert f"class {node_id(gone)} delete" in mermaid
    assert "classDef replace " in mermaid
    assert 'fillcolor="#f6d5d5"' in render_dot(graph)


def test_graph_from_plan_counts_images_after_apply() -> None:
    graph = graph_from_plan(sample_plans.dataset_replace_cascade())
    _check_mermaid(render_mermaid(graph))
    by_address = {str(n.address): n for n in graph.nodes}
    assert by_address["acme-mascot/datasets/v1"].lines[-1] == "replace"
    assert all(n.address.image is None for n in graph.nodes)


def test_cli_graph_formats(two_projects: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["graph", str(two_projects)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("flowchart LR\n")
    assert result.output == golden("two_projects.mmd").read_text()
    result = runner.invoke(cli, ["graph", str(two_projects), "--format", "dot"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("digraph tailor {")


def test_cli_graph_invalid_workspace_names_the_location(two_projects: Path) -> None:
    (two_projects / "icons.yaml").write_text(ICONS.replace("training_mode", "trainin_mode"))
    result = CliRunner().invoke(cli, ["graph", str(two_projects)])
    assert result.exit_code == 1
    assert re.search(r"icons\.yaml:\d+:\d+", result.output), result.output
    assert "flowchart" not in result.output


def test_cli_graph_with_a_saved_plan(two_projects: Path, tmp_path: Path) -> None:
    from reconciler.cli.saved_plan import write_saved_plan
    from reconciler.plan.planfile import MadeWith

    saved = tmp_path / "plan.json"
    made_with = MadeWith(api="sandbox", state=".tailor/state.db")
    write_saved_plan(saved, sample_plans.dataset_replace_cascade(), two_projects, made_with)
    result = CliRunner().invoke(cli, ["graph", str(two_projects), "--plan", str(saved)])
    assert result.exit_code == 0, result.output
    assert "class p_acme_mascot" in result.output
    (tmp_path / "broken.json").write_text("{")
    result = CliRunner().invoke(
        cli, ["graph", str(two_projects), "--plan", str(tmp_path / "broken.json")]
    )
    assert result.exit_code == 1
    assert "cannot read the saved plan" in result.output


def test_markdown_plan_carries_the_graph_collapsed() -> None:
    from reconciler.render.markdown import render_markdown

    text = render_markdown(sample_plans.dataset_replace_cascade(), header=sample_plans.HEADER)
    start = text.index("<details><summary>Dependency graph</summary>\n\n```mermaid\n")
    body = text[start:].split("```mermaid\n", 1)[1].split("\n```\n", 1)[0]
    _check_mermaid(body + "\n")
    assert start < text.index("### Details")


def test_markdown_drops_the_graph_first_when_space_is_short() -> None:
    from reconciler.render.markdown import render_markdown

    plan = sample_plans.dataset_replace_cascade()
    full = render_markdown(plan, header=sample_plans.HEADER)
    assert "Dependency graph" in full
    tight = render_markdown(plan, header=sample_plans.HEADER, max_chars=len(full) - 1)
    assert "Dependency graph" not in tight
    assert "### Details" in tight
    assert tight.count("<details>") == full.count("<details>") - 1  # only the graph went
    assert len(tight) <= len(full) - 1
    many = render_markdown(sample_plans.many_images(2_000), header=sample_plans.HEADER)
    assert "Dependency graph" not in many
    assert "Dependency graph" not in render_markdown(sample_plans.no_changes(), header="h")
