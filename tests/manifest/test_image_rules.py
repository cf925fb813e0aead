"""Image selection and inspection details not covered by the one-mistake corpus."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from reconciler.manifest.images import WHOLE_READ_BYTES, FileStamp, ImageProblem, inspect_image
from reconciler.manifest.workspace import check_workspace, load_workspace
from tests.manifest.conftest import GOOD_MANIFEST, run_validate, write_files, write_image


def _images(root: Path) -> dict[str, tuple[str | None, str | None, str]]:
    dataset = load_workspace(root).projects[0].datasets[0]
    return {i.name: (i.caption, i.caption_origin, i.format) for i in dataset.images}


def test_format_is_judged_by_content_not_extension(good_workspace: Path) -> None:
    write_image(good_workspace / "images" / "c.png", fmt="JPEG")
    assert _images(good_workspace)["c.png"][2] == "jpeg"


def test_explicit_entry_for_a_globbed_file_sets_its_caption(good_workspace: Path) -> None:
    manifest = GOOD_MANIFEST.replace(
        "      - images/*.png\n",
        "      - images/*.png\n      - {path: images/b.png, caption: Bee}\n",
    )
    write_files(good_workspace, {"acme.yaml": manifest, "images/b.txt": "sidecar loses"})
    assert _images(good_workspace) == {
        "a.png": (None, None, "png"),
        "b.png": ("Bee", "explicit", "png"),
    }


def test_two_explicit_captions_for_one_file(good_workspace: Path) -> None:
    manifest = GOOD_MANIFEST.replace(
        "      - images/*.png\n",
        "      - {path: images/a.png, caption: One}\n      - {path: images/a.png, caption: Two}\n",
    )
    write_files(good_workspace, {"acme.yaml": manifest})
    result = run_validate(good_workspace)
    assert result.exit_code == 1
    assert "acme.yaml:11:9: datasets.v1: images/a.png has two captions" in result.output


def test_glob_skips_sidecars_and_other_files(good_workspace: Path) -> None:
    manifest = GOOD_MANIFEST.replace("images/*.png", "images/**/*")
    write_files(good_workspace, {"acme.yaml": manifest, "images/a.txt": "A", "images/x.md": "#"})
    write_image(good_workspace / "images" / "deep" / "d.webp", fmt="WEBP")
    assert _images(good_workspace) == {
        "a.png": ("A", "sidecar", "png"),
        "b.png": (None, None, "png"),
        "d.webp": (None, None, "webp"),
    }


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("images/*.png", {"a.png", "b.png"}),
        ("images/.*.png", {".hidden.png"}),
        ("images/[ab].png", {"a.png", "b.png"}),
        ("images/?.png", {"a.png", "b.png"}),
        ("images/*/*.png", {"c.png"}),
    ],
)
def test_wildcards_match_as_glob_does(
    good_workspace: Path, pattern: str, expected: set[str]
) -> None:
    """The last part is matched from the folder's listing: a leading dot still needs a dot,
    as with glob."""
    write_image(good_workspace / "images" / ".hidden.png")
    write_image(good_workspace / "images" / "sub" / "c.png")
    write_files(good_workspace, {"acme.yaml": GOOD_MANIFEST.replace("images/*.png", pattern)})
    assert set(_images(good_workspace)) == expected


def test_folder_named_as_an_image(good_workspace: Path) -> None:
    write_files(good_workspace, {"acme.yaml": GOOD_MANIFEST.replace("images/*.png", "images")})
    result = run_validate(good_workspace)
    assert "acme.yaml:10:9: datasets.v1.images[0]: 'images' is a folder" in result.output
    assert "hint: use a glob such as 'images/*.png'" in result.output


def test_symlink_inside_the_workspace_is_fine(good_workspace: Path) -> None:
    (good_workspace / "images" / "c.png").symlink_to(good_workspace / "images" / "a.png")
    assert set(_images(good_workspace)) == {"a.png", "b.png", "c.png"}


@pytest.mark.parametrize("pattern", ["linked/*.png", "linked/[ab].png", "./linked/*.png"])
def test_a_globbed_folder_that_links_outside_is_refused(good_workspace: Path, pattern: str) -> None:
    """The folder's own link is judged once for all its files; each file's name stays."""
    outside = good_workspace.parent / f"{good_workspace.name}-elsewhere"
    write_image(outside / "a.png")
    write_image(outside / "b.png")
    (good_workspace / "linked").symlink_to(outside, target_is_directory=True)
    write_files(good_workspace, {"acme.yaml": GOOD_MANIFEST.replace("images/*.png", pattern)})
    result = run_validate(good_workspace)
    assert result.exit_code == 1
    assert "'linked/a.png' is a link to a file outside the workspace" in result.output


def test_links_in_a_globbed_folder_are_judged_one_by_one(good_workspace: Path) -> None:
    """A link to a file inside passes; the first (in name order) leaving the workspace is
    named."""
    outside = good_workspace.parent / f"{good_workspace.name}-outside"
    write_image(outside / "secret.png")
    images = good_workspace / "images"
    (images / "c.png").symlink_to(images / "a.png")
    (images / "d.png").symlink_to(outside / "secret.png")
    (images / "e.png").symlink_to(outside / "secret.png")
    result = run_validate(good_workspace)
    assert result.exit_code == 1
    assert "'images/d.png' is a link to a file outside the workspace" in result.output
    assert "images/e.png" not in result.output


def test_truncated_webp(tmp_path: Path) -> None:
    data = write_image(tmp_path / "x.webp", (300, 300), fmt="WEBP").read_bytes()
    cut = tmp_path / "cut.webp"
    cut.write_bytes(data[: len(data) - 10])
    with pytest.raises(ImageProblem, match="truncated"):
        inspect_image(cut, FileStamp.of(cut.stat()))


@pytest.mark.parametrize(
    ("mode", "options"),
    [("RGB", {}), ("RGB", {"lossless": True}), ("RGBA", {}), ("RGB", {"exif": b"Exif\x00\x00"})],
    ids=["lossy", "lossless", "alpha", "extended"],
)
def test_webp_dimensions_from_the_header(
    tmp_path: Path, mode: str, options: dict[str, object]
) -> None:
    path = tmp_path / "x.webp"
    Image.new(mode, (301, 257)).save(path, format="WEBP", **options)
    facts = inspect_image(path, FileStamp.of(path.stat()))
    assert (facts.width, facts.height, facts.format) == (301, 257, "webp")


@pytest.mark.parametrize("grown", [0, WHOLE_READ_BYTES], ids=["unchanged", "grown-past-limit"])
def test_a_small_image_is_hashed_whole(tmp_path: Path, grown: int) -> None:
    """Small files are read in one piece; one that grew past the limit since its stat (the
    stamp says small) is still hashed to its end, from disk."""
    path = write_image(tmp_path / "x.png", (300, 200))
    stamp = FileStamp.of(path.stat())
    with path.open("ab") as handle:
        handle.write(b"\x00" * grown)
    facts = inspect_image(path, stamp)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (facts.sha256, facts.width, facts.height) == (digest, 300, 200)


def test_header_only_read_of_large_declared_image(tmp_path: Path) -> None:
    """A real 12000x12000 header under Pillow's own bomb limit is refused by ours."""
    from tests.manifest.test_bad_workspaces import png_header_only

    path = tmp_path / "wide.png"
    path.write_bytes(png_header_only(12_000, 12_000))
    with pytest.raises(ImageProblem, match="declares 12000x12000 pixels"):
        inspect_image(path, FileStamp.of(path.stat()))


