"""The command line a Terraform, kubectl or git user expects (issue 17), one test per
convention, each driving the real `tailor` entry point in a subprocess: environment, TTY and
exit-code behaviour are only real there."""

from __future__ import annotations

import ast
import os
import pty
import re
import select
import shlex
import shutil
import string
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
import yaml

from reconciler.cli.main import COMMANDS, cli
from reconciler.environment import ENVIRONMENT
from tests.conftest import EXAMPLES, copy_example, serve_sandbox

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = EXAMPLES / "quickstart"
ENV_KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "SYSTEMROOT", "TMPDIR")
"""The only variables a test's `tailor` inherits: no BRIA_*, TAILOR_*, colour or TERM
settings leak in from the machine that runs the suite."""


def tailor(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k in ENV_KEEP}
    return subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, **(env or {})},
        cwd=cwd,
    )


@pytest.fixture
def quickstart(tmp_path: Path) -> Path:
    """A copy of examples/quickstart (on the embedded sandbox; state in the copy)."""
    target = tmp_path / "quickstart"
    copy_example(QUICKSTART, target)
    return target


# ------------------------------------------------------------------ validate in one pass


def test_validate_reports_schema_reference_and_file_problems_at_once(quickstart: Path) -> None:
    manifest = quickstart / "mascot.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("images/v1/*.png", "images/v2/*.png")  # matches nothing
    text = text.replace("training_version: light", "training_version: lite")  # schema
    text = text.replace("dataset: v1", "dataset: v2")  # an unknown dataset
    manifest.write_text(text, encoding="utf-8")

    result = tailor("validate", quickstart)

    assert result.returncode == 1
    problems = [line for line in result.stdout.splitlines() if not line.startswith("  ")]
    assert [p.split(": ", 2)[1] for p in problems[:-1]] == [
        "datasets.v1.images[0]",
        "models.light.dataset",
        "models.light.training_version",
    ]
    lines = [int(p.split(":")[1]) for p in problems[:-1]]
    assert lines == sorted(lines)
    assert problems[-1] == "3 errors found; nothing was sent to Bria."


# ------------------------------------------------------------------ inputs almost right


def test_whitespace_only_token_is_an_unset_token(quickstart: Path) -> None:
    # A loopback API: were the blank token taken as set, the plan would fail fast offline.
    (quickstart / "tailor.yaml").write_text("api: http://127.0.0.1:9/v1\n")
    result = tailor("plan", quickstart, env={"BRIA_API_TOKEN": "  \n"})
    assert result.returncode == 1
    assert "BRIA_API_TOKEN is not set" in result.stderr


def test_non_ascii_key_is_refused_saying_so(quickstart: Path) -> None:
    manifest = quickstart / "mascot.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("project: acme-mascot", "project: café"),
        encoding="utf-8",
    )
    result = tailor("validate", quickstart)
    assert result.returncode == 1
    assert "project: 'café' is not a valid key: 'é' is not an ASCII character" in result.stdout
    assert "ASCII letters (a-z, A-Z)" in result.stdout

    address = tailor("state", "show", "café/models/light", quickstart)
    assert address.returncode == 1
    assert "'é' is not an ASCII character" in address.stderr


def test_no_manifests_error_names_the_subfolders_that_have_them(tmp_path: Path) -> None:
    copy_example(QUICKSTART, tmp_path / "projects" / "mascot")
    result = tailor("validate", tmp_path / "projects", cwd=tmp_path)
    assert result.returncode == 1
    assert "there are manifests in subfolders: projects/mascot\n" in result.stdout
    assert "e.g. `tailor plan projects/mascot`" in result.stdout  # as typed from the cwd
    elsewhere = tailor("plan", tmp_path / "projects", cwd=REPO)
    assert f"subfolders: {tmp_path / 'projects' / 'mascot'}\n" in elsewhere.stderr

    nothing = tailor("validate", tmp_path / "projects" / "mascot" / "images")
    assert "no manifests in the workspace: expected" in nothing.stdout


# ------------------------------------------------------------------ consistent arguments


def test_state_rm_takes_the_workspace_like_every_other_command(quickstart: Path) -> None:
    applied = tailor("apply", quickstart, "--auto-approve", "-v")
    assert applied.returncode == 0, applied.stderr
    assert "fox-04.png" in applied.stdout  # -v lists every image on apply too
    assert "Apply: 3 done (and 6 images), 0 failed, 0 not started." in applied.stdout

    removed = tailor("state", "rm", "acme-mascot/models/light", quickstart, cwd=REPO)
    assert removed.returncode == 0, removed.stderr
    assert "Forgot acme-mascot/models/light (model 1)" in removed.stdout

    listed = tailor("state", "list", "-C", quickstart)
    assert "acme-mascot/models/light" not in listed.stdout
    assert "acme-mascot/datasets/v1" in listed.stdout
    for command in (
        ["state", "show", "acme-mascot", quickstart],
        ["state", "show", "acme-mascot", "-C", quickstart],
        ["output", "-C", quickstart],
        ["-C", quickstart, "output"],  # as git -C and terraform -chdir
    ):
        result = tailor(*command)
        assert result.returncode == 0, (command, result.stderr)
        assert "acme-mascot" in result.stdout


WORKSPACE_COMMANDS = [
    ["apply"], ["destroy"], ["graph"], ["import"], ["output"], ["plan"], ["validate"],
    ["force-unlock"], ["state", "list"], ["state", "show"], ["state", "rm"], ["state", "mv"],
    ["state", "rebind"],
]


@pytest.mark.parametrize("command", WORKSPACE_COMMANDS, ids=" ".join)
def test_every_workspace_command_accepts_dash_c(command: list[str]) -> None:
    result = tailor(*command, "--help")
    assert result.returncode == 0
    assert "-C, --path DIR" in result.stdout


def test_two_different_workspaces_are_refused(quickstart: Path) -> None:
    result = tailor("validate", quickstart, "-C", quickstart / "images")
    assert result.returncode == 1
    assert "the workspace is given twice" in result.stderr


def test_apply_names_its_argument_for_what_it_is() -> None:
    assert "Usage: tailor apply [OPTIONS] [PATH|PLANFILE]" in tailor("apply", "--help").stdout


# ------------------------------------------------------------------ complete help


def _every_command() -> list[list[str]]:
    found: list[list[str]] = []
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        found.append([name])
        if isinstance(command, click.Group):
            found.extend([name, sub] for sub in command.commands)
    return found


def test_every_option_of_every_command_has_help() -> None:
    missing = []
    for path in [[], *_every_command()]:
        command: click.Command = cli
        ctx = click.Context(cli)
        for name in path:
            assert isinstance(command, click.Group)
            found = command.get_command(ctx, name)
            assert found is not None
            command = found
        missing += [
            f"tailor {' '.join(path)} {param.opts[0]}"
            for param in command.params
            if isinstance(param, click.Option) and not (param.help or "").strip()
        ]
    assert missing == []


def test_no_arguments_prints_help_and_exits_0() -> None:
    for args in ([], ["state"], ["sandbox"]):
        result = tailor(*args)
        assert result.returncode == 0, args
        assert result.stdout.startswith("Usage: tailor"), args


def test_top_level_help_shows_whole_descriptions_and_the_environment() -> None:
    result = tailor("--help")
    commands = " ".join(result.stdout.split("Commands:")[1].split("Environment:")[0].split())
    assert "..." not in commands
    assert "completion Print the shell completion script for SHELL (bash, zsh or fish)." in (
        commands
    )
    assert (
        "import Record existing Bria objects in the state: one under ADDR (`import ADDR "
        "REMOTE_ID [PATH]`), or everything the manifests declare, matched by name (`import "
        "--adopt [PATH]`)." in commands
    )
    environment = result.stdout.split("Environment:")[1]
    for name in ENVIRONMENT:
        assert f"  {name}  " in environment


ENV_NAME = r"(BRIA|TAILOR)_[A-Z0-9_]+"


def test_every_environment_variable_tailor_reads_is_listed() -> None:
    """Every BRIA_*/TAILOR_* string literal in the package (outside the sandbox, which reads
    none) is an environment variable, and `tailor --help` lists it."""
    from reconciler.environment import ENVIRONMENT

    pattern = re.compile(rf"^{ENV_NAME}$")
    read: set[str] = set()
    for source in (REPO / "reconciler").rglob("*.py"):
        if "sandbox" in source.parts:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and pattern.match(str(node.value)):
                read.add(str(node.value))
    assert {"BRIA_API_TOKEN", "BRIA_API_URL", "TAILOR_STATE"} <= read
    assert read - set(ENVIRONMENT) == set()


# ------------------------------------------------------------------ colour


def on_a_terminal(*args: str | Path, env: dict[str, str]) -> str:
    """`tailor ARGS` with stdout and stderr on a pseudo-terminal; everything it wrote."""
    base = {k: v for k, v in os.environ.items() if k in ENV_KEEP}
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env={**base, **env},
    )
    os.close(terminal)
    output = b""
    try:
        for _ in range(10_000):  # bounded: a chunk at least every 60 s, or the test fails
            ready, _, _ = select.select([controller], [], [], 60)
            assert ready, "tailor wrote nothing for 60 s"
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(controller)
        process.wait(timeout=60)
    return output.decode("utf-8", "replace")


ESC = "\x1b["


@pytest.mark.parametrize(
    ("env", "flags", "coloured"),
    [
        ({"TERM": "xterm-256color"}, [], True),
        ({"TERM": "xterm-256color", "NO_COLOR": "0"}, [], False),  # any value
        ({"TERM": "dumb"}, [], False),
        ({"TERM": "xterm-256color"}, ["--no-color"], False),
    ],
    ids=["tty", "NO_COLOR", "TERM=dumb", "--no-color"],
)
def test_colour_on_a_terminal_follows_the_conventions(
    quickstart: Path, env: dict[str, str], flags: list[str], coloured: bool
) -> None:
    output = on_a_terminal("plan", quickstart, *flags, env=env)
    assert "Plan: " in output
    assert (ESC in output) is coloured


def test_errors_on_a_terminal_follow_the_same_conventions(quickstart: Path) -> None:
    args = ("state", "show", "not an address", quickstart)
    assert ESC in on_a_terminal(*args, env={"TERM": "xterm"})
    assert ESC not in on_a_terminal(*args, "--no-color", env={"TERM": "xterm"})
    assert ESC not in on_a_terminal(*args, env={"TERM": "xterm", "NO_COLOR": "1"})


def test_force_color_colours_piped_output(quickstart: Path) -> None:
    assert ESC not in tailor("plan", quickstart).stdout
    forced = tailor("plan", quickstart, env={"FORCE_COLOR": "1"})
    assert ESC in forced.stdout
    assert ESC not in tailor("plan", quickstart, "--no-color", env={"FORCE_COLOR": "1"}).stdout
    error = tailor("state", "show", "not an address", quickstart, env={"FORCE_COLOR": "1"})
    assert ESC in error.stderr


# ------------------------------------------------------------------ shell completion


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o nosort -F"), ("zsh", "compdef"), ("fish", "complete --no-files")],
)
def test_completion_script_for_each_shell(shell: str, marker: str) -> None:
    result = tailor("completion", shell)
    assert result.returncode == 0
    assert marker in result.stdout
    assert "_TAILOR_COMPLETE" in result.stdout


def test_completion_answers_through_clicks_protocol() -> None:
    commands = tailor(
        env={"_TAILOR_COMPLETE": "bash_complete", "COMP_WORDS": "tailor pl", "COMP_CWORD": "1"}
    )
    assert commands.returncode == 0
    assert "plain,plan" in commands.stdout.splitlines()
    options = tailor(
        env={
            "_TAILOR_COMPLETE": "bash_complete",
            "COMP_WORDS": "tailor plan --for",
            "COMP_CWORD": "2",
        }
    )
    assert "plain,--format" in options.stdout.splitlines()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_accepts_the_completion_script() -> None:
    script = tailor("completion", "bash").stdout
    result = subprocess.run(
        ["bash", "--norc", "-c", script + "\ncomplete -p tailor"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "tailor" in result.stdout


# ------------------------------------------------------------------ the plan's summary


def test_plan_counts_what_was_declared_and_says_what_waits(quickstart: Path) -> None:
    """On a served sandbox whose trainings take an hour: the embedded one trains in 30 s, which
    a loaded machine can spend between the second apply and the last plan."""
    with serve_sandbox(quickstart.parent / "sandbox.db", training_seconds=3600) as sandbox:
        (quickstart / "tailor.yaml").write_text(
            f"api: {sandbox.origin}/v1\nstate: .tailor/state.db\nparallelism: 8\n"
        )
        _plan_counts_and_waits(quickstart, {"BRIA_API_TOKEN": "conventions-token"})


def _plan_counts_and_waits(quickstart: Path, env: dict[str, str]) -> None:
    first = tailor("plan", quickstart, env=env)
    assert first.stdout.rstrip().splitlines()[-1] == (
        "Plan: 3 to create (and 6 images to upload), 0 to update, 0 to replace, 0 to delete."
    )
    assert tailor("apply", quickstart, "--auto-approve", env=env).returncode == 0

    (quickstart / "images" / "v1" / "fox-02.txt").write_text("Foxy waving", encoding="utf-8")
    replace = tailor("plan", quickstart, env=env)  # no -v
    assert "      forces replacement: images\n        fox-02.png: caption\n" in replace.stdout
    assert "fox-01.png" not in replace.stdout
    assert tailor("apply", quickstart, "--auto-approve", env=env).returncode == 0

    waiting = tailor("plan", quickstart, env=env).stdout.rstrip().splitlines()
    assert waiting[-2:] == [
        "1 old model (id 1) will be deleted once acme-mascot/models/light has trained "
        "(by the first apply after that).",
        "No changes. Your Bria resources match the manifests.",
    ]


# ------------------------------------------------------------------ CI examples install tailor


CI_EXAMPLES = sorted((REPO / "examples" / "ci").glob("*.yml"))


def _install_lines(example: Path) -> tuple[list[str], dict[str, str]]:
    """Every `pip install` line of an example CI file, and the file's own variables."""
    loaded = yaml.safe_load(example.read_text(encoding="utf-8"))
    variables = {**loaded.get("env", {}), **loaded.get("variables", {})}
    lines = [
        line.strip()
        for line in re.findall(r"^[ \t-]*(?:run: )?(pip install .*)$", example.read_text(), re.M)
    ]
    return lines, {k: str(v) for k, v in variables.items()}


