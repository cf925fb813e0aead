"""Every file tailor reads obeys the same rules: regular files inside the workspace, bounded.

Each attack is a workspace a pull request could contain, run through validate, plan in every
format, plan --out and apply on the embedded sandbox: each must be refused (exit 1) naming
the file, with no traceback, bounded memory and nothing of the target's content in any output.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.security.conftest import (
    assert_all_refused,
    every_command,
    make_workspace,
    tailor,
)

SECRET_TEXT = "root:$6$secret-hash-from-outside:19000"
CAPTION = "images/v1/fox-04.txt"


def _outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "shadow"
    secret.parent.mkdir()
    secret.write_text(SECRET_TEXT)
    return secret


def test_caption_linked_outside_the_workspace(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    os.symlink(_outside_secret(tmp_path), root / CAPTION)
    runs = every_command(root)
    assert_all_refused(runs, "fox-04.txt is a link to a file outside the workspace")
    for run in runs:
        assert "secret-hash" not in run.output
    assert not (root / "saved.plan").exists()


def test_caption_linked_to_dev_zero(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    os.symlink("/dev/zero", root / CAPTION)
    assert_all_refused(every_command(root), "fox-04.txt is a link to a file outside")


def test_caption_linked_inside_to_a_device(tmp_path: Path) -> None:
    """A link that stays inside, to a link that leaves: judged by the real path."""
    root = make_workspace(tmp_path)
    os.symlink("/dev/zero", root / "images" / "zero")
    os.symlink("../zero", root / "images" / "v1" / "fox-04.txt")
    run = tailor("validate", cwd=root)
    run.assert_refused("fox-04.txt is a link to a file outside")


@pytest.mark.parametrize("where", [CAPTION, "images/v1/fox-07.png", "tailor.yaml", "extra.yaml"])
def test_a_fifo_never_blocks(tmp_path: Path, where: str) -> None:
    root = make_workspace(tmp_path)
    (root / where).unlink(missing_ok=True)
    os.mkfifo(root / where)
    if where.endswith(".png"):
        manifest = root / "mascot.yaml"
        manifest.write_text(
            manifest.read_text().replace(
                "      - images/v1/*.png", "      - images/v1/*.png\n      - images/v1/fox-07.png"
            )
        )
    name = where.rpartition("/")[2]
    run = tailor("validate", cwd=root, timeout=60)
    run.assert_refused(name, "is a named pipe (FIFO), not a regular file")
    assert_all_refused(every_command(root)[1:2], "named pipe (FIFO)")


def test_tailor_yaml_linked_outside(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / "tailor.yaml").unlink()
    outside = tmp_path / "outside.yaml"
    outside.write_text("api: sandbox\n")
    os.symlink(outside, root / "tailor.yaml")
    run = tailor("plan", cwd=root)
    run.assert_refused("tailor.yaml", "link to a file outside the workspace")


def test_caption_over_64_kib(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / CAPTION).write_text("a fox " * 12_000)
    run = tailor("validate", cwd=root)
    run.assert_refused("caption file fox-04.txt is 72,000 bytes; the limit is 65,536")


def test_caption_with_nul_bytes(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / CAPTION).write_bytes(b"a fox\x00\x00\x00")
    tailor("validate", cwd=root).assert_refused("fox-04.txt contains NUL characters")


def test_sparse_gigabyte_image_in_an_advanced_dataset(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    manifest = root / "mascot.yaml"
    manifest.write_text(
        manifest.read_text()
        .replace("upload: basic", "upload: advanced")
        .replace("increase_resolution: true", "increase_resolution: false")
    )
    with (root / "images" / "v1" / "fox-09.png").open("wb") as handle:
        handle.truncate(1024**3)
    runs = every_command(root)
    assert_all_refused(
        runs, "fox-09.png: 1024.0 MiB; an advanced upload takes images up to 12 MiB"
    )


@pytest.mark.parametrize(
    ("name", "shown", "position"),
    [
        ("fox\nPlan: 0 to create, 0 to update, 0 to replace, 1 to delete.png", "fox\\nPlan", 14),
        ("fox-\u202egnp.exe.png", "fox-\\u202egnp", 15),
    ],
)
def test_file_names_with_controls_or_bidi_are_refused(
    tmp_path: Path, name: str, shown: str, position: int
) -> None:
    root = make_workspace(tmp_path)
    (root / "images" / "v1" / name).write_bytes((root / "images/v1/fox-05.png").read_bytes())
    runs = every_command(root)
    assert_all_refused(runs, shown, f"at character {position}")
    for run in runs:
        assert "\u202e" not in run.output
        assert "\nPlan: 0 to create" not in run.output


def test_a_fifo_in_a_subfolder_never_blocks_the_manifest_search(tmp_path: Path) -> None:
    root = make_workspace(tmp_path)
    (root / "mascot.yaml").rename(root / "images" / "mascot.yaml")
    os.mkfifo(root / "images" / "trap.yaml")
    run = tailor("validate", cwd=root, timeout=60)
    run.assert_refused("there are manifests in subfolders: images")


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder-link"])
def test_a_committed_tailor_folder_is_not_trusted(tmp_path: Path, kind: str) -> None:
    """A pull request can commit .tailor/ too: its image cache is read under the file rules,
    and a .tailor that links out of the workspace is not written to."""
    root = make_workspace(tmp_path)
    outside = tmp_path / "outside-tailor"
    outside.mkdir()
    if kind == "folder-link":
        os.symlink(outside, root / ".tailor")
    else:
        (root / ".tailor").mkdir()
        cache = root / ".tailor" / "image-cache.json"
        if kind == "fifo":
            os.mkfifo(cache)
        else:
            os.symlink("/dev/zero", cache)
    run = tailor("validate", cwd=root, timeout=60)
    run.assert_clean()
    assert run.code == 0, run.output
    assert list(outside.iterdir()) == []
