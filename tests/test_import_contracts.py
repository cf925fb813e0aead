"""The import contracts really constrain: each probe that breaks a layer makes lint-imports fail.

A contract that nothing can break guards nothing, so every rule of `docs/code-map.md` that a
newcomer is most likely to break is tried here on a copy of the package: the copy passes as it
is, and fails, naming the contract, once one probe module is written into it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = "Layers: cli > engine | sandbox > render | client | state | manifest > plan > base modules"
PURE_IO = "Plan, render and manifest do no network or database I/O"
ENGINE_IO = (
    "The engine does its I/O through client and state, importing no HTTP or database package"
)

PROBES = [
    pytest.param("plan/_probe.py", "import httpx\n", PURE_IO, id="plan-httpx"),
    pytest.param(
        "render/_probe.py", "from reconciler import manifest\n", LAYERS, id="render-manifest"
    ),
    pytest.param("state/_probe.py", "import reconciler.engine\n", LAYERS, id="state-engine"),
    pytest.param("engine/_probe.py", "import sqlite3\n", ENGINE_IO, id="engine-sqlite3"),
]


def _lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.fail("lint-imports is not installed; install the test extra")
    # The copy comes first on the path, ahead of the editable install of the checkout; a wide
    # terminal keeps each contract's name on one line of the report.
    env = {**os.environ, "PYTHONPATH": str(where), "COLUMNS": "400", "NO_COLOR": "1"}
    return subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's sources (all lint-imports reads) and the contracts, nothing else."""
    where = tmp_path_factory.mktemp("contracts")
    for source in (ROOT / "reconciler").rglob("*.py"):
        copy = where / source.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
    shutil.copyfile(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


def test_the_unprobed_copy_keeps_every_contract(package_copy: Path) -> None:
    result = _lint_imports(package_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{LAYERS} KEPT" in result.stdout
    assert f"{PURE_IO} KEPT" in result.stdout


@pytest.mark.parametrize(("path", "source", "contract"), PROBES)
def test_a_probe_breaks_the_contract_it_names(
    package_copy: Path, path: str, source: str, contract: str
) -> None:
    probe = package_copy / "reconciler" / path
    probe.write_text(f'"""A probe the contracts must refuse."""\n\n{source}', encoding="utf-8")
    try:
        result = _lint_imports(package_copy)
    finally:
        probe.unlink()
    assert result.returncode != 0, result.stdout
    assert f"{contract} BROKEN" in result.stdout, result.stdout
    probe_module = "reconciler." + path.removesuffix(".py").replace("/", ".")
    assert probe_module in result.stdout, result.stdout
