"""Apply survives SIGKILL at any point and an unreliable network: a rerun converges with
exactly the declared objects at Bria, each recorded once in the state."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reconciler.addresses import Kind
from reconciler.state.store import open_store
from tests.e2e.conftest import (
    EXPECTED_IMAGES,
    Sandbox,
    make_workspace,
    serve_sandbox,
    tailor,
    tailor_env,
    tailor_here,
)

pytestmark = [pytest.mark.slow, pytest.mark.socket]

CRASH_SEEDS = 20
IMAGE_NAMES = [f"fox-0{i}.png" for i in range(1, EXPECTED_IMAGES + 1)]


def assert_exactly_the_quickstart(sandbox: Sandbox, ws: Path) -> None:
    """One of everything declared, nothing else, and the state owns exactly those ids."""
    live = sandbox.inventory()
    assert [p["project_name"] for p in live["projects"]] == ["Acme Mascot"]
    assert [d["status"] for d in live["datasets"]] == ["completed"]
    dataset_id = live["datasets"][0]["id"]
    images = live["images"][dataset_id]
    assert sorted(i["image_name"] for i in images) == IMAGE_NAMES
    assert len(live["models"]) == 1 and live["models"][0]["status"] == "InProgress"
    store = open_store(".tailor/state.db", workspace=ws)
    try:
        document = store.read()
    finally:
        store.close()
    assert document.intents == ()
    owned = {(e.kind, e.remote_id) for e in document.resources.values()}
    expected = {
        (Kind.PROJECT, live["projects"][0]["id"]),
        (Kind.DATASET, dataset_id),
        (Kind.MODEL, live["models"][0]["id"]),
        *((Kind.IMAGE, i["id"]) for i in images),
    }
    assert owned == expected
    assert all(not e.deposed for e in document.resources.values())


def apply_until_converged(ws: Path, attempts: int = 3) -> None:
    """Reruns until an apply succeeds (faults may fail one), then proves nothing is left."""
    for _ in range(attempts):
        result = tailor_here("apply", str(ws), "--auto-approve")
        if result.exit_code == 0:
            break
    assert result.exit_code == 0, result.output
    again = tailor_here("apply", str(ws), "--auto-approve")
    assert again.exit_code == 0 and "No changes" in again.output, again.output


def start_apply(ws: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "apply", "--auto-approve", "."],
        cwd=ws,
        env=tailor_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_after_requests(sandbox: Sandbox, process: subprocess.Popen[bytes], count: int) -> None:
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline and process.poll() is None:
        if sandbox.stats()["total"] >= count:
            break
        time.sleep(0.003)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def test_sigkill_at_random_points_then_rerun_converges(tmp_path: Path) -> None:
    with serve_sandbox(tmp_path / "sandbox.db") as sandbox:
        sandbox.faults(latency_ms=5)
        baseline = make_workspace(tmp_path, sandbox.api, "baseline")
        sandbox.control("POST", "stats/reset")
        assert tailor("apply", "--auto-approve", ".", cwd=baseline).returncode == 0
        requests_per_apply = sandbox.stats()["total"]
        assert requests_per_apply > 10
        rng = random.Random(7)
        for seed in range(CRASH_SEEDS):
            sandbox.control("POST", "reset")
            sandbox.faults(latency_ms=5)
            ws = make_workspace(tmp_path, sandbox.api, f"crash-{seed}")
            kill_at = rng.randint(1, requests_per_apply)
            kill_after_requests(sandbox, start_apply(ws), kill_at)
            apply_until_converged(ws)
            assert_exactly_the_quickstart(sandbox, ws)
            shutil.rmtree(ws)


def test_unreliable_network_converges(tmp_path: Path) -> None:
    with serve_sandbox(tmp_path / "sandbox.db") as sandbox:
        sandbox.faults(error_rate=0.2, lose_response_after_commit_rate=0.2, seed=11)
        ws = make_workspace(tmp_path, sandbox.api)
        apply_until_converged(ws)
        sandbox.faults()
        assert_exactly_the_quickstart(sandbox, ws)
