"""`tailor`: the click group and the mapping of our errors to exit codes."""

from __future__ import annotations

import sys

import click

from reconciler import __version__
from reconciler.errors import TailorError, ValidationFailed


def report_error(error: TailorError) -> None:
    """Our errors as the user sees them: FILE:LINE:COL lines for manifests, else a block."""
    from reconciler.render.diagnostics import format_error

    if isinstance(error, ValidationFailed):
        click.echo(str(error), err=True)
        click.echo(f"Error: {error.message}; nothing was sent to Bria.", err=True)
    else:
        click.echo(format_error(error, color=sys.stderr.isatty()), err=True)


class TailorGroup(click.Group):
    """Turns our errors into messages and exit code 1 for every command, also under a test
    runner, so no TailorError ever reaches the user as a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TailorError as error:
            report_error(error)
            ctx.exit(error.exit_code)


@click.group(cls=TailorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tailor")
def cli() -> None:
    """Manage Bria Tailored Generation projects, datasets and models as code."""


def _register_commands() -> None:
    # One line per command module; each module defines its own click command(s).
    # (commands)
    from reconciler.cli import apply_cmd

    cli.add_command(apply_cmd.apply)
    from reconciler.cli import destroy_cmd

    cli.add_command(destroy_cmd.destroy)
    from reconciler.cli import graph_cmd

    cli.add_command(graph_cmd.graph)
    from reconciler.cli import import_cmd

    cli.add_command(import_cmd.import_)
    from reconciler.cli import plan_cmd

    cli.add_command(plan_cmd.plan)
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
        report_error(error)
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
