"""`tailor apply [PATH | PLANFILE]`: carry out a fresh or saved plan, under the state lock.

Order of a run: lock the state, settle what an interrupted run left pending (recovery),
refresh and plan (or check that a saved plan is still current), show the plan and ask,
execute, then print the outcome table and the remote ids apps need. What ran is recorded step
by step, so a failed or interrupted apply is finished by running apply again.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler.addresses import Address, Kind
from reconciler.cli.context import (
    bind_on_first_write,
    check_binding,
    load_settings,
    locked,
    open_client,
    open_state,
    run_async,
    workspace_root,
)
from reconciler.cli.options import (
    api_option,
    lock_timeout_option,
    one_workspace,
    parallelism_option,
    requests_per_minute_option,
    state_option,
    target_option,
    verbose_option,
    workspace_option,
)
from reconciler.cli.plan_cmd import parse_targets
from reconciler.cli.saved_plan import load_saved_plan, resolved_first
from reconciler.cli.terminal import use_color
from reconciler.client.api import BriaClient
from reconciler.engine.digest_record import record_missing_digests
from reconciler.engine.planning import make_plan
from reconciler.engine.refresh import RefreshScope, refresh
from reconciler.errors import ApplyError, PlanError
from reconciler.events import ResultStatus
from reconciler.manifest.workspace import load_workspace
from reconciler.plan.cost import apply_cost
from reconciler.plan.model import Action, Plan
from reconciler.render.counting import counted
from reconciler.render.progress import (
    LineProgress,
    RateLimitNotices,
    RichProgress,
    render_outcome_table,
)
from reconciler.render.text import render_text
from reconciler.settings import Settings
from reconciler.state.model import StateDocument
from reconciler.state.store import StateLock, StateStore

if TYPE_CHECKING:
    from reconciler.client.staging import Stager
    from reconciler.engine.apply_result import ApplyResult
    from reconciler.engine.recovery import Resolution

PlanMaker = Callable[[BriaClient, StateDocument], Awaitable[Plan]]

REFUSE_NO_TTY = {
    "apply": "apply needs approval, but there is no terminal to ask on; "
    "rerun with --auto-approve, or apply a saved plan (tailor plan --out FILE)",
    "destroy": "destroy needs approval, but there is no terminal to ask on; "
    "rerun with --auto-approve",
}


@dataclass(frozen=True)
class RunOptions:
    """How a plan is carried out; shared by apply and destroy."""

    verb: str
    """"apply" or "destroy": the lock's operation and the words of the prompt."""
    auto_approve: bool = False
    wait: bool = False
    parallelism: int = 8
    lock_timeout: float = 0.0
    approved_by_file: bool = False
    """A saved plan was reviewed when it was made: no prompt."""
    verbose: bool = False
    """Show every image of the plan, not counts."""


def say(text: str = "", *, err: bool = False) -> None:
    click.echo(text, err=err)


def check_fresh(plan: Plan, document: StateDocument, live_fingerprint: str) -> None:
    """A saved plan only applies to the world it was made from."""
    made_before_any_state = not plan.state_lineage and document.serial == 0
    current = (plan.state_lineage, plan.state_serial) == (document.lineage, document.serial)
    if not (current or made_before_any_state):
        raise PlanError(
            "Saved plan is stale: the state changed since this plan was made. Run plan again."
        )
    if plan.live_fingerprint and plan.live_fingerprint != live_fingerprint:
        raise PlanError(
            "Saved plan is stale: the objects at Bria changed since this plan was made. "
            "Run plan again."
        )


def ask(plan: Plan, options: RunOptions) -> None:
    if options.auto_approve or options.approved_by_file:
        return
    if not sys.stdin.isatty():
        raise ApplyError(REFUSE_NO_TTY[options.verb])
    question = (
        "Do you want to destroy these objects?" if options.verb == "destroy"
        else "Do you want to perform these actions?"
    )
    answer = click.prompt(f"{question} Only 'yes' will be accepted", default="", show_default=False)
    if answer.strip() != "yes":
        raise ApplyError(f"{options.verb.capitalize()} cancelled: nothing was changed.")


def model_lines(document: StateDocument, plan: Plan) -> list[str]:
    """Remote ids of the models this plan touched, for apps that generate with them."""
    touched = sorted({
        c.address
        for c in plan.changes
        if c.kind is Kind.MODEL and c.action in (Action.CREATE, Action.REPLACE, Action.UPDATE)
    })
    lines = []
    for entry in (e for e in map(document.get, touched) if e is not None):
        extra = f" (predecessor {', '.join(map(str, entry.deposed))} kept until it trained)"
        lines.append(f"  {entry.address} = {entry.remote_id}{extra if entry.deposed else ''}")
    return lines


