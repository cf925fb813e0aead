"""The bulk-upload ZIP: layout Bria expects, streamed from disk."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from reconciler.client.bulkzip import BulkZipError, ZipEntry, build_bulk_zip, caption_name


def _images(tmp_path: Path, names: list[str]) -> list[Path]:
    paths = []
    for index, name in enumerate(names):
        path = tmp_path / "src" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(bytes([index]) * (1000 + index))
        paths.append(path)
    return paths


def test_images_and_captions_are_laid_out_side_by_side(tmp_path: Path) -> None:
    a, b = _images(tmp_path, ["a.png", "b.JPG"])
    target = tmp_path / "out" / "bulk.zip"
    count = build_bulk_zip(
        [ZipEntry(a, "a.png", "A photo of a fox"), ZipEntry(b, "b.JPG", "A photo of a dog")],
        target,
        require_captions=True,
    )
    assert count == 2
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == ["a.png", "a.txt", "b.JPG", "b.txt"]
        assert archive.read("a.txt").decode() == "A photo of a fox"
        assert archive.read("b.JPG") == b.read_bytes()
        assert all(info.compress_type == zipfile.ZIP_STORED for info in archive.infolist())


def test_captions_are_optional_unless_required(tmp_path: Path) -> None:
    (a,) = _images(tmp_path, ["a.webp"])
    target = tmp_path / "bulk.zip"
    build_bulk_zip([ZipEntry(a, "a.webp")], target)
    with zipfile.ZipFile(target) as archive:
        assert archive.namelist() == ["a.webp"]
    with pytest.raises(BulkZipError, match="has no caption"):
        build_bulk_zip([ZipEntry(a, "a.webp")], target, require_captions=True)
    assert not target.exists()


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["a.png", "a.jpg"], "share the name"),
        (["a.gif"], "not jpg"),
        (["dir/a.png"], "plain file name"),
    ],
)
def test_bad_entries_are_refused_and_leave_no_file(
    tmp_path: Path, names: list[str], message: str
) -> None:
    paths = _images(tmp_path, [n.replace("/", "_") for n in names])
    target = tmp_path / "bulk.zip"
    with pytest.raises(BulkZipError, match=message):
        build_bulk_zip([ZipEntry(p, n) for p, n in zip(paths, names, strict=True)], target)
    assert not target.exists()


def test_missing_file_and_empty_input_are_user_errors(tmp_path: Path) -> None:
    target = tmp_path / "bulk.zip"
    with pytest.raises(BulkZipError, match="cannot read image"):
        build_bulk_zip([ZipEntry(tmp_path / "nope.png", "nope.png")], target)
    with pytest.raises(BulkZipError, match="at least one image"):
        build_bulk_zip([], target)
    assert not target.exists()


def test_entries_are_consumed_lazily(tmp_path: Path) -> None:
    """A generator is read one entry at a time: the dataset never sits in a list."""
    paths = _images(tmp_path, [f"i{n}.png" for n in range(5)])
    consumed: list[str] = []

    def entries():  # type: ignore[no-untyped-def]
        for path in paths:
            consumed.append(path.name)
            yield ZipEntry(path, path.name)

    assert build_bulk_zip(entries(), tmp_path / "bulk.zip") == 5
    assert consumed == [p.name for p in paths]


def test_caption_name() -> None:
    assert caption_name("fox-01.png") == "fox-01.txt"
    assert caption_name("a.b.jpeg") == "a.b.txt"
