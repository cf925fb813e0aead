"""Apply survives SIGKILL at any point and an unreliable network: a rerun converges with
exactly the declared objects at Bria, each recorded once in the state."""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

from reconciler.addresses import Kind
from reconciler.cli.main import cli
from reconciler.state.factory import open_store
from reconciler.state.model import Intent
from tests.e2e.conftest import (
    EXPECTED_IMAGES,
    TOKEN,
    Sandbox,
    assert_no_token,
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


def pending_intents(ws: Path) -> int:
    return len(pending(ws))


def pending(ws: Path) -> tuple[Intent, ...]:
    path = ws / ".tailor" / "state.db"
    if not path.exists():
        return ()
    store = open_store(".tailor/state.db", workspace=ws)
    try:
        return store.pending_intents()
    finally:
        store.close()


def apply_until_converged(ws: Path, attempts: int = 3) -> None:
    """Reruns until an apply succeeds (faults may fail one), then proves nothing is left."""
    for _ in range(attempts):
        result = tailor_here("apply", str(ws), "--auto-approve")
        if result.exit_code == 0:
            break
    assert result.exit_code == 0, result.output
    again = tailor_here("apply", str(ws), "--auto-approve")
    assert again.exit_code == 0 and "No changes" in again.output, again.output


def start_apply(ws: Path) -> int:
    """`tailor apply` in a forked child of this interpreter (the CLI is imported before the
    fork): a real process to SIGKILL, without a new interpreter's start-up per seed."""
    pid = os.fork()
    if pid == 0:  # the child: run the CLI, never return into pytest
        code = 1
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            os.chdir(ws)
            os.environ.update(tailor_env())
            cli.main(["apply", "--auto-approve", "."], standalone_mode=False)
            code = 0
        finally:
            os._exit(code)
    return pid


def kill_while_held(sandbox: Sandbox, pid: int, count: int) -> None:
    """SIGKILL once the sandbox holds request `count` unanswered (`hold_from_request`): the
    kill lands between that request and its answer however slowly this machine runs."""
    deadline = time.monotonic() + 60.0
    while sandbox.stats()["total"] < count:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return  # finished before the chosen request: nothing left to kill
        assert time.monotonic() < deadline, f"request {count} never came"
        time.sleep(0.003)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def kill_apply_at_request(sandbox: Sandbox, ws: Path, count: int) -> None:
    """Run `tailor apply` in `ws` and SIGKILL it while Bria holds its request `count`: the
    requests from `count` on were sent, none acted on. Then Bria acts on them (their client
    gone) before this returns, as it would on requests a dying client had sent."""
    sandbox.control("POST", "stats/reset")
    sandbox.faults(hold_from_request=count)
    kill_while_held(sandbox, start_apply(ws), count)
    sandbox.faults()


def test_sigkill_at_random_points_then_rerun_converges(tmp_path: Path) -> None:
    with serve_sandbox(tmp_path / "sandbox.db") as sandbox:
        baseline = make_workspace(tmp_path, sandbox.api, "baseline")
        sandbox.control("POST", "stats/reset")
        assert tailor("apply", "--auto-approve", ".", cwd=baseline).returncode == 0
        requests_per_apply = sandbox.stats()["total"]
        assert requests_per_apply > 10
        rng = random.Random(7)
        interrupted = 0
        for seed in range(CRASH_SEEDS):
            sandbox.control("POST", "reset")
            ws = make_workspace(tmp_path, sandbox.api, f"crash-{seed}")
            kill_apply_at_request(sandbox, ws, rng.randint(1, requests_per_apply))
            interrupted += bool(pending_intents(ws))
            apply_until_converged(ws)
            assert_exactly_the_quickstart(sandbox, ws)
            shutil.rmtree(ws)
        assert interrupted > 0, "no kill landed between a create and its record"


@pytest.mark.parametrize(
    "faults",
    [
        {"error_rate": 0.2, "lose_response_after_commit_rate": 0.2, "seed": 11},
        {"drop_connection_rate": 0.15, "rate_limit_rate": 0.15, "retry_after_s": 0,
         "lose_response_after_commit_rate": 0.1, "seed": 5},
    ],
    ids=["503-and-lost-answers", "drops-429-lost-answers"],
)
def test_unreliable_network_converges(tmp_path: Path, faults: dict[str, object]) -> None:
    with serve_sandbox(tmp_path / "sandbox.db") as sandbox:
        sandbox.faults(**faults)
        ws = make_workspace(tmp_path, sandbox.api)
        apply_until_converged(ws)
        sandbox.faults()
        assert_exactly_the_quickstart(sandbox, ws)


BULK_ROUTE = "POST /v1/tailored-gen/datasets/{dataset_id}/images/bulk-upload"


def advanced_workspace(tmp_path: Path, api: str) -> Path:
    """One advanced dataset of three 1024 px images, completed, no model."""
    from PIL import Image

    root = tmp_path / "advanced"
    (root / "images").mkdir(parents=True)
    for index in range(3):
        Image.new("RGB", (1024, 1024), (40 * index, 90, 200)).save(
            root / "images" / f"shot-{index}.png"
        )
    (root / "tailor.yaml").write_text(f"api: {api}\nstate: .tailor/state.db\n")
    (root / "shots.yaml").write_text(
        "project: shots\nip:\n  type: stylized_scene\n  medium: photography\n"
        "datasets:\n  v1:\n    upload: advanced\n    images: [images/*.png]\n"
        "    completed: true\n"
    )
    return root


def bulk_status(sandbox: Sandbox) -> str | None:
    """The bulk upload's status at Bria; None while it has none. The request is counted on
    arrival, but one whose sender dies before the answer may never have been taken on."""
    if sandbox.stats()["requests"].get(BULK_ROUTE, 0) == 0:
        return None
    dataset = sandbox.bria("/tailored-gen/datasets")[0]["id"]
    url = f"{sandbox.api}/tailored-gen/datasets/{dataset}/images/bulk-upload/status"
    answer = httpx.get(url, headers={"api_token": TOKEN}, timeout=10)
    return str(answer.json()["status"]) if answer.status_code == 200 else None


def test_sigkill_after_the_bulk_upload_request_then_rerun_adopts_it(tmp_path: Path) -> None:
    """BULK-ONCE-ONLY: the rerun finds the upload Bria accepted and records its images
    instead of rebuilding the dataset, and deletes the ZIP the killed run left staged."""
    with serve_sandbox(tmp_path / "sandbox.db") as sandbox:
        ws = advanced_workspace(tmp_path, sandbox.api)
        pid = start_apply(ws)
        deadline = time.monotonic() + 30.0
        while bulk_status(sandbox) is None:
            assert time.monotonic() < deadline and os.waitpid(pid, os.WNOHANG) == (0, 0)
            time.sleep(0.003)
        os.kill(pid, signal.SIGKILL)  # the upload takes >= 1 s: most likely still running
        os.waitpid(pid, 0)
        left = {i.operation: i for i in pending(ws)}
        assert sorted(left) == ["bulk_upload", "stage"]
        assert_no_token(ws, [])  # the journal of the upload and the staged ZIP
        key = str(left["stage"].details["key"])
        zip_url = f"{sandbox.origin}/_sandbox/files/{key}"
        assert httpx.get(zip_url, timeout=10).status_code == 200

        result = tailor_here("apply", str(ws), "--auto-approve")
        assert result.exit_code == 0, result.output
        assert "recorded its 3 image(s) by name" in result.output, result.output
        assert "shots/datasets/v1: bulk upload " in result.output  # the wait is shown
        assert "0 to create, 1 to update, 0 to replace, 0 to delete" in result.output
        assert httpx.get(zip_url, timeout=10).status_code == 404
        assert sandbox.stats()["requests"][BULK_ROUTE] == 1
        live = sandbox.inventory()
        assert [d["status"] for d in live["datasets"]] == ["completed"]
        images = live["images"][live["datasets"][0]["id"]]
        assert sorted(i["image_name"] for i in images) == [f"shot-{i}.png" for i in range(3)]
        assert pending(ws) == ()
        again = tailor_here("apply", str(ws), "--auto-approve")
        assert again.exit_code == 0 and "No changes" in again.output, again.output
        assert_no_token(ws, [result.output, again.output])


def test_sigkill_at_random_points_of_an_advanced_upload_then_rerun_converges(
    tmp_path: Path,
) -> None:
    """Staging, the bulk upload and its wait, journaled: wherever the kill lands, the rerun
    ends with the dataset the killed run made (never a rebuild) holding the three images, and
    no ZIP left staged."""
    with serve_sandbox(tmp_path / "sandbox.db") as sandbox:
        baseline = advanced_workspace(tmp_path / "baseline", sandbox.api)
        sandbox.control("POST", "stats/reset")
        assert tailor_here("apply", str(baseline), "--auto-approve").exit_code == 0
        requests_per_apply = sandbox.stats()["total"]
        rng = random.Random(3)
        mid_upload = 0
        for seed in range(8):
            sandbox.control("POST", "reset")
            ws = advanced_workspace(tmp_path / f"crash-{seed}", sandbox.api)
            kill_apply_at_request(sandbox, ws, rng.randint(1, requests_per_apply))
            staged = [i.details["key"] for i in pending(ws) if i.operation == "stage"]
            mid_upload += bool(staged)
            made = [d["id"] for d in sandbox.bria("/tailored-gen/datasets")]
            apply_until_converged(ws)
            live = sandbox.inventory()
            assert [d["status"] for d in live["datasets"]] == ["completed"], seed
            kept = live["datasets"][0]["id"]
            assert made in ([], [kept]), (seed, made, kept)  # no second dataset, no rebuild
            images = live["images"][kept]
            assert sorted(i["image_name"] for i in images) == [f"shot-{i}.png" for i in range(3)]
            assert pending(ws) == ()
            for key in staged:
                url = f"{sandbox.origin}/_sandbox/files/{key}"
                assert httpx.get(url, timeout=10).status_code == 404, (seed, key)
            shutil.rmtree(ws)
        assert mid_upload > 0, "no kill landed between staging the ZIP and deleting it"