async def carry_out(
    settings: Settings,
    options: RunOptions,
    make: PlanMaker,
) -> None:
    """Lock, recover, plan, ask, execute, report. Raises ApplyError when anything failed."""
    say(settings.describe())
    async with open_client(settings) as (client, stager):
        with (
            open_state(settings) as store,
            locked(store, options.verb, options.lock_timeout) as lock,
        ):
            bind_on_first_write(store, lock, check_binding(store, settings))
            await _locked_run(settings, options, make, client, stager, store, lock)


async def _locked_run(
    settings: Settings,
    options: RunOptions,
    make: PlanMaker,
    client: BriaClient,
    stager: Stager | None,
    store: StateStore,
    lock: StateLock,
) -> None:
    resolutions = await recover(client, store, lock, stager)
    for resolution in resolutions:
        say(resolution.describe())
    if resolutions and options.approved_by_file:
        raise resolved_first(len(resolutions))
    start = client.requests_answered
    plan = await make(client, store.read())
    color = use_color(sys.stdout)
    shown = render_text(plan, header="", color=color, verbose=options.verbose, verb=options.verb)
    say(shown.lstrip("\n"))
    if plan.errors:
        raise PlanError(f"{options.verb.capitalize()} refused: the plan has errors (above).")
    if not plan.has_changes:
        record_missing_digests(store, lock, plan.materialised())
        return
    ask(plan, options)
    # Only a plan with changes needs the executor and the ledger: a no-change run skips them.
    from reconciler.cli.interrupts import stop_on_signals
    from reconciler.engine.apply_result import RunControl
    from reconciler.engine.executor import execute
    from reconciler.engine.ledger import Ledger
    from reconciler.engine.refresh_only import drift_apply_leaves, record_drift
    from reconciler.engine.run_context import RunContext

    if plan.refresh_only:
        count = record_drift(Ledger.open(store, lock), plan.drift)
        say(f"Recorded what Bria has now for {counted(count, 'object')}.")
        return
    ledger = Ledger.open(store, lock)
    record_drift(ledger, drift_apply_leaves(plan))
    with progress_for(plan) as progress:
        expected = apply_cost(plan).total
        client.on_rate_limit(RateLimitNotices(progress.note, expected=expected, start=start))
        ctx = RunContext(
            client=client,
            ledger=ledger,
            root=settings.workspace,
            hooks=progress,
            stager=stager,
            wait_for_training=options.wait,
        )
        control = RunControl()
        with stop_on_signals(control, progress.note) as interrupts:
            result = await execute(
                plan, ctx, parallelism=options.parallelism, control=control
            )
    say()
    table = render_outcome_table(
        result.by_address(), color=color, verb=options.verb.capitalize()
    )
    say(table.rstrip())
    models = model_lines(store.read(), plan)
    if models and options.verb == "apply":
        say()
        say("Models (remote ids; `tailor output --json` lists all):")
        for line in models:
            say(line)
    if result.stopped is not None:
        raise stopped_error(result, options.verb)
    if result.interrupted is not None:
        error = interrupted_error(result, options.verb)
        if interrupts.received is not None:
            error.exit_code = interrupts.exit_code
        raise error
    if not result.ok:
        failed = len({n.address for n in result.failed})
        raise ApplyError(
            f"{options.verb.capitalize()} finished with {failed} failed "
            f"resource{'s' * (failed != 1)}; what succeeded is recorded.",
            hint=f"fix the cause above and run `tailor {options.verb}` again",
        )


async def recover(
    client: BriaClient, store: StateStore, lock: StateLock, stager: Stager | None
) -> list[Resolution]:
    """Settle what an interrupted apply left pending. The usual state holds nothing pending:
    then the recovery code (and the ledger and waits behind it) is not even loaded."""
    if not store.pending_intents():
        return []
    from reconciler.engine import recovery

    # Recovery may wait for a bulk upload an interrupted apply started: its status is shown.
    waiting = LineProgress(sys.stdout, interval=30.0)
    return await recovery.resolve(client, store, lock, stager=stager, hooks=waiting)


