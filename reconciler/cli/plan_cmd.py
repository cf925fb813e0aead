"""`tailor plan`: refresh + diff; never writes to the API or the state."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.addresses import Address
from reconciler.apihost import hide_password
from reconciler.cli.context import (
    check_binding,
    existing_state,
    load_settings,
    open_client_with_files,
    run_async,
    workspace_root,
)
from reconciler.cli.options import (
    api_option,
    requests_per_minute_option,
    state_option,
    target_option,
    verbose_option,
    workspace_arguments,
)
from reconciler.cli.saved_plan import check_destination, pending_warning, write_saved_plan
from reconciler.cli.terminal import use_color
from reconciler.engine.planning import make_plan
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.model import Plan
from reconciler.plan.planfile import MadeWith
from reconciler.render.text import render_text
from reconciler.settings import Settings
from reconciler.state.model import StateDocument

if TYPE_CHECKING:
    from reconciler.engine.recovery import Resolution
    from reconciler.render.html import Previews

FORMATS = ("text", "json", "markdown", "html")
NO_STATE = StateDocument(lineage="", serial=0)
"""Before the first apply: plan reads no state and creates none (a saved plan made now is
current for apply until something is recorded)."""


def parse_targets(values: tuple[str, ...]) -> tuple[Address, ...]:
    return tuple(Address.parse(value) for value in values)


def render_plan(
    plan: Plan,
    settings: Settings,
    output_format: str,
    *,
    verbose: bool,
    previews: Previews | None = None,
) -> str:
    """The plan in the asked format. The other renderers (and Pillow, for the review page's
    previews) are imported only when asked for: a plain `tailor plan` does not pay for them."""
    header = settings.describe()
    if output_format == "html":
        from reconciler.render.html import render_html

        return render_html(plan, header=header, previews=previews)
    if output_format == "json":
        from reconciler.render.jsonplan import render_json

        return render_json(plan, made_with(settings))
    if output_format == "markdown":
        from reconciler.render.markdown import render_markdown

        return render_markdown(plan, header=header)
    return render_text(plan, header=header, color=use_color(sys.stdout), verbose=verbose)


def made_with(settings: Settings) -> MadeWith:
    return MadeWith(api=settings.api, state=hide_password(settings.state))


@click.command("plan")
@workspace_arguments
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Save the plan to FILE; `tailor apply FILE` carries out exactly it.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for a terminal, json for tools, markdown for a pull-request comment, "
    "html for a review page with image previews.",
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 0 when nothing changes, 2 when it does."
)
@target_option
@click.option("--refresh-only", is_flag=True, help="Only report drift from the state.")
@verbose_option
@api_option
@state_option
@requests_per_minute_option
@click.pass_context
def plan(
    ctx: click.Context,
    path: Path,
    out: Path | None,
    output_format: str,
    detailed_exitcode: bool,
    targets: tuple[str, ...],
    refresh_only: bool,
    verbose: bool,
    api: str | None,
    state: str | None,
    requests_per_minute: float | None,
) -> None:
    """Show what `tailor apply` would change in Bria, and why."""
    root = workspace_root(path)
    if out is not None:
        check_destination(out, root)
    settings = load_settings(
        root, api=api, state=state, requests_per_minute=requests_per_minute
    )
    desired = load_workspace(root)
    addresses = parse_targets(targets)
    trust_completed = output_format != "html"
    images_as_counts = output_format in ("text", "markdown") and out is None
    pending: list[Resolution] = []

    async def run() -> tuple[Plan, Previews | None]:
        async with open_client_with_files(settings) as (client, _stager, files):
            state = document
            if document.intents:  # an interrupted apply: the recovery code is loaded for it
                from reconciler.engine import recovery

                pending.extend(await recovery.inspect(client, document))
                state = recovery.preview(document, pending)
            made, live = await make_plan(
                client,
                desired,
                state,
                targets=addresses,
                refresh_only=refresh_only,
                trust_completed=trust_completed,
                images_as_counts=images_as_counts,
            )
            if output_format != "html":
                return made, None
            from reconciler.cli.review import collect_previews

            return made, await collect_previews(made, live, root, files)

    with existing_state(settings) as store:
        check_binding(store, settings)
        # Open until the plan is made: a plan for showing leaves the images of unchanged
        # completed datasets in it, read only if it finds it must compare them after all.
        defer = trust_completed and images_as_counts
        document = store.read(defer_trusted_images=defer) if store is not None else NO_STATE
        result, previews = run_async(run())
    for warning in pending_warnings(pending, workspace=path, saved_to=out):
        click.echo(warning, err=True)
    click.echo(render_plan(result, settings, output_format, verbose=verbose, previews=previews))
    if out is not None:
        write_saved_plan(out, result, root, made_with(settings))
        then = "" if document.intents else f" Apply it with: tailor apply {out}"
        click.echo(f"Saved the plan to {out}.{then}", err=True)
    if result.errors:
        ctx.exit(1)
    if detailed_exitcode and result.has_changes:
        ctx.exit(2)
    ctx.exit(0)


def pending_warnings(
    pending: Sequence[Resolution], *, workspace: Path, saved_to: Path | None
) -> list[str]:
    """`pending_warning`, then one line per bulk upload of an interrupted apply still running
    at Bria: the plan cannot include its images yet and shows the dataset as Bria has it now
    (with its one upload spent, rebuilt), while apply waits for it first."""
    if not pending:
        return []
    from reconciler.engine import recovery

    return [pending_warning(len(pending), workspace=workspace, saved_to=saved_to)] + [
        f"warning: {r.intent.address}: the bulk upload an interrupted apply sent is still "
        "running at Bria, so this plan cannot include its images yet; `tailor apply` first "
        "waits for it and records them, then plans again."
        for r in pending
        if r.verdict is recovery.Verdict.RUNNING
    ]
