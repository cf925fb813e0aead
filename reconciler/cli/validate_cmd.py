"""`tailor validate [PATH]`: every manifest, reference and image problem at once; no network."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.cli.options import workspace_arguments
from reconciler.errors import ManifestError
from reconciler.manifest.workspace import WorkspaceReport, check_workspace
from reconciler.render.counting import counted


@click.command("validate")
@workspace_arguments
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow annotations.",
)
@click.pass_context
def validate(ctx: click.Context, path: Path, output_format: str) -> None:
    """Check the manifests, tailor.yaml and images in PATH (default: the current folder).

    Exits 1 when anything is wrong, listing every problem as FILE:LINE:COL: message.
    """
    report = check_workspace(path)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if output_format == "json":
        click.echo(json.dumps([_as_json(error) for error in report.errors], indent=2))
    elif output_format == "github":
        for error in report.errors:
            click.echo(_as_github(error, path))
        click.echo(_summary(report))
    else:
        for error in report.errors:
            click.echo(str(error))
        click.echo(_summary(report))
    ctx.exit(1 if report.errors else 0)


def _summary(report: WorkspaceReport) -> str:
    if report.errors:
        return f"{counted(len(report.errors), 'error')} found; nothing was sent to Bria."
    assert report.workspace is not None
    projects = report.workspace.projects
    datasets = [d for p in projects for d in p.datasets]
    images = sum(len(d.images) for d in datasets)
    models = sum(len(p.models) for p in projects)
    return (
        f"OK: {counted(len(projects), 'project')}, {counted(len(datasets), 'dataset')} "
        f"({counted(images, 'image')}), {counted(models, 'model')}"
    )


def _as_json(error: ManifestError) -> dict[str, object]:
    location = error.location
    return {
        "file": location.file if location else None,
        "line": location.line if location else None,
        "column": location.column if location else None,
        "message": error.message,
        "hint": error.hint,
    }


def _as_github(error: ManifestError, root: Path) -> str:
    """A workflow command; the file is joined with PATH so the annotation lands on it."""
    location = error.location
    parts = []
    if location is not None:
        parts.append(f"file={_escape_property((root / location.file).as_posix())}")
        if location.line is not None:
            parts.append(f"line={location.line}")
        if location.column is not None:
            parts.append(f"col={location.column}")
    text = error.message + (f" (hint: {error.hint})" if error.hint else "")
    return f"::error {','.join(parts)}::{_escape_data(text)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