def stopped_error(result: ApplyResult, verb: str) -> ApplyError:
    """Bria's quota stopped the run: its own words, what was done and what is left."""
    assert result.stopped is not None
    return ApplyError(
        f"{verb.capitalize()} stopped: Bria refused {result.stopped.method} "
        f"{result.stopped.path}: {result.stopped.bria_message.rstrip('.')}. "
        f"{_left_to_do(result)}",
        hint=f"raise the quota (upgrade the Bria plan), then run `tailor {verb}` again: "
        "it resumes where this run stopped, without repeating what was done",
    )


def interrupted_error(result: ApplyResult, verb: str) -> ApplyError:
    """The run stopped early (the API unreachable, a signal): why, what was done, what is left."""
    assert result.interrupted is not None
    return ApplyError(
        f"{verb.capitalize()} stopped: {result.interrupted}. {_left_to_do(result)}",
        hint=f"run `tailor {verb}` again to finish: it resumes where this run stopped, "
        "without repeating what was done",
    )


def _left_to_do(result: ApplyResult) -> str:
    rows = result.by_address()
    done = sum(1 for r in rows if r.status is ResultStatus.DONE)
    failed = sum(1 for r in rows if r.status is ResultStatus.FAILED)
    left = sum(1 for r in rows if r.status is ResultStatus.NOT_STARTED)
    return (
        f"{counted(done, 'object')} done and recorded; {failed} failed and {left} not started "
        "(listed above) are left to do."
    )


def progress_for(plan: Plan) -> LineProgress | RichProgress:
    """Bars on a terminal; rate-limited timestamped lines in logs and CI."""
    if sys.stdout.isatty():
        from rich.console import Console  # only a terminal draws bars: ~15 ms of imports

        return RichProgress(Console(no_color=not use_color(sys.stdout)), plan=plan)
    return LineProgress(sys.stdout, plan=plan, interval=5.0)


def fresh_plan(desired_root: Path, targets: tuple[Address, ...]) -> PlanMaker:
    desired = load_workspace(desired_root)

    async def make(client: BriaClient, document: StateDocument) -> Plan:
        plan, _live = await make_plan(client, desired, document, targets=targets)
        return plan

    return make


def saved_plan(plan: Plan) -> PlanMaker:
    async def make(client: BriaClient, document: StateDocument) -> Plan:
        live = await refresh(client, RefreshScope.from_recorded(document.recorded()))
        check_fresh(plan, document, live.fingerprint())
        return plan

    return make


@click.command("apply")
@click.argument(
    "target", required=False, metavar="[PATH|PLANFILE]", type=click.Path(path_type=Path)
)
@workspace_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option("--wait", is_flag=True, help="Wait for started trainings to finish.")
@parallelism_option
@target_option
@lock_timeout_option
@verbose_option
@api_option
@state_option
@requests_per_minute_option
def apply(
    target: Path | None,
    path_option: Path | None,
    auto_approve: bool,
    wait: bool,
    parallelism: int | None,
    targets: tuple[str, ...],
    lock_timeout: float,
    verbose: bool,
    api: str | None,
    state: str | None,
    requests_per_minute: float | None,
) -> None:
    """Carry out the plan for the workspace PATH (default: the current folder), or a plan
    saved with `tailor plan --out PLANFILE`.

    A saved plan needs no approval (reviewing it was the approval) and reads the images from
    the workspace it was made in, or from -C DIR.
    """
    if target is not None and target.is_file():
        plan, named_root = load_saved_plan(target)
        if targets:
            raise PlanError("--target cannot be used with a saved plan (it was targeted then)")
        root = workspace_root(path_option or named_root or Path("."))
        from reconciler.engine.workspace_files import changed_files  # saved plans only

        changed = changed_files(plan, root)
        if changed:
            more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
            shown = ", ".join(changed[:5]) + more
            raise PlanError(
                f"Saved plan is stale: {len(changed)} image file(s) changed since this plan was "
                f"made ({shown}). Run plan again.",
            )
        make = saved_plan(plan)
        approved = True
    else:
        root = workspace_root(one_workspace(target, path_option))
        make = fresh_plan(root, parse_targets(targets))
        approved = False
    settings = load_settings(
        root, api=api, state=state, parallelism=parallelism,
        requests_per_minute=requests_per_minute,
    )
    options = RunOptions(
        verb="apply",
        auto_approve=auto_approve,
        wait=wait,
        parallelism=settings.parallelism,
        lock_timeout=lock_timeout,
        approved_by_file=approved,
        verbose=verbose,
    )
    run_async(carry_out(settings, options, make))
