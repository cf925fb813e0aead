"""`tailor graph [PATH]`: the dependency graph of the manifests; reads files only, no network."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.cli.context import workspace_root
from reconciler.cli.options import workspace_arguments
from reconciler.cli.saved_plan import load_saved_plan
from reconciler.manifest.workspace import load_workspace
from reconciler.render.graph import FORMATS, graph_from_workspace, render_graph


@click.command("graph")
@workspace_arguments
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="mermaid",
    show_default=True,
    help="mermaid for Markdown, dot for Graphviz.",
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path),
    metavar="PLANFILE",
    help="Colour the nodes by the actions of a plan saved with `tailor plan --out`.",
)
def graph(path: Path, output_format: str, plan_file: Path | None) -> None:
    """Print how the projects, datasets and models in PATH depend on each other.

    Mermaid (paste into a Markdown ```mermaid block) or Graphviz DOT (`| dot -Tsvg`).
    """
    root = workspace_root(path)
    desired = load_workspace(root)
    plan = load_saved_plan(plan_file)[0] if plan_file is not None else None
    click.echo(render_graph(graph_from_workspace(desired, plan), output_format), nl=False)
