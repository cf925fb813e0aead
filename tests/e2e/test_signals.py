"""SIGINT / SIGTERM during apply: no new step starts, in-flight requests finish and are
recorded, the result table says what is left, exit 130 / 143; a rerun finishes the job."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import make_workspace, serve_sandbox, tailor, tailor_env

pytestmark = [pytest.mark.slow, pytest.mark.socket]


@pytest.mark.parametrize(("received", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_apply_cleanly_and_a_rerun_finishes(
    tmp_path: Path, received: signal.Signals, code: int
) -> None:
    with serve_sandbox(tmp_path / "sandbox.db") as sandbox:
        ws = make_workspace(tmp_path, sandbox.api)
        sandbox.faults(latency_ms=400)
        apply = subprocess.Popen(
            [sys.executable, "-m", "reconciler.cli", "apply", "--auto-approve", str(ws)],
            env=tailor_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60.0
        while sandbox.stats()["total"] < 4 and time.monotonic() < deadline:
            assert apply.poll() is None, apply.communicate()
            time.sleep(0.05)
        apply.send_signal(received)
        out, err = apply.communicate(timeout=90)
        assert apply.returncode == code, out + err
        assert "Traceback" not in err
        assert f"interrupted by {received.name}" in out + err
        assert "again to finish" in err
        assert "not started" in out
        sandbox.faults(latency_ms=0)
        again = tailor("apply", "--auto-approve", str(ws), cwd=tmp_path)
        assert again.returncode == 0, again.stdout + again.stderr
        last = tailor("apply", "--auto-approve", str(ws), cwd=tmp_path)
        assert last.returncode == 0 and "No changes" in last.stdout, last.stdout
        assert len(sandbox.inventory()["projects"]) == 1
