"""Valid manifests and tailor.yaml load without pydantic (~0.1 s of CPU to import).

`quickparse` checks them; pydantic (`schema.py`, `schema_errors.py`, `pydantic_check.py`) is
loaded only for a file it is unsure of, nearly always an invalid one, to word its errors.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SANDBOX_TOKEN, copy_example

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PYDANTIC_SIDE = {"schema.py", "schema_errors.py", "pydantic_check.py"}
"""The manifest modules that import pydantic; nothing else in reconciler/manifest may."""

_PROBE = """
import atexit, sys
def report():
    sys.stderr.write("\\n--- modules\\n" + "\\n".join(sys.modules) + "\\n")
atexit.register(report)
sys.argv = ["tailor", *sys.argv[1:]]
from reconciler.cli.main import main
main()
"""


def _imported(*args: str) -> set[str]:
    """Modules loaded by `tailor args` in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True, text=True, timeout=120, check=False,
    )
    return set(completed.stderr.partition("\n--- modules\n")[2].split())


SIDE_MODULES = {f"reconciler.manifest.{file.removesuffix('.py')}" for file in PYDANTIC_SIDE}


def _pydantic_side(loaded: set[str]) -> list[str]:
    return sorted(name for name in loaded if name == "pydantic" or name in SIDE_MODULES)


@pytest.mark.parametrize(
    "example", ["quickstart", "fibo", "ip-types/defined_character", "ip-types/icons"]
)
def test_validate_of_a_valid_workspace_imports_no_pydantic(example: str, tmp_path: Path) -> None:
    workspace = copy_example(EXAMPLES / example, tmp_path / "ws")
    loaded = _imported("validate", str(workspace))
    assert "reconciler.manifest.quickparse" in loaded  # the probe saw the manifests load
    assert _pydantic_side(loaded) == []


def test_validate_of_an_invalid_manifest_imports_pydantic_to_word_the_error(
    tmp_path: Path,
) -> None:
    """The other side of the test above: the probe does see pydantic when it is used."""
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "ws")
    manifest = workspace / "mascot.yaml"
    manifest.write_text(manifest.read_text().replace("project:", "projekt:", 1))
    loaded = _imported("validate", str(workspace))
    assert {"pydantic", "reconciler.manifest.pydantic_check"} <= loaded


def test_plan_of_a_valid_workspace_loads_its_manifests_without_pydantic(
    sandbox_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest side of a plan: whatever the client and settings import (pinned in
    tests/cli/test_startup_imports.py), none of the manifest's pydantic modules is loaded."""
    monkeypatch.setenv("BRIA_API_TOKEN", SANDBOX_TOKEN)
    workspace = copy_example(EXAMPLES / "quickstart", tmp_path / "ws")
    loaded = _imported("plan", "--api", sandbox_server, str(workspace))
    assert "reconciler.engine.planning" in loaded  # the probe saw the plan run
    assert sorted(SIDE_MODULES & loaded) == []


def test_only_the_pydantic_side_of_the_manifest_package_imports_pydantic() -> None:
    """With the test above, this makes sure the manifest side imports no pydantic: only the
    named modules import it, and every other module imports them (if at all) only inside
    the function that needs them, never when it is loaded."""
    importers: dict[str, set[str]] = {}
    for path in sorted((ROOT / "reconciler" / "manifest").glob("*.py")):
        for node in ast.parse(path.read_text()).body:  # module level: run on import
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ("pydantic", "pydantic_core") or name in SIDE_MODULES:
                    importers.setdefault(path.name, set()).add(name.split(".")[0])
    assert set(importers) == PYDANTIC_SIDE
    assert all("pydantic" in found or "pydantic_core" in found for found in importers.values())
