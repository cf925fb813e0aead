"""The `tailor` process leaves out what libraries import only to probe for unused features."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, copy_example

EXAMPLE = EXAMPLES / "quickstart"


def test_plan_starts_without_trio_or_httpx_command_line(tmp_path: Path) -> None:
    workspace = tmp_path / "quickstart"
    copy_example(EXAMPLE, workspace)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reconciler.cli", "plan", str(workspace)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Plan:" in done.stdout
    imported = {line.rpartition("|")[2].strip() for line in done.stderr.splitlines()}
    assert "httpx" in imported  # the plan did talk HTTP (to the embedded sandbox)
    assert not imported & {"trio", "pygments"}
