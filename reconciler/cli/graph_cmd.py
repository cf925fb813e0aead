"""`tailor graph [PATH]`: the dependency graph of the manifests; reads files only, no network."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.cli.context import workspace_root
from reconciler.errors import PlanError
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.model import Plan
from reconciler.plan.planfile import plan_from_json
from reconciler.render.graph import FORMATS, graph_from_workspace, render_graph


def read_saved_plan(path: Path) -> Plan:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PlanError(
            f"cannot read the saved plan {str(path)!r}: {error}",
            hint="make one with `tailor plan --out FILE`",
        ) from error
    if not isinstance(data, dict):
        raise PlanError(f"{str(path)!r} is not a saved plan")
    return plan_from_json(data)


@click.command("graph")
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="mermaid", show_default=True
)
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(path_type=Path),
    help="Colour the nodes by the actions of a plan saved with `tailor plan --out`.",
)
def graph(path: Path, output_format: str, plan_file: Path | None) -> None:
    """Print how the projects, datasets and models in PATH depend on each other.

    Mermaid (paste into a Markdown ```mermaid block) or Graphviz DOT (`| dot -Tsvg`).
    """
    root = workspace_root(path)
    desired = load_workspace(root)
    plan = read_saved_plan(plan_file) if plan_file is not None else None
    click.echo(render_graph(graph_from_workspace(desired, plan), output_format), nl=False)
