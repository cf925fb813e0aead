"""A saved plan is checked against the workspace's files before anything runs."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from reconciler.addresses import Address
from reconciler.engine.run_context import RunContext, StepFailed
from reconciler.engine.workspace_files import INLINE_BYTES, changed_files, checked_bytes
from reconciler.plan.model import Action, Change, Plan, Reason, Step, StepKind


def test_changed_files_covers_uploads_and_the_images_of_a_bulk_zip(tmp_path: Path) -> None:
    for name in ("a.png", "b.png", "c.png"):
        (tmp_path / name).write_bytes(name.encode())
    sha = {n: hashlib.sha256(n.encode()).hexdigest() for n in ("a.png", "b.png", "c.png")}
    dataset = Address.parse("p/datasets/bulk")
    image = Address.parse("p/datasets/basic/images/a.png")
    zipped = [{"name": n, "path": n, "sha256": sha[n], "caption": None} for n in ("b.png", "c.png")]
    plan = Plan(
        changes=(
            Change(image, Action.CREATE, Reason.NEW, steps=(
                Step(StepKind.UPLOAD_IMAGE, image,
                     {"image_name": "a.png", "path": "a.png", "sha256": sha["a.png"]}),
            )),
            Change(dataset, Action.CREATE, Reason.NEW, steps=(
                Step(StepKind.BUILD_ZIP, dataset, {"images": zipped, "zip_name": "x.zip"}),
            )),
        )
    )
    assert changed_files(plan, tmp_path) == []
    (tmp_path / "a.png").write_bytes(b"edited")
    (tmp_path / "c.png").unlink()
    assert changed_files(plan, tmp_path) == ["a.png", "c.png"]


@pytest.mark.anyio
async def test_an_upload_reads_small_empty_and_large_files_whole_and_checked(
    tmp_path: Path,
) -> None:
    """Small files are read on the loop with no stat, a larger one in a thread: each whole,
    and each refused once its content is not what the plan saw."""
    ctx = cast(RunContext, SimpleNamespace(root=tmp_path))
    contents = {
        "small.png": b"\x89PNG small",
        "empty.png": b"",
        "edge.png": bytes(range(256)) * (INLINE_BYTES // 256),
        "large.png": bytes(range(256)) * (INLINE_BYTES // 256 * 3 + 1),
    }
    for name, data in contents.items():
        (tmp_path / name).write_bytes(data)
        sha256 = hashlib.sha256(data).hexdigest()
        assert await checked_bytes(ctx, name, sha256, name) == data
        assert await checked_bytes(ctx, name, None, name) == data
        (tmp_path / name).write_bytes(data + b"!")
        with pytest.raises(StepFailed, match="file changed since plan"):
            await checked_bytes(ctx, name, sha256, name)