def test_lr_warmup_without_its_scheduler_is_a_warning(good_workspace: Path) -> None:
    manifest = GOOD_MANIFEST.replace(
        "    training_version: light\n",
        "    training_version: max\n    training_mode: expert\n"
        "    parameters: {lr_warmup_steps: 10}\n",
    )
    write_files(good_workspace, {"acme.yaml": manifest})
    report = check_workspace(good_workspace)
    assert not report.errors
    assert [str(w.location) for w in report.warnings] == ["acme.yaml:16:35"]
    result = run_validate(good_workspace)
    assert result.exit_code == 0
    assert "warning: acme.yaml:16:35: models.light.parameters.lr_warmup_steps" in result.output


@pytest.mark.slow
def test_more_than_5000_images_in_an_advanced_dataset(tmp_path: Path) -> None:
    manifest = GOOD_MANIFEST.replace("  v1:\n", "  v1:\n    upload: advanced\n")
    write_files(tmp_path, {"acme.yaml": manifest})
    data = write_image(tmp_path / "images" / "i-0000.png", (1024, 1024)).read_bytes()
    for i in range(1, 5001):
        (tmp_path / "images" / f"i-{i:04d}.png").write_bytes(data)
    result = run_validate(tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "acme.yaml:10:5: datasets.v1.images: 5001 images; an advanced dataset holds at most 5000",
        "1 error found; nothing was sent to Bria.",
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ('"images/a\\0.png"', "contains a NUL character"),
        ("images/" + "x" * 5000 + ".png", "cannot be read"),
        ("'images/[.png'", "matches no image files"),
    ],
    ids=["nul", "name-too-long", "bad-glob"],
)
def test_odd_paths_are_errors_not_crashes(good_workspace: Path, spec: str, message: str) -> None:
    write_files(good_workspace, {"acme.yaml": GOOD_MANIFEST.replace("images/*.png", spec)})
    result = run_validate(good_workspace)
    assert result.exit_code == 1
    assert result.output.startswith("acme.yaml:10:9: datasets.v1.images[0]: ")
    assert message in result.output
