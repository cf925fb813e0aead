"""`tailor`: the click group and the mapping of our errors to exit codes."""

from __future__ import annotations

import sys

import click

from reconciler import __version__
from reconciler.errors import TailorError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tailor")
def cli() -> None:
    """Manage Bria Tailored Generation projects, datasets and models as code."""


def _register_commands() -> None:
    # One line per command module; each module defines its own click command(s).
    # (commands)
    from reconciler.cli import sandbox_cmd

    cli.add_command(sandbox_cmd.sandbox)
    from reconciler.cli import state_cmd

    cli.add_command(state_cmd.state)
    cli.add_command(state_cmd.force_unlock)
    cli.add_command(state_cmd.output)
    from reconciler.cli import validate_cmd

    cli.add_command(validate_cmd.validate)
    pass


_register_commands()


def main() -> None:
    """Console-script entry point: our errors print as messages, never as tracebacks."""
    try:
        result = cli.main(standalone_mode=False)
    except TailorError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(1 if error.exit_code == 2 else error.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(result if isinstance(result, int) else 0)
