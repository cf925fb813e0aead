"""Whether output gets colour: `--no-color`, then NO_COLOR, FORCE_COLOR and TERM=dumb, then
whether the stream is a terminal (the conventions of no-color.org and of CI log viewers).

The choice is kept as click's `Context.color`, so `click.echo` strips or keeps escape codes
the same way our renderers decide to write them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

import click

FALSE_WORDS = ("", "0", "false", "no")
NO_COLOR_FLAG = "tailor.no_color"
"""In `Context.meta`, which every context of one run shares: errors are reported by the root
command's context after the subcommand's (where --no-color was given) has closed."""


def color_choice(environ: Mapping[str, str]) -> bool | None:
    """False: never colour; True: colour even when piped; None: colour on a terminal only.

    NO_COLOR with any non-empty value wins (even "0": the variable's presence is the request),
    then FORCE_COLOR (unless empty, 0, false or no), then TERM=dumb."""
    if environ.get("NO_COLOR", ""):
        return False
    if environ.get("FORCE_COLOR", "").strip().lower() not in FALSE_WORDS:
        return True
    if environ.get("TERM", "") == "dumb":
        return False
    return None


def use_color(stream: TextIO) -> bool:
    """For a renderer about to write to `stream`, inside a command or (errors) after one."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.meta.get(NO_COLOR_FLAG):
        return False
    choice = ctx.color if ctx is not None else color_choice(os.environ)
    if choice is not None:
        return choice
    try:
        return stream.isatty()
    except ValueError:  # a closed stream
        return False


def disable_color(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """The `--no-color` callback: this command and everything it runs print no codes."""
    if value:
        ctx.color = False
        ctx.meta[NO_COLOR_FLAG] = True
