"""Options several commands share, declared once: every command names, bounds and explains
them alike (`--lock-timeout` was capped by the state commands only)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

F = TypeVar("F", bound=Callable[..., Any])

class WholeHelpGroup(click.Group):
    """A group whose command list shows each command's whole first sentence (click cuts it
    to the terminal width with "..."; long lines wrap instead), and that prints its help and
    exits 0 when given no arguments at all, as git and terraform do."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:  # (shell completion parses resiliently)
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


MAX_LOCK_TIMEOUT = 3600
"""An hour: longer than any apply should hold the lock; a bigger value is more likely a typo."""


def _a_number(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """FloatRange lets NaN through (it compares false with both bounds): it would wait forever."""
    if math.isnan(value):
        raise click.BadParameter(f"{value} is not in the range 0<=x<={MAX_LOCK_TIMEOUT}.")
    return value


def state_option(func: F) -> F:
    """`--state LOCATION`, passed to the command as `state`."""
    return click.option(
        "--state",
        "state",
        metavar="LOCATION",
        default=None,
        help="State file or postgresql:// DSN (overrides TAILOR_STATE and tailor.yaml).",
    )(func)


def lock_timeout_option(func: F) -> F:
    """`--lock-timeout SECONDS` (0 to an hour), passed to the command as `lock_timeout`."""
    return click.option(
        "--lock-timeout",
        "lock_timeout",
        type=click.FloatRange(min=0, max=MAX_LOCK_TIMEOUT),
        callback=_a_number,
        default=0.0,
        show_default=True,
        metavar="SECONDS",
        help="Wait this long for another run's lock instead of failing at once.",
    )(func)


def api_option(func: F) -> F:
    """`--api URL|sandbox`, passed to the command as `api`."""
    return click.option(
        "--api",
        metavar="URL|sandbox",
        help="The API for this run: a base URL or sandbox (overrides BRIA_API_URL and "
        "tailor.yaml).",
    )(func)


def target_option(func: F) -> F:
    """`--target ADDR` (repeatable), passed to the command as `targets`."""
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="ADDR",
        help="Only ADDR, what lies below it and what it needs (repeatable).",
    )(func)


def parallelism_option(func: F) -> F:
    """`--parallelism N` (at least 1), passed to the command as `parallelism`."""
    return click.option(
        "--parallelism",
        type=click.IntRange(min=1),
        metavar="N",
        help="Run at most N steps at once (overrides tailor.yaml; default 8).",
    )(func)


WORKSPACE_HELP = "The workspace folder (the same as PATH; default: the current folder)."


def workspace_option(func: F) -> F:
    """`-C/--path DIR`, passed to the command as `path_option`: every command that works on
    a workspace accepts it, as git takes -C and terraform -chdir."""
    return click.option(
        "-C",
        "--path",
        "path_option",
        type=click.Path(path_type=Path),
        metavar="DIR",
        default=None,
        help=WORKSPACE_HELP,
    )(func)


def one_workspace(path: Path | None, path_option: Path | None) -> Path:
    """The workspace named by PATH or by -C (default: the current folder), refused when the
    two name different folders."""
    if path is not None and path_option is not None and path.resolve() != path_option.resolve():
        raise click.UsageError(
            f"the workspace is given twice: PATH {str(path)!r} and -C {str(path_option)!r}"
        )
    return path or path_option or Path(".")


def workspace_arguments(func: F) -> F:
    """An optional positional `[PATH]` and `-C/--path DIR`, merged into the one `path`
    argument (a Path) the command receives."""

    @functools.wraps(func)
    def merged(*args: Any, path: Path | None, path_option: Path | None, **kwargs: Any) -> Any:
        return func(*args, path=one_workspace(path, path_option), **kwargs)

    with_option = workspace_option(merged)
    return cast(
        F,
        click.argument(
            "path", required=False, default=None, type=click.Path(path_type=Path)
        )(with_option),
    )


def verbose_option(func: F) -> F:
    """`-v/--verbose`, passed to the command as `verbose`."""
    return click.option(
        "--verbose", "-v", is_flag=True, help="List every image in the plan, not counts."
    )(func)


def requests_per_minute_option(func: F) -> F:
    """`--requests-per-minute N` (more than 0), passed to the command as `requests_per_minute`."""
    return click.option(
        "--requests-per-minute",
        "requests_per_minute",
        type=click.FloatRange(min=0, min_open=True),
        metavar="N",
        help="At most N requests a minute to Bria (overrides TAILOR_REQUESTS_PER_MINUTE and "
        "tailor.yaml; default 10, the free plan's limit; none on a sandbox).",
    )(func)