@pytest.mark.parametrize("example", CI_EXAMPLES, ids=lambda p: p.name)
def test_ci_example_install_line_resolves_to_this_project(example: Path) -> None:
    """Each install line names a local folder (pip reads `./...` as one, never an index name)
    that the job checks out as a submodule; with this repository there, the folder holds the
    project tailor-reconciler, whose `tailor` script the job runs. No network: the name the
    examples installed before (tailor-reconciler from PyPI) is not published."""
    lines, variables = _install_lines(example)
    assert lines, f"{example.name} installs tailor nowhere"
    text = example.read_text(encoding="utf-8")
    assert "submodules: true" in text or variables.get("GIT_SUBMODULE_STRATEGY") == "recursive"
    source = Path(variables["TAILOR_SOURCE"])
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    ).stdout.splitlines()
    for line in set(lines):
        words = [string.Template(w).substitute(variables) for w in shlex.split(line)]
        assert words[:2] == ["pip", "install"], line
        (argument,) = [w for w in words[2:] if not w.startswith("-")]
        assert argument.startswith("./"), f"{line}: not a path, so pip would ask an index"
        assert Path(argument) == source, line
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "tailor-reconciler"
    assert project["project"]["scripts"]["tailor"] == "reconciler.cli.main:main"
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"
    assert {"pyproject.toml", "reconciler/cli/main.py"} <= set(tracked)
