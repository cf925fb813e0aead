"""`tailor`: the click group and the mapping of our errors to exit codes."""

from __future__ import annotations

import functools
import gc
import importlib
import os
import sys
import types
from typing import NamedTuple, cast

import click

from reconciler import __version__
from reconciler.cli.options import WholeHelpGroup
from reconciler.cli.terminal import color_choice, disable_color, use_color
from reconciler.environment import ENVIRONMENT
from reconciler.errors import TailorError, ValidationFailed


def report_error(error: TailorError) -> None:
    """Our errors as the user sees them: FILE:LINE:COL lines for manifests, else a block."""
    from reconciler.render.diagnostics import format_error

    if isinstance(error, ValidationFailed):
        click.echo(str(error), err=True)
        click.echo(f"Error: {error.message}; nothing was sent to Bria.", err=True)
    else:
        color = use_color(sys.stderr)
        click.echo(format_error(error, color=color), err=True, color=color)


class LazyCommand(NamedTuple):
    """Where a command lives, and its one-line summary for `tailor --help`: the summary is
    kept here so that listing the commands imports none of them (a test checks it against
    each command's own help)."""

    module: str
    attribute: str
    summary: str


COMMANDS: dict[str, LazyCommand] = {
    "apply": LazyCommand(
        "reconciler.cli.apply_cmd",
        "apply",
        "Carry out the plan for the workspace PATH (default: the current folder), or a plan "
        "saved with `tailor plan --out PLANFILE`.",
    ),
    "completion": LazyCommand(
        "reconciler.cli.completion_cmd",
        "completion",
        "Print the shell completion script for SHELL (bash, zsh or fish).",
    ),
    "destroy": LazyCommand(
        "reconciler.cli.destroy_cmd",
        "destroy",
        "Delete every object the state holds for the workspace PATH (default: the current "
        "folder), shown as a plan first.",
    ),
    "force-unlock": LazyCommand(
        "reconciler.cli.state_cmd",
        "force_unlock",
        "Remove the state lock LOCK_ID left by a run that is gone.",
    ),
    "graph": LazyCommand(
        "reconciler.cli.graph_cmd",
        "graph",
        "Print how the projects, datasets and models in PATH depend on each other.",
    ),
    "import": LazyCommand(
        "reconciler.cli.import_cmd",
        "import_",
        "Record existing Bria objects in the state: one under ADDR (`import ADDR REMOTE_ID "
        "[PATH]`), or everything the manifests declare, matched by name (`import --adopt "
        "[PATH]`).",
    ),
    "output": LazyCommand(
        "reconciler.cli.state_cmd",
        "output",
        "Remote ids of projects, datasets and models, for apps that call generation endpoints.",
    ),
    "plan": LazyCommand(
        "reconciler.cli.plan_cmd",
        "plan",
        "Show what `tailor apply` would change in Bria, and why.",
    ),
    "sandbox": LazyCommand(
        "reconciler.cli.sandbox_cmd",
        "sandbox",
        "Run the Bria Tailored Generation emulator.",
    ),
    "state": LazyCommand(
        "reconciler.cli.state_cmd",
        "state",
        "Inspect and repair what tailor owns (never calls Bria).",
    ),
    "validate": LazyCommand(
        "reconciler.cli.validate_cmd",
        "validate",
        "Check the manifests, tailor.yaml and images in PATH (default: the current folder).",
    ),
}
"""Command name -> where it lives. Loaded on first use, so `tailor validate` does not pay
for importing the HTTP client, the sandbox and the executor, and `tailor --help` for none."""


def no_color_option() -> click.Option:
    return click.Option(
        ["--no-color"],
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=disable_color,
        help="No colour in the output (as NO_COLOR=1 does).",
    )


def with_common_options(command: click.Command) -> click.Command:
    """`--no-color` on every command and subcommand, declared here once."""
    if not any(param.name == "no_color" for param in command.params):
        command.params.append(no_color_option())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            with_common_options(sub)
    return command


class TailorGroup(WholeHelpGroup):
    """Loads commands lazily, and turns our errors into messages and exit code 1 for every
    command, also under a test runner, so no TailorError reaches the user as a traceback."""

    resolved: str | None = None
    """The command this process runs, once click has found it (for `main`'s exit)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        self.resolved = name
        return name, command, rest

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute, _ = COMMANDS[cmd_name]
        sys.modules.setdefault(PYDANTIC_PLUGIN_LOADER, _no_pydantic_plugins())
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module_name}.{attribute} is not a click command")
        return with_common_options(command)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TailorError as error:
            report_error(error)
            ctx.exit(error.exit_code)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table: `tailor --help` imports no command."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name].summary) for name in sorted(COMMANDS)])

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The environment variables tailor reads, from the one list of them."""
        with formatter.section("Environment"):
            formatter.write_dl(list(ENVIRONMENT.items()))


@click.group(
    cls=TailorGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="tailor")
