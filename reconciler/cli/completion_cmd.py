"""`tailor completion SHELL`: the shell script that completes tailor's commands and options.

click's own mechanism: the script calls `tailor` back with _TAILOR_COMPLETE set, so completion
always matches the installed version. Enable it with `eval "$(tailor completion bash)"` (see
the README for zsh and fish).
"""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_TAILOR_COMPLETE"


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh or fish).

    \b
    bash:  eval "$(tailor completion bash)"    in ~/.bashrc
    zsh:   eval "$(tailor completion zsh)"     in ~/.zshrc
    fish:  tailor completion fish > ~/.config/fish/completions/tailor.fish
    """
    completer = get_completion_class(shell)
    assert completer is not None  # click ships all three
    root = ctx.find_root().command
    click.echo(completer(root, {}, "tailor", COMPLETE_VAR).source())
