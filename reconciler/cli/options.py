"""Options several commands share, declared once: every command names, bounds and explains
them alike (`--lock-timeout` was capped by the state commands only)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

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
    return click.option("--api", help="Override the API (sandbox or a base URL).")(func)


def target_option(func: F) -> F:
    """`--target ADDR` (repeatable), passed to the command as `targets`."""
    return click.option(
        "--target", "targets", multiple=True, metavar="ADDR", help="Limit to ADDR."
    )(func)


def parallelism_option(func: F) -> F:
    """`--parallelism N` (at least 1), passed to the command as `parallelism`."""
    return click.option(
        "--parallelism", type=click.IntRange(min=1), help="Steps run at once."
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
