"""The quickstart end to end: apply, converge, replace on changed content, clean up, destroy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    EXPECTED_IMAGES,
    Sandbox,
    assert_no_token,
    change_image,
    make_workspace,
    tailor,
)

pytestmark = [pytest.mark.slow, pytest.mark.socket]


def ok(result: subprocess.CompletedProcess[str], code: int = 0) -> subprocess.CompletedProcess[str]:
    assert result.returncode == code, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def test_quickstart_over_a_socket(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    runs: list[subprocess.CompletedProcess[str]] = []

    def run(*args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        result = ok(tailor(*args, cwd=ws), code)
        runs.append(result)
        return result

    first = run("apply", "--auto-approve", ".")
    head = first.stdout.splitlines()[0]
    assert sandbox.api in head and "state" in head
    run("plan", "--detailed-exitcode", ".")
    live = sandbox.inventory()
    assert len(live["projects"]) == 1
    assert [d["status"] for d in live["datasets"]] == ["completed"]
    assert len(live["images"][live["datasets"][0]["id"]]) == EXPECTED_IMAGES
    assert [m["status"] for m in live["models"]] == ["InProgress"]
    first_model = live["models"][0]["id"]
    assert f"acme-mascot/models/light = {first_model}" in first.stdout

    change_image(ws / "images" / "v1" / "fox-04.png")
    shown = json.loads(run("plan", "--detailed-exitcode", "--format", "json", ".", code=2).stdout)
    actions = {c["address"]: c["action"] for c in shown["changes"]}
    assert actions["acme-mascot/datasets/v1"] == "replace"
    assert actions["acme-mascot/models/light"] == "replace"

    run("apply", "--auto-approve", ".")
    run("plan", "--detailed-exitcode", ".")
    live = sandbox.inventory()
    assert len(live["datasets"]) == 2, "the old dataset stays while its model trains"
    assert len(live["models"]) == 2, "the old model keeps serving until the new one trained"

    sandbox.advance(7200)
    run("plan", "--detailed-exitcode", ".", code=2)
    run("apply", "--auto-approve", ".")
    run("plan", "--detailed-exitcode", ".")
    live = sandbox.inventory()
    assert len(live["datasets"]) == 1
    assert [m["status"] for m in live["models"]] == ["Completed"]
    new_model = live["models"][0]["id"]
    assert new_model != first_model
    assert len(live["images"][live["datasets"][0]["id"]]) == EXPECTED_IMAGES
    outputs = json.loads(run("output", "--json", ".").stdout)
    assert str(new_model) in json.dumps(outputs)

    run("destroy", "--auto-approve", ".")
    live = sandbox.inventory()
    assert live["projects"] == [] and live["datasets"] == [] and live["models"] == []
    run("plan", "--detailed-exitcode", ".", code=2)
    assert_no_token(ws, [r.stdout + r.stderr for r in runs])


def test_quickstart_in_process(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, "sandbox")
    applied = ok(tailor("apply", str(ws), "--auto-approve", cwd=tmp_path))
    assert "embedded sandbox" in applied.stdout.splitlines()[0]
    ok(tailor("plan", str(ws), "--detailed-exitcode", cwd=tmp_path))
    again = ok(tailor("apply", str(ws), "--auto-approve", cwd=tmp_path))
    assert "No changes" in again.stdout


def test_apply_without_a_terminal_refuses(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    refused = ok(tailor("apply", ".", cwd=ws), 1)
    assert "--auto-approve" in refused.stderr
    writes = {k: v for k, v in sandbox.stats()["requests"].items() if not k.startswith("GET")}
    assert writes == {}
    assert sandbox.inventory()["projects"] == []


def test_destroy_honours_prevent_destroy(sandbox: Sandbox, tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, sandbox.api)
    manifest = ws / "mascot.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "    description: fast generation for social posts\n",
            "    description: fast generation for social posts\n"
            "    lifecycle:\n      prevent_destroy: true\n",
        )
    )
    ok(tailor("apply", "--auto-approve", ".", cwd=ws))
    refused = ok(tailor("destroy", "--auto-approve", ".", cwd=ws), 1)
    assert "prevent_destroy" in refused.stdout + refused.stderr
    assert len(sandbox.inventory()["models"]) == 1
