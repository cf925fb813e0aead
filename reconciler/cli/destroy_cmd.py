"""`tailor destroy [PATH]`: delete everything the state holds for PATH, shown as a plan first.

The destroy plan is the planner's own answer to "nothing is desired any more" for PATH's
projects, so it shows exactly what runs: trainings stopped first, models before datasets,
datasets before projects, and prevent_destroy as a plan error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import click

from reconciler.addresses import Address, Kind
from reconciler.cli.apply_cmd import PlanMaker, RunOptions, carry_out
from reconciler.cli.context import load_settings, run_async, workspace_root
from reconciler.cli.options import (
    api_option,
    lock_timeout_option,
    parallelism_option,
    requests_per_minute_option,
    state_option,
    target_option,
    verbose_option,
    workspace_arguments,
)
from reconciler.cli.plan_cmd import parse_targets
from reconciler.client.api import BriaClient
from reconciler.engine.planning import make_plan
from reconciler.errors import ValidationFailed
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.builder import unmatched_targets
from reconciler.plan.graph import build_dependencies, topological_order
from reconciler.plan.model import Action, Change, Diagnostic, Plan, Reason, Severity
from reconciler.resources import DesiredWorkspace
from reconciler.state.model import StateDocument


def only_targets(plan: Plan, targets: Sequence[Address]) -> Plan:
    """Changes at or below a target: a destroy never widens to the parents of a target."""
    if not targets:
        return plan
    changes = tuple(c for c in plan.changes if any(t.contains(c.address) for t in targets))
    dependencies = build_dependencies(changes)
    return replace(
        plan,
        changes=changes,
        drift=tuple(d for d in plan.drift if any(t.contains(d.address) for t in targets)),
        diagnostics=(
            *(
                d
                for d in plan.diagnostics
                if d.address is None or any(t.contains(d.address) for t in targets)
            ),
            *unmatched_targets([c.address for c in plan.changes], targets),
            *images_bria_keeps(plan, changes),
        ),
        dependencies=dependencies,
        order=topological_order(dependencies, changes),
        targets=tuple(sorted(targets)),
    )


def images_bria_keeps(plan: Plan, kept: Sequence[Change]) -> list[Diagnostic]:
    """A targeted image of a completed dataset: Bria deletes none from it, and the new version
    of the dataset that would leave it out is not the destroy's to build (nor the retraining
    of its models)."""
    replaced = {c.address for c in plan.changes if c.action is Action.REPLACE}
    return [
        Diagnostic(
            Severity.ERROR,
            f"{change.address} cannot be deleted: its dataset is completed, and Bria deletes "
            "no image from a completed dataset",
            detail="remove the image from the manifest and run `tailor apply`, which builds "
            "a new version of the dataset without it (and retrains its models)",
            address=change.address,
            constraint="IMG-DELETE-COMPLETED-DATASET",
        )
        for change in kept
        if change.kind is Kind.IMAGE
        and change.action is Action.DELETE
        and change.address.parent in replaced
    ]


def without(workspace: DesiredWorkspace, targets: Sequence[Address]) -> DesiredWorkspace:
    """The manifests minus the targeted projects, datasets (with their images), images and
    models."""

    def hit(address: Address) -> bool:
        return any(t.contains(address) for t in targets)

    projects = tuple(
        replace(
            p,
            datasets=tuple(
                replace(d, images=tuple(i for i in d.images if not hit(i.address)))
                for d in p.datasets
                if not hit(d.address)
            ),
            models=tuple(m for m in p.models if not hit(m.address)),
        )
        for p in workspace.projects
        if not hit(p.address)
    )
    return replace(workspace, projects=projects)


def destroy_plan(
    root: Path, workspace: DesiredWorkspace | None, targets: tuple[Address, ...]
) -> PlanMaker:
    """Everything of the projects PATH's manifests declare (of every project in the state when
    they cannot be read or declare none); with targets below a project, the manifests minus
    the targets (so the planner deletes exactly those, as if they were removed from the
    files)."""
    projects = {p.key for p in workspace.projects} if workspace is not None else set()
    desired = DesiredWorkspace(root=str(root))
    if workspace is not None and any(t.kind is not Kind.PROJECT for t in targets):
        desired = without(workspace, targets)

    async def make(client: BriaClient, document: StateDocument) -> Plan:
        plan, _live = await make_plan(client, desired, document, projects=projects or None)
        return as_destroy(only_targets(plan, targets))

    return make


def as_destroy(plan: Plan) -> Plan:
    """The planner says why from the manifests' point of view; here the user asked for it."""
    changes = tuple(
        replace(change, reason=Reason.DESTROY_REQUESTED)
        if change.reason is Reason.REMOVED_FROM_MANIFEST
        else change
        for change in plan.changes
    )
    return replace(plan, changes=changes)


@click.command("destroy")
@workspace_arguments
@click.option("--auto-approve", is_flag=True, help="Destroy without asking.")
@target_option
@parallelism_option
@lock_timeout_option
@verbose_option
@api_option
@state_option
@requests_per_minute_option
def destroy(
    path: Path,
    auto_approve: bool,
    targets: tuple[str, ...],
    parallelism: int | None,
    lock_timeout: float,
    verbose: bool,
    api: str | None,
    state: str | None,
    requests_per_minute: float | None,
) -> None:
    """Delete every object the state holds for the workspace PATH (default: the current
    folder), shown as a plan first."""
    root = workspace_root(path)
    settings = load_settings(
        root, api=api, state=state, parallelism=parallelism,
        requests_per_minute=requests_per_minute,
    )
    options = RunOptions(
        verb="destroy",
        auto_approve=auto_approve,
        parallelism=settings.parallelism,
        lock_timeout=lock_timeout,
        verbose=verbose,
    )
    addresses = parse_targets(targets)
    workspace: DesiredWorkspace | None
    try:
        workspace = load_workspace(root)
    except ValidationFailed:
        if any(t.kind is not Kind.PROJECT for t in addresses):
            raise  # a partial destroy plans the manifests minus the targets
        workspace = None
    make = destroy_plan(root, workspace, addresses)
    run_async(carry_out(settings, options, make))
