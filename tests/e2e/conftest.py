"""End-to-end helpers: `tailor` as a subprocess against `tailor sandbox serve` on a real socket."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import EXAMPLES, copy_example
from tests.conftest import serve_sandbox as serve_real_sandbox

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = EXAMPLES / "quickstart"
TOKEN = "test-token-e2e-7c1f9a2b"
"""Recognisable, so a scan of every output and file can prove it never leaks."""
EXPECTED_IMAGES = 6


@dataclass
class Sandbox:
    origin: str
    process: subprocess.Popen[bytes]

    @property
    def api(self) -> str:
        return f"{self.origin}/v1"

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.origin}/_sandbox/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def bria(self, path: str) -> Any:
        response = httpx.get(f"{self.api}{path}", headers={"api_token": TOKEN}, timeout=10)
        response.raise_for_status()
        return response.json()

    def inventory(self) -> dict[str, Any]:
        """Every live object, by kind: what the assertions about duplicates and orphans use."""
        projects = self.bria("/tailored-gen/projects")
        datasets = self.bria("/tailored-gen/datasets")
        models = [m for m in self.bria("/tailored-gen/models") if m["status"] != "Deleted"]
        images = {d["id"]: self.bria(f"/tailored-gen/datasets/{d['id']}/images") for d in datasets}
        return {"projects": projects, "datasets": datasets, "models": models, "images": images}

    def faults(self, **values: Any) -> None:
        self.control("PUT", "faults", values)

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock/advance", {"seconds": seconds})

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.control("GET", "stats")
        return result


@contextmanager
def serve_sandbox(
    db: Path, *, training_seconds: float = 3600.0, port: int | None = None
) -> Iterator[Sandbox]:
    with serve_real_sandbox(
        db, training_seconds=training_seconds, startup_seconds=60.0, port=port
    ) as p:
        yield Sandbox(p.origin, p.process)



@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A fresh sandbox whose trainings only finish when the test advances its clock."""
    with serve_sandbox(tmp_path / "sandbox.db") as running:
        yield running


def make_workspace(tmp_path: Path, api: str, name: str = "ws") -> Path:
    """A copy of examples/quickstart that talks to `api` (or the embedded sandbox)."""
    root = tmp_path / name
    copy_example(QUICKSTART, root)
    (root / "tailor.yaml").write_text(f"api: {api}\nstate: .tailor/state.db\nparallelism: 4\n")
    return root


def tailor_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIA_", "TAILOR_"))}
    env["BRIA_API_TOKEN"] = TOKEN
    return env


def tailor(
    *args: str, cwd: Path, timeout: float = 120.0, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconciler.cli", *args],
        cwd=cwd,
        env=env or tailor_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def change_image(path: Path) -> None:
    """New content under the same name (one pixel differs)."""
    from PIL import Image

    with Image.open(path) as image:
        changed = image.convert("RGB")
    changed.putpixel((0, 0), (1, 2, 3))
    changed.save(path)


def tailor_here(*args: str) -> Any:
    """The same CLI in this process (click's runner): no interpreter start-up per call."""
    from click.testing import CliRunner

    from reconciler.cli.main import cli

    runner = CliRunner(env={"BRIA_API_TOKEN": TOKEN, "BRIA_API_URL": "", "TAILOR_STATE": ""})
    return runner.invoke(cli, list(args), catch_exceptions=True)


def assert_no_token(root: Path, texts: list[str]) -> None:
    """The token is in none of the outputs and no file tailor wrote under `root`/.tailor."""
    for text in texts:
        assert TOKEN not in text
    for path in (root / ".tailor").rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), f"token found in {path}"
