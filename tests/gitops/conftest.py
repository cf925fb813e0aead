"""A CI runner in miniature: a git checkout of the quickstart, the example CI files' shell blocks
run by bash with the files' own environment, and a `tailor` on PATH that logs each argv."""

from __future__ import annotations

import json
import os
import string
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import EXAMPLES, copy_example
from tests.gitops.ciscripts import ShellBlock

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = EXAMPLES / "quickstart"
TOKEN = "test-token-gitops-5d0c2e91"
"""Recognisable, so every output and file can be scanned for it."""

SHIM = """#!{python}
import json, os, sys
with open(os.environ["TAILOR_SHIM_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
sys.argv[0] = "tailor"
from reconciler.cli.main import main
main()
"""


@dataclass
class CiRunner:
    """Runs shell blocks of a CI file in `checkout`, as the CI service would."""

    checkout: Path
    env: dict[str, str]
    log: Path
    api: str
    outputs: list[str] = field(default_factory=list)

    def run(
        self, block: ShellBlock, extra: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self._captured(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", block.script],
            cwd,
            {**self.env, **(extra or {})},
        )

    def ran(self) -> set[tuple[str, ...]]:
        if not self.log.exists():
            return set()
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return {("tailor", *json.loads(line)) for line in lines}

    def tailor(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self._captured(["tailor", *args], cwd, self.env)

    def _captured(
        self, argv: list[str], cwd: Path | None, env: dict[str, str]
    ) -> subprocess.CompletedProcess[str]:
        """Run in the checkout (or `cwd`), keeping the output for the failure report."""
        result = subprocess.run(
            argv,
            cwd=cwd or self.checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            stdin=subprocess.DEVNULL,
        )
        self.outputs += [result.stdout, result.stderr]
        return result

    def git(self, *args: str, cwd: Path | None = None) -> str:
        result = subprocess.run(
            ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com", *args],
            cwd=cwd or self.checkout,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout.strip()

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def edit_manifest(self, old: str, new: str, root: Path | None = None) -> None:
        manifest = (root or self.checkout) / "mascot.yaml"
        text = manifest.read_text(encoding="utf-8")
        assert old in text
        manifest.write_text(text.replace(old, new, 1), encoding="utf-8")

    def keep_artifact(self, folder: Path, names: list[str], into: Path) -> None:
        """upload-artifact, then the zip the apply job downloads (reviewed-plan.zip)."""
        with zipfile.ZipFile(into, "w") as archive:
            for name in names:
                archive.write(folder / name, name)

    def fresh_checkout(self) -> None:
        """What a new job sees: the committed tree only."""
        self.git("clean", "-q", "-fdx")

    def bria(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method, f"{self.api}{path}", json=body, headers={"api_token": TOKEN}, timeout=10
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def assert_token_never_shown(self) -> None:
        for text in self.outputs:
            assert TOKEN not in text
        for path in self.checkout.rglob("*"):
            if path.is_file() and ".git" not in path.parts:
                assert TOKEN.encode() not in path.read_bytes(), path


@pytest.fixture
def state_dsn(postgres_schema_dsn: str) -> str:
    """The shared PostgreSQL state of one CI setup."""
    return postgres_schema_dsn


@pytest.fixture
def ci(tmp_path: Path, sandbox_server: str) -> CiRunner:
    """A git checkout of the quickstart whose tailor.yaml names the socket sandbox."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "tailor"
    shim.write_text(SHIM.format(python=sys.executable), encoding="utf-8")
    shim.chmod(0o755)
    checkout = tmp_path / "runner" / "work" / "repo"
    copy_example(QUICKSTART, checkout)
    (checkout / "tailor.yaml").write_text(f"api: {sandbox_server}\nparallelism: 4\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIA_", "TAILOR_", "GIT"))}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["TAILOR_SHIM_LOG"] = str(tmp_path / "tailor-argv.log")
    runner = CiRunner(checkout, env, tmp_path / "tailor-argv.log", sandbox_server)
    runner.git("init", "-q", "-b", "main")
    runner.commit("the quickstart")
    return runner


def substitute(value: str, known: Mapping[str, str]) -> str:
    """`$NAME` / `${NAME}` (GitLab variables) from `known`; an unknown name is a test error."""
    return string.Template(value).substitute(known)
