"""The sha256 cache: a second run over unchanged images opens none of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.manifest.image_cache import CACHE_FILE
from reconciler.manifest.workspace import check_workspace
from reconciler.resources import IMAGE_SUFFIXES
from tests.manifest.conftest import GOOD_MANIFEST, run_validate, write_files, write_image


def _image_opens(paths: list[str]) -> list[str]:
    return [p for p in paths if p.lower().endswith(IMAGE_SUFFIXES)]


@pytest.fixture
def many_images(tmp_path: Path) -> Path:
    write_files(tmp_path, {"acme.yaml": GOOD_MANIFEST, "images/a.txt": "a caption"})
    first = write_image(tmp_path / "images" / "a.png")
    data = first.read_bytes()
    for i in range(1, 120):
        (tmp_path / "images" / f"img-{i:03d}.png").write_bytes(data)
    return tmp_path


def test_second_run_reads_no_image_bytes(many_images: Path, opened_files: list[str]) -> None:
    first = check_workspace(many_images)
    assert not first.errors
    first_opens = _image_opens(opened_files)
    assert len(first_opens) == 120  # each image opened exactly once on the cold run
    opened_files.clear()

    second = check_workspace(many_images)

    assert not second.errors
    assert _image_opens(opened_files) == []
    assert second.workspace == first.workspace


def test_changed_image_is_read_again(many_images: Path, opened_files: list[str]) -> None:
    check_workspace(many_images)
    changed = many_images / "images" / "img-007.png"
    write_image(changed, (300, 300), color=(0, 0, 255))
    opened_files.clear()

    report = check_workspace(many_images)

    assert _image_opens(opened_files) == [str(changed)]
    assert report.workspace is not None
    image = next(
        i for i in report.workspace.projects[0].datasets[0].images if i.name == changed.name
    )
    assert (image.width, image.height) == (300, 300)


def test_corrupt_cache_is_ignored_and_rebuilt(many_images: Path) -> None:
    check_workspace(many_images)
    cache = many_images / CACHE_FILE
    cache.write_text('{"version": 1, "images": {"images/a.png": {"stamp": 3}}', encoding="utf-8")

    report = check_workspace(many_images)

    assert not report.errors and not report.warnings
    assert len(json.loads(cache.read_text(encoding="utf-8"))["images"]) == 120


def test_cache_with_wrong_values_is_not_trusted(many_images: Path) -> None:
    check_workspace(many_images)
    cache = many_images / CACHE_FILE
    payload = json.loads(cache.read_text(encoding="utf-8"))
    # "SIZE MTIME_NS INODE SHA256 WIDTH HEIGHT FORMAT"
    payload["images"]["images/a.png"] = payload["images"]["images/a.png"].replace("png", "gif")
    cache.write_text(json.dumps(payload), encoding="utf-8")

    report = check_workspace(many_images)

    assert report.workspace is not None
    assert report.workspace.projects[0].datasets[0].images[0].format == "png"


def test_unwritable_cache_is_a_warning_not_an_error(many_images: Path) -> None:
    (many_images / ".tailor").write_text("a file where the folder should be", encoding="utf-8")

    result = run_validate(many_images)

    assert result.exit_code == 0, result.output
    assert "warning: .tailor: could not write the image cache" in result.output
    assert result.output.strip().endswith("OK: 1 project, 1 dataset (120 images), 1 model")


def test_unchanged_run_leaves_the_cache_file_alone(many_images: Path) -> None:
    check_workspace(many_images)
    cache = many_images / CACHE_FILE
    cache.write_text(cache.read_text(encoding="utf-8") + " ", encoding="utf-8")  # a marker

    check_workspace(many_images)

    assert cache.read_text(encoding="utf-8").endswith(" ")


def test_removed_image_leaves_the_cache(many_images: Path) -> None:
    check_workspace(many_images)
    (many_images / "images" / "img-007.png").unlink()

    check_workspace(many_images)

    entries = json.loads((many_images / CACHE_FILE).read_text(encoding="utf-8"))["images"]
    assert len(entries) == 119 and "images/img-007.png" not in entries


@pytest.mark.parametrize(
    "entry",
    [
        {"sha256": "x"},  # not a string
        ["STAMP+SHA 256 256 png"],  # version 2's list
        "1 2 3",  # too short
        "size mtime inode SHA 256 256 png",  # a stamp of text
        "STAMP+SHA 256 256 png extra",  # too long
        "STAMP+SHA [256] 256 png",  # width not a number
        "STAMP+SHA -256 256 png",  # width negative
        "STAMP+SHA 256 256.0 png",  # height a float
        "STAMP+SHA 256 2_56 png",  # height with an underscore (int() would take it)
        "STAMP+SHA 256 256 gif",  # not a format tailor accepts
        "STAMP+abc 256 256 png",  # not a sha256
    ],
)
def test_cache_entries_of_the_wrong_shape_are_misses(many_images: Path, entry: object) -> None:
    """The cache is read lazily, entry by entry: any malformed entry is looked at afresh."""
    check_workspace(many_images)
    cache = many_images / CACHE_FILE
    payload = json.loads(cache.read_text(encoding="utf-8"))
    good = payload["images"]["images/a.png"]
    stamp, sha = " ".join(good.split(" ")[:3]) + " ", good.split(" ")[3]
    if isinstance(entry, list):
        entry = [entry[0].replace("STAMP+", stamp).replace("SHA", sha)]
    elif isinstance(entry, str):  # the file's own stamp (and sha256), with the given facts
        entry = entry.replace("STAMP+", stamp).replace("SHA", sha)
    payload["images"]["images/a.png"] = entry
    cache.write_text(json.dumps(payload), encoding="utf-8")

    report = check_workspace(many_images)

    assert not report.errors and report.workspace is not None
    image = report.workspace.projects[0].datasets[0].images[0]
    assert (image.name, image.width, image.height, image.format) == ("a.png", 256, 256, "png")
    assert json.loads(cache.read_text(encoding="utf-8"))["images"]["images/a.png"] == good
