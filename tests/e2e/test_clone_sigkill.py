"""A dataset version made by clone survives SIGKILL anywhere in its apply: the rerun adopts a
clone Bria made (never clones twice) and ends with exactly the declared images, each id in
the state, as a rebuild would."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from PIL import Image

from reconciler.addresses import Address, Kind
from reconciler.state.factory import open_store
from tests.e2e.conftest import Sandbox, serve_sandbox, tailor_here
from tests.e2e.test_reliability import (
    apply_until_converged,
    kill_apply_at_request,
    pending,
    start_apply,
)

pytestmark = [pytest.mark.slow, pytest.mark.socket]

CLONE = "POST /v1/tailored-gen/datasets/{dataset_id}/clone"
IMAGES = 6


def workspace(root: Path, api: str) -> Path:
    """One completed basic dataset of six images, two with sidecar captions; no model."""
    folder = root / "images"
    folder.mkdir(parents=True)
    for index in range(IMAGES):
        Image.new("RGB", (256, 256), (40 * index, 90, 200)).save(folder / f"pose-{index}.png")
    for index in range(2):
        (folder / f"pose-{index}.txt").write_text(f"Foxy, pose {index}\n")
    (root / "tailor.yaml").write_text(f"api: {api}\nstate: .tailor/state.db\nparallelism: 4\n")
    (root / "foxy.yaml").write_text(
        "project: foxy\nip:\n  type: stylized_scene\n  medium: illustration\n"
        "datasets:\n  v1:\n    images: [images/*.png]\n    completed: true\n"
    )
    return root


def new_version(root: Path) -> None:
    """One caption changed, one image removed, one added."""
    (root / "images" / "pose-0.txt").write_text("Foxy, redrawn\n")
    (root / "images" / "pose-5.png").unlink()
    Image.new("RGB", (256, 256), (1, 2, 3)).save(root / "images" / "pose-9.png")


def assert_exactly_declared(sandbox: Sandbox, ws: Path) -> None:
    datasets = sandbox.bria("/tailored-gen/datasets")
    assert [d["status"] for d in datasets] == ["completed"]
    live = sandbox.bria(f"/tailored-gen/datasets/{datasets[0]['id']}/images")
    assert sorted(i["image_name"] for i in live) == [
        "pose-0.png", "pose-1.png", "pose-2.png", "pose-3.png", "pose-4.png", "pose-9.png"
    ]
    assert {i["image_name"]: i["caption"] for i in live}["pose-0.png"] == "Foxy, redrawn"
    store = open_store(".tailor/state.db", workspace=ws)
    try:
        document = store.read()
    finally:
        store.close()
    assert document.intents == ()
    assert document.require("foxy/datasets/v1").remote_id == datasets[0]["id"]
    assert all(not e.deposed for e in document.resources.values())
    recorded = {
        Address.parse(e.address).key: e.remote_id
        for e in document.resources.values()
        if e.kind is Kind.IMAGE
    }
    assert recorded == {i["image_name"]: i["id"] for i in live}


def test_sigkill_anywhere_in_a_clone_apply_then_rerun_converges(tmp_path: Path) -> None:
    with serve_sandbox(tmp_path / "sandbox.db") as sandbox:
        baseline = workspace(tmp_path / "baseline", sandbox.api)
        assert tailor_here("apply", str(baseline), "--auto-approve").exit_code == 0
        new_version(baseline)
        sandbox.control("POST", "stats/reset")
        result = tailor_here("apply", str(baseline), "--auto-approve")
        assert result.exit_code == 0 and "built by clone" in result.output, result.output
        requests = sandbox.stats()["total"]
        assert requests <= 10
        clone_pending = 0
        for kill_at in range(1, requests + 1):
            sandbox.control("POST", "reset")
            ws = workspace(tmp_path / f"crash-{kill_at}", sandbox.api)
            assert tailor_here("apply", str(ws), "--auto-approve").exit_code == 0
            new_version(ws)
            kill_apply_at_request(sandbox, ws, kill_at)
            clone_pending += any(i.operation == "clone" for i in pending(ws))
            apply_until_converged(ws)
            # One dataset at Bria: a clone the killed run made was adopted, not made again
            # (a clone request cut off before Bria acted is counted but made nothing).
            assert_exactly_declared(sandbox, ws)
        assert clone_pending > 0, "no kill landed between a clone and its record"


def test_sigkill_after_bria_made_the_clone_then_rerun_adopts_it(tmp_path: Path) -> None:
    """The clone's answer is held back (latency): the kill lands after Bria committed it, and
    the rerun's recovery adopts it with its copied images instead of cloning again."""
    with serve_sandbox(tmp_path / "sandbox.db") as sandbox:
        ws = workspace(tmp_path / "ws", sandbox.api)
        assert tailor_here("apply", str(ws), "--auto-approve").exit_code == 0
        new_version(ws)
        sandbox.control("POST", "stats/reset")
        sandbox.faults(lose_response_after_commit_rate=1.0, latency_ms=300)
        pid = start_apply(ws)
        deadline = time.monotonic() + 30.0
        while sandbox.stats()["requests"].get(CLONE, 0) == 0:
            assert time.monotonic() < deadline and os.waitpid(pid, os.WNOHANG) == (0, 0)
            time.sleep(0.005)
        sent = sandbox.stats()["total"]
        while sandbox.stats()["total"] == sent:  # the client asks after the lost answer:
            assert time.monotonic() < deadline  # Bria has made the clone by then
            time.sleep(0.005)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert [i.operation for i in pending(ws)] == ["clone"]
        sandbox.faults()
        result = tailor_here("apply", str(ws), "--auto-approve")
        assert result.exit_code == 0, result.output
        assert "an interrupted clone had succeeded" in result.output, result.output
        assert sandbox.stats()["requests"][CLONE] == 1
        assert_exactly_declared(sandbox, ws)
        again = tailor_here("apply", str(ws), "--auto-approve")
        assert again.exit_code == 0 and "No changes" in again.output, again.output