@click.option(
    "-C",
    "--chdir",
    "chdir",
    metavar="DIR",
    type=click.Path(exists=True, file_okay=False),
    help="Run as if tailor was started in DIR (as git -C and terraform -chdir).",
)
@click.pass_context
def cli(ctx: click.Context, chdir: str | None) -> None:
    """Manage Bria Tailored Generation projects, datasets and models as code."""
    if ctx.color is None:
        ctx.color = color_choice(os.environ)
    if chdir is not None:
        os.chdir(chdir)
    if ctx.invoked_subcommand is None:  # options only, e.g. `tailor --no-color`
        click.echo(ctx.get_help(), color=ctx.color)
        ctx.exit(0)


with_common_options(cli)


GC_THRESHOLDS = (1_000_000, 50, 100)
"""Python's defaults (700, 10, 10) run a full collection again and again while a plan builds
hundreds of thousands of long-lived records; for a 12,000-image workspace that was a third of
`tailor plan`'s time. At 100,000 the young collections over those records still cost 0.05 s
of a 12,000-image no-change plan's 0.7 s of work. Cycles are still collected, just less often."""


READ_ONLY_COMMANDS = frozenset({"plan", "validate"})
"""Commands that leave nothing behind but their output (and the image cache, written before
it): once one has finished, the process ends without freeing its objects (`end_now`)."""
CLOSED_ON_RETURN_COMMANDS = frozenset({"apply", "destroy"})
"""Commands whose writes are committed, the state closed and its lock released before they
return: once one has succeeded, its process ends as a read-only command's does (~0.05 s of
CPU after a 200-image apply, a quarter of a millisecond per request it made)."""


UNUSED_OPTIONAL_IMPORTS = ("trio", "httpx._main")
"""Modules that libraries import only to probe for features tailor never uses: httpcore loads
trio when it is installed (tailor runs on asyncio), and httpx loads its own command line (rich
and pygments). Marked absent in the `tailor` process, they cost nothing: ~0.1 s of start-up
for every command."""


PYDANTIC_PLUGIN_LOADER = "pydantic.plugin._loader"
"""Where pydantic looks for plugins (third-party hooks into every validation) the first time
it builds a validator: importing it loads importlib.metadata, zipfile and shutil, and looking
scans every installed distribution's entry points, ~0.02 s of every command that reads a
manifest or an answer. tailor uses no pydantic plugin, so in the `tailor` process that module
is one that finds none (as pydantic does with PYDANTIC_DISABLE_PLUGINS=__all__), put in place
before a command is imported."""


def _no_pydantic_plugins() -> types.ModuleType:
    """pydantic's plugin loader, but `get_plugins()` finds none; any other name a later
    pydantic imports from it comes from the real module (so the stub can never break an
    import), loaded then under a private name."""
    loader = types.ModuleType(PYDANTIC_PLUGIN_LOADER)
    loader.__dict__.update(get_plugins=tuple, __getattr__=_real_plugin_loader_attribute)
    return loader


def _real_plugin_loader_attribute(name: str) -> object:
    if name.startswith("__"):  # the import system's probes (__path__, ...): not there
        raise AttributeError(name)
    return getattr(_real_plugin_loader(), name)


@functools.cache
def _real_plugin_loader() -> types.ModuleType:
    import importlib.util
    from pathlib import Path

    import pydantic.plugin

    path = Path(pydantic.plugin.__file__).with_name("_loader.py")
    spec = importlib.util.spec_from_file_location("_tailor_real_pydantic_plugin_loader", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    """Console-script entry point: our errors print as messages, never as tracebacks."""
    gc.set_threshold(*GC_THRESHOLDS)
    modules = cast(dict[str, object], sys.modules)  # None there is Python's "not installed"
    for name in UNUSED_OPTIONAL_IMPORTS:
        modules.setdefault(name, None)  # `import name` now raises ImportError
    try:
        result = cli.main(prog_name="tailor", standalone_mode=False)
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
    except OSError as error:  # the last net: a read-only folder, a full disk, a gone mount
        where = f": {error.filename}" if error.filename else ""
        click.echo(f"Error: {error.strerror or error}{where}", err=True)
        sys.exit(1)
    code = result if isinstance(result, int) else 0
    if cli.resolved in READ_ONLY_COMMANDS or cli.resolved in CLOSED_ON_RETURN_COMMANDS:
        end_now(code)
    sys.exit(code)


def end_now(code: int) -> None:
    """Ends the process as `sys.exit(code)` would, but without Python's finalisation, which
    frees every object one by one (module teardown, a last full collection): after a no-change
    plan of 30,000 images that was ~0.07 s of CPU for memory the kernel takes back at once.
    Output is flushed and atexit handlers run as at a normal exit. With another thread that a
    normal exit would wait for still alive, or output that cannot be flushed (a closed pipe),
    it returns and the normal exit follows."""
    import atexit
    import threading

    main = threading.main_thread()
    if any(t is not main and not t.daemon for t in threading.enumerate()) or not _flushed():
        return  # daemon threads are stopped at any exit, others are waited for
    atexit._run_exitfuncs()
    _flushed()  # what the handlers wrote; nothing more can be done if that fails
    os._exit(code)


def _flushed() -> bool:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: the normal exit reports it
        return False
    return True
