"""`tailor --help` and `--version` import click and the command table, nothing else: the
commands (and pydantic, httpx, PIL, rich behind them) load only when one is run. Not timed:
the set of imported packages is what keeps start-up fast, and it cannot drift unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reconciler.cli.main import COMMANDS, cli
from tests.conftest import SANDBOX_TOKEN, copy_example

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

START_UP_MODULES = {
    "reconciler",
    "reconciler.cli",
        "reconciler.cli.main",
    "reconciler.cli.options",
    "reconciler.cli.terminal",
    "reconciler.environment",
    "reconciler.errors",
}


_PROBE = """
import atexit, sys
def report():
    loaded = (name for name, module in sys.modules.items() if module is not None)
    sys.stderr.write("\\n".join(["--- modules", *loaded]) + "\\n")
atexit.register(report)
if len(sys.argv) > 1:
    sys.argv = ["tailor", *sys.argv[1:]]
    from reconciler.cli.main import main
    main()
"""


def _imported(*args: str) -> set[str]:
    """Modules loaded (not merely probed for) in a fresh interpreter running `tailor args`;
    no args: the interpreter alone."""
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return set(completed.stderr.partition("--- modules\n")[2].split())


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_import_only_click_and_the_command_table(flag: str) -> None:
    imported = _imported(flag) - _imported()
    assert "click" in imported and "reconciler.cli.main" in imported  # the probe sees imports
    packages = {name.split(".")[0] for name in imported}
    outside = sorted(packages - set(sys.stdlib_module_names) - {"click", "reconciler"})
    assert outside == [], f"tailor {flag} imports {outside}"
    ours = sorted(n for n in imported if n.startswith("reconciler") and n not in START_UP_MODULES)
    assert ours == [], f"tailor {flag} imports {ours}"


def test_help_imports_no_command_module() -> None:
    loaded = _imported("--help")
    assert not {entry.module for entry in COMMANDS.values()} & loaded


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_table_summary_is_the_commands_own(name: str) -> None:
    """The summary `tailor --help` shows from the table is the command's docstring's."""
    command = cli.get_command(click.Context(cli), name)
    assert command is not None and not command.hidden
    assert COMMANDS[name].summary == command.get_short_help_str(limit=1_000)


def test_help_lists_each_summary() -> None:
    output = " ".join(CliRunner().invoke(cli, ["--help"], terminal_width=1_000).output.split())
    for name, entry in COMMANDS.items():
        assert f"{name} {entry.summary}" in output


def test_validate_imports_no_planner_client_or_state(tmp_path: Path) -> None:
    """validate reads manifests and images: the plan model, the client (httpx) and the state
    stores are other commands' cost, as is pydantic's TypeAdapter (only invalid manifests) and
    Pillow (only images the header reader leaves to it; the example's are plain PNGs)."""
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    loaded = _imported("validate", str(workspace))
    assert "reconciler.manifest.workspace" in loaded  # the probe saw the command run
    unwanted = sorted(
        name
        for name in loaded
        if name.startswith(("reconciler.plan", "reconciler.client", "reconciler.state", "httpx"))
        or name in ("pydantic.type_adapter", "PIL")
    )
    assert unwanted == []


HTTP_PACKAGES = {"httpx", "httpcore", "h11", "anyio", "sniffio", "idna", "certifi"}
"""What the client's httpx path needs (an injected transport, a proxy): its own keep-alive
connections (client/connections.py) need none of it."""


def test_apply_over_the_clients_own_connections_imports_no_httpx(
    sandbox_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plan and apply against a URL import neither httpx nor the HTTP packages behind it,
    nor urllib.request (proxy settings are read only when a *_proxy variable is set)."""
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BRIA_API_TOKEN", SANDBOX_TOKEN)
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    loaded = _imported("apply", "--auto-approve", "--api", sandbox_server, str(workspace))
    assert {"reconciler.engine.executor", "httptools"} <= loaded  # the apply ran
    loaded -= _imported()  # what the interpreter itself loads (site hooks) is not tailor's
    unwanted = sorted(
        name for name in loaded
        if name.split(".")[0] in HTTP_PACKAGES or name in {"urllib.request", "http.client"}
    )
    assert unwanted == []


def test_plan_without_an_interrupted_apply_imports_no_recovery_or_ledger(tmp_path: Path) -> None:
    """The recovery of an interrupted apply (and the apply ledger behind it) is loaded only
    when the state holds intents: a plain plan does not pay for it."""
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    loaded = _imported("plan", str(workspace))
    assert "reconciler.engine.planning" in loaded  # the probe saw the plan run
    unwanted = sorted(
        name
        for name in loaded
        if name.startswith(("reconciler.engine.recovery", "reconciler.engine.ledger"))
        or name.startswith(("reconciler.engine.executor", "reconciler.sandbox.server"))
    )
    assert unwanted == []


EXECUTION_MODULES = (
    "reconciler.engine.executor",
    "reconciler.engine.ledger",
    "reconciler.engine.recovery",
    "reconciler.engine.run_context",
    "reconciler.cli.interrupts",
)
"""What carrying out changes needs (apply_cmd imports it once the plan has some), and the
recovery of an interrupted apply (only when the state holds intents)."""


def test_an_apply_with_nothing_to_do_imports_no_executor_ledger_or_recovery(
    sandbox_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A no-change apply (CI's apply on merge when nothing in Bria moved) pays for start-up,
    manifests, refresh and the plan only: ~15 ms of imports less."""
    monkeypatch.setenv("BRIA_API_TOKEN", SANDBOX_TOKEN)
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    command = ("apply", "--auto-approve", "--api", sandbox_server, str(workspace))
    assert "reconciler.engine.executor" in _imported(*command)  # the first apply creates
    loaded = _imported(*command)
    assert "reconciler.engine.planning" in loaded  # the probe saw the second one plan
    unwanted = sorted(name for name in loaded if name.startswith(EXECUTION_MODULES))
    assert unwanted == []


NOT_ON_THE_RUN_PATH = {
    "importlib.metadata": "pydantic's scan of installed packages for plugins (cli/main.py)",
    "email.utils": "Retry-After as an HTTP date, parsed only when one arrives",
    "zipfile": "advanced datasets' ZIPs (client/bulkzip.py)",
    "tempfile": "the folder advanced datasets' ZIPs are written in (engine/run_context.py)",
    "shutil": "removing that folder (engine/executor.py); tempfile imports it too",
}
"""Modules plan, apply and destroy of valid manifests (basic datasets) against a URL do not
load, and why."""


def test_plan_apply_and_destroy_import_only_what_they_use(
    sandbox_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each of these cost a few ms of every run's start-up before they were made lazy."""
    monkeypatch.setenv("BRIA_API_TOKEN", SANDBOX_TOKEN)
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    interpreter = _imported()
    for command in (["plan"], ["apply", "--auto-approve"], ["destroy", "--auto-approve"]):
        loaded = _imported(*command, "--api", sandbox_server, str(workspace))
        assert "reconciler.engine.planning" in loaded, command  # the probe saw it run
        unwanted = sorted(set(NOT_ON_THE_RUN_PATH) & (loaded - interpreter))
        assert unwanted == [], f"tailor {command[0]} imports {unwanted}"


_PLUGIN_STUB_PROBE = """
import sys
from reconciler.cli.main import PYDANTIC_PLUGIN_LOADER, _no_pydantic_plugins, _real_plugin_loader
sys.modules[PYDANTIC_PLUGIN_LOADER] = _no_pydantic_plugins()
from pydantic import BaseModel
class Probe(BaseModel):
    x: int
assert Probe.model_validate({"x": 1}).x == 1  # a validator built through the stub
print("metadata", "importlib.metadata" in sys.modules, _real_plugin_loader.cache_info().currsize)
from pydantic.plugin._loader import PYDANTIC_ENTRY_POINT_GROUP  # a name the stub lacks
print("served", PYDANTIC_ENTRY_POINT_GROUP, _real_plugin_loader.cache_info().currsize)
"""


def test_the_pydantic_plugin_stub_builds_models_and_serves_other_names() -> None:
    """The stub finds no plugins without loading importlib.metadata, and any other name a
    later pydantic might import from its loader comes from the real module, not an
    ImportError in every command."""
    completed = subprocess.run(
        [sys.executable, "-c", _PLUGIN_STUB_PROBE],
        capture_output=True, text=True, timeout=60, check=True,
    )
    at_start = "importlib.metadata" in _imported()
    assert completed.stdout.split("\n")[:2] == [
        f"metadata {at_start} 0",  # no real loader, no scan
        "served pydantic 1",
    ]


def test_no_pydantic_default_factory_is_a_builtin_type() -> None:
    """pydantic reads a default_factory's signature to see whether it takes the data; for
    `list` or `dict` that means parsing a text signature, which compiles tokenize's regular
    expressions (~5 ms of every run that builds these models): `lambda: []` costs nothing."""
    from pydantic import BaseModel

    from reconciler.client import pydantic_models as client_models
    from reconciler.manifest import schema

    found = []
    for module in (client_models, schema):
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, BaseModel):
                for field_name, info in value.model_fields.items():
                    factory = info.default_factory
                    if isinstance(factory, type) and factory.__module__ == "builtins":
                        found.append(f"{module.__name__}.{name}.{field_name}")
    assert found == []


_CLIENT_AT_WORK = """
import sys
from reconciler.client.answers import many, one
from reconciler.client.api import BriaClient
from reconciler.client.models import CreateProjectRequest, Image, Project, UploadModelRequest
from reconciler.client.wire import Answer
from reconciler.addresses import Kind
from reconciler.secret import Secret
from reconciler.settings import resolve

BriaClient("http://127.0.0.1:9/v1", Secret("t"))
CreateProjectRequest(project_name="p", ip_medium="photography", ip_type="icons").body()
UploadModelRequest(model_url="u", model_name="m", training_version="bria-3.2",
                   project_parameters={"project_name": "q", "ip_medium": "illustration"})
project = b'{"id": 1, "project_name": "p", "ip_medium": "m", "ip_type": "t", "x": [1],'
project += b' "ip_name": null, "created_at": "2024-05-26T12:00:00Z"}'
one(Project)(Answer(200, {}, project, "GET", "/p"))
image = b'{"id": 5, "dataset_id": 1, "image_name": "a.png", "caption": "caf\\xc3\\xa9",'
image += b' "updated_at": "2025-08-20T06:06:05.849402"}'
many(Image, Kind.IMAGE)(Answer(200, {}, b"[" + image + b"]", "GET", "/i"))
print("pydantic" in sys.modules)
"""


def test_the_client_reads_and_writes_without_pydantic() -> None:
    """Well-formed answers and valid requests are plain records (client/json_records.py); the
    token is our own Secret. (Manifest loading, which cli/context.py and the engine import,
    is another matter.) pydantic (~0.1 s CPU to import) loads only for an answer the
    quick reader is unsure of, or a request that does not fit."""
    completed = subprocess.run(
        [sys.executable, "-c", _CLIENT_AT_WORK],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert completed.stdout.strip() == "False"


def test_plan_and_apply_of_valid_manifests_import_no_pydantic(
    sandbox_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pydantic (~0.1 s of CPU to import) is for JSON schemas, the errors of invalid files and
    answers Bria's documented shapes do not fit: an apply, a no-change plan and a no-change
    apply of valid manifests against a sandbox served in another process load none of it.
    (The embedded sandbox is FastAPI's, which does.)"""
    monkeypatch.setenv("BRIA_API_TOKEN", SANDBOX_TOKEN)
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "quickstart")
    interpreter = _imported()
    runs = [["apply", "--auto-approve"], ["plan"], ["apply", "--auto-approve"]]
    loaded = [_imported(*command, "--api", sandbox_server, str(workspace)) for command in runs]
    assert "reconciler.engine.executor" in loaded[0]  # the first apply created the resources
    for command, modules in zip(runs, loaded, strict=True):
        assert "reconciler.engine.planning" in modules, command  # the probe saw it run
        assert "pydantic" not in modules - interpreter, f"tailor {command[0]} imports pydantic"
