"""The API dies mid-apply (the sandbox process is killed): apply stops in bounded time with a
report of what was done and what was not, and a rerun against the API back on the same data
converges without duplicates."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from PIL import Image

from tests.conftest import free_port
from tests.e2e.conftest import serve_sandbox, tailor, tailor_env

pytestmark = [pytest.mark.slow, pytest.mark.socket]

IMAGES = 60


def sixty_images(root: Path, api: str) -> Path:
    """One project, one draft dataset of 60 captioned images (no waits for Bria's captions)."""
    folder = root / "images"
    folder.mkdir(parents=True)
    for index in range(IMAGES):
        shade = (index * 37 % 256, index * 91 % 256, index * 53 % 256)
        Image.new("RGB", (256, 256), shade).save(folder / f"img-{index:02d}.png")
        (folder / f"img-{index:02d}.txt").write_text(f"a fox, picture {index}")
    manifest = {
        "project": "gone",
        "ip": {"type": "stylized_scene", "medium": "illustration"},
        "datasets": {"v1": {"images": ["images/*.png"], "completed": False}},
    }
    (root / "gone.yaml").write_text(yaml.safe_dump(manifest))
    (root / "tailor.yaml").write_text(f"api: {api}\nstate: .tailor/state.db\nparallelism: 8\n")
    return root


def test_apply_stops_soon_when_the_api_dies_and_a_rerun_converges(tmp_path: Path) -> None:
    db, port = tmp_path / "sandbox.db", free_port()
    ws = tmp_path / "ws"
    with serve_sandbox(db, port=port) as sandbox:
        sixty_images(ws, sandbox.api)
        sandbox.faults(latency_ms=300)
        apply = subprocess.Popen(
            [sys.executable, "-m", "reconciler.cli", "apply", "--auto-approve", str(ws)],
            env=tailor_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60.0
        while sandbox.stats()["total"] < 12 and time.monotonic() < deadline:
            assert apply.poll() is None, apply.communicate()
            time.sleep(0.05)
        sandbox.process.kill()  # the API is gone, mid-upload
        sandbox.process.wait(timeout=10)
        gone_at = time.monotonic()
        out, err = apply.communicate(timeout=120)
        stopped_after = time.monotonic() - gone_at
    text = out + err
    assert apply.returncode == 1, text
    # Connections refused in a row for GONE_AFTER_SECONDS (3 s) end every retry at once
    # (each node spending its own retries took ~18 s); the breaker then sees 3 nodes fail.
    assert stopped_after < 12, f"apply took {stopped_after:.1f} s to stop"
    assert "Traceback" not in text
    assert "\\n" not in text, "the report's lines are not escaped into one"
    assert "#" not in text.replace("# ", ""), "no internal step ids (…#finalize)"
    assert f"Bria's API at http://127.0.0.1:{port}/v1 did not answer" in text
    assert "done and recorded" in err and "not started" in err
    assert "run `tailor apply` again to finish" in err

    with serve_sandbox(db, port=port) as sandbox:
        again = tailor("apply", "--auto-approve", str(ws), cwd=tmp_path)
        assert again.returncode == 0, again.stdout + again.stderr
        last = tailor("apply", "--auto-approve", str(ws), cwd=tmp_path)
        assert last.returncode == 0 and "No changes" in last.stdout, last.stdout
        inventory = sandbox.inventory()
        assert len(inventory["projects"]) == 1 and len(inventory["datasets"]) == 1
        (images,) = inventory["images"].values()
        names = sorted(image["image_name"] for image in images)
        assert names == [f"img-{index:02d}.png" for index in range(IMAGES)], "no duplicates"
