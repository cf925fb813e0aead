"""Hashing sized to the work: small files in the calling thread, large ones on threads."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from reconciler.manifest.images import THREADED_HASH_BYTES, hashing_threads
from reconciler.manifest.workspace import check_workspace
from tests.manifest.conftest import GOOD_MANIFEST, write_files, write_image

_threads_of_opens: dict[str, int] | None = None


def _audit(event: str, args: tuple[object, ...]) -> None:
    path = args[0] if event == "open" and args else None
    if _threads_of_opens is not None and isinstance(path, str) and path.endswith(".png"):
        _threads_of_opens[os.path.basename(path)] = threading.get_ident()


sys.addaudithook(_audit)  # audit hooks cannot be removed; it records only while a test asks


def _opening_threads(root: Path) -> dict[str, int]:
    global _threads_of_opens
    _threads_of_opens = {}
    try:
        report = check_workspace(root)
        assert not report.errors, report.errors
        return _threads_of_opens
    finally:
        _threads_of_opens = None


@pytest.mark.parametrize(
    ("sizes", "cores", "expected"),
    [
        ([], 2, 0),
        ([1_319] * 5_000, 2, 0),  # small files: one thread, whatever their number
        ([THREADED_HASH_BYTES * 4], 2, 0),  # one large file: no pool for it
        ([THREADED_HASH_BYTES] * 3 + [1_000] * 50, 2, 2),  # at most the cores
        ([THREADED_HASH_BYTES] * 3, 16, 3),  # at most one per large file
        ([THREADED_HASH_BYTES] * 50, 16, 8),  # at most 8
    ],
)
def test_threads_follow_the_large_files_and_the_cores(
    sizes: list[int], cores: int, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert hashing_threads(sizes) == expected


def test_small_files_are_inspected_in_the_calling_thread(tmp_path: Path) -> None:
    write_files(tmp_path, {"acme.yaml": GOOD_MANIFEST})
    for i in range(40):
        write_image(tmp_path / "images" / f"img-{i:02d}.png", color=(i, 0, 0))

    threads = _opening_threads(tmp_path)

    assert len(threads) == 40
    assert set(threads.values()) == {threading.get_ident()}


def test_large_files_are_hashed_on_threads_and_small_ones_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    write_files(tmp_path, {"acme.yaml": GOOD_MANIFEST})
    (tmp_path / "images").mkdir()
    for i in range(3):  # noise does not compress: each PNG is well over a MiB
        noise = Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3))
        noise.save(tmp_path / "images" / f"large-{i}.png", compress_level=0)
    write_image(tmp_path / "images" / "small.png")

    threads = _opening_threads(tmp_path)

    here = threading.get_ident()
    assert threads["small.png"] == here
    assert all(threads[f"large-{i}.png"] != here for i in range(3))
    report = check_workspace(tmp_path)  # cached now: the same facts
    assert report.workspace is not None
    images = {i.name: i for i in report.workspace.projects[0].datasets[0].images}
    for name, image in images.items():
        data = (tmp_path / "images" / name).read_bytes()
        assert image.sha256 == hashlib.sha256(data).hexdigest()
        assert (image.size_bytes >= THREADED_HASH_BYTES) == name.startswith("large")
