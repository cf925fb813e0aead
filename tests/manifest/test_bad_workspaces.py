"""One mistake per workspace: validate exits 1 and names FILE:LINE:COL and the problem."""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.manifest.conftest import GOOD_MANIFEST, run_validate, write_files, write_image


@dataclass(frozen=True)
class Case:
    id: str
    where: str
    message: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    setup: Callable[[Path], None] | None = None
    images: bool = True
    count: int = 1
    """How many errors the one mistake causes (one per affected image)."""


def good(old: str, new: str) -> str:
    """The good manifest with one edit."""
    assert old in GOOD_MANIFEST
    return GOOD_MANIFEST.replace(old, new, 1)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a size and has no pixel data (what a decompression bomb looks like)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunks = _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"") + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _sparse(name: str, size: int) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        with (root / name).open("wb") as handle:
            handle.truncate(size)

    return make


def _copies(count: int, size: tuple[int, int], folder: str = "images") -> Callable[[Path], None]:
    def make(root: Path) -> None:
        first = write_image(root / folder / "img-00000.png", size)
        data = first.read_bytes()
        for i in range(1, count):
            (root / folder / f"img-{i:05d}.png").write_bytes(data)

    return make


def _large_images(root: Path) -> None:
    write_image(root / "images" / "a.png", (1024, 1024))
    write_image(root / "images" / "b.png", (1024, 1536), color=(9, 9, 9))


def _large_images_and_sparse_gigabyte(root: Path) -> None:
    _large_images(root)
    _sparse("images/c.png", 1024**3)(root)


def _small_extra_image(root: Path) -> None:
    write_image(root / "images" / "c.png", (200, 400))


def _outside_link(root: Path) -> None:
    outside = root.parent / f"{root.name}-outside"
    write_image(outside / "secret.png")
    os.symlink(outside / "secret.png", root / "images" / "c.png")


def _gif_named_png(root: Path) -> None:
    write_image(root / "images" / "c.png", fmt="GIF")


def _truncated_png(root: Path) -> None:
    data = write_image(root / "images" / "c.png", (300, 300), color=(1, 2, 3)).read_bytes()
    (root / "images" / "c.png").write_bytes(data[: len(data) // 2])


def _truncated_jpeg(root: Path) -> None:
    data = write_image(root / "images" / "c.jpg", fmt="JPEG").read_bytes()
    (root / "images" / "c.jpg").write_bytes(data[:-300])


def _same_name_twice(root: Path) -> None:
    write_image(root / "images" / "more" / "a.png")


def _absolute_outside(root: Path) -> None:
    write_image(root.parent / f"{root.name}-abs" / "x.png")
    path = (root.parent / f"{root.name}-abs" / "x.png").as_posix()
    (root / "acme.yaml").write_text(
        good("      - images/*.png\n", f"      - {path}\n"), encoding="utf-8"
    )


def _oversized_manifest(root: Path) -> None:
    (root / "acme.yaml").write_text(
        GOOD_MANIFEST + "#" + "x" * (1024 * 1024) + "\n", encoding="utf-8"
    )


BOMB = """\
project: acme
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
"""

ADVANCED = "  v1:\n    upload: advanced\n"
EXPERT = good(
    "    training_version: light\n",
    "    training_version: max\n    training_mode: expert\n    parameters:\n      PARAM\n",
)


def expert(params: str) -> str:
    return EXPERT.replace("PARAM", params)


CASES = [
    # ---------------------------------------------------------------- YAML
    Case(
        "malformed",
        "acme.yaml:4:9",
        "it started at line 3, column 9",
        {"acme.yaml": good("  type: defined_character", "  type: [defined_character")},
    ),
    Case(
        "duplicate-key",
        "acme.yaml:6:3",
        "duplicate key 'medium'",
        {"acme.yaml": good("  name: Foxy\n", "  name: Foxy\n  medium: photography\n")},
    ),
    Case(
        "two-documents",
        "acme.yaml:15:1",
        "more than one YAML document",
        {"acme.yaml": GOOD_MANIFEST + "---\nproject: other\n"},
    ),
    Case(
        "not-utf8",
        "acme.yaml:5:12",
        "not UTF-8",
        {"acme.yaml": good("Foxy", "Fox\xe9").encode("latin-1")},
    ),
    Case(
        "too-big", "acme.yaml:1:1", "limit for a YAML file is 1,048,576", setup=_oversized_manifest
    ),
    Case("alias-bomb", "acme.yaml:6:4", "alias bomb", {"acme.yaml": BOMB}),
    Case(
        "top-level-list", "acme.yaml:1:1", "must be a mapping", {"acme.yaml": "- project: acme\n"}
    ),
    Case("tab", "acme.yaml:3:1", "tab", {"acme.yaml": good("  type:", "\ttype:")}),
    Case("empty-manifest", "acme.yaml:1:1", "the manifest is empty", {"acme.yaml": "# nothing\n"}),
    # ---------------------------------------------------------------- schema
    Case(
        "unknown-top-key",
        "acme.yaml:7:1",
        "did you mean 'datasets'",
        {"acme.yaml": good("datasets:", "dataset:")},
    ),
    Case(
        "unknown-dataset-key",
        "acme.yaml:9:5",
        "did you mean 'caption_prefix'",
        {"acme.yaml": good("  v1:\n", "  v1:\n    captions_prefix: auto\n")},
    ),
    Case(
        "wrong-type",
        "acme.yaml:9:16",
        "datasets.v1.completed: input should be a valid boolean",
        {"acme.yaml": good("  v1:\n", "  v1:\n    completed: maybe\n")},
    ),
    Case("missing-ip", "acme.yaml:1:1", "'ip' is required", {"acme.yaml": "project: acme\n"}),
    Case(
        "ip-type-enum",
        "acme.yaml:3:9",
        "did you mean 'defined_character'",
        {"acme.yaml": good("type: defined_character", "type: defined_charcter")},
    ),
    Case(
        "ip-medium-enum",
        "acme.yaml:4:11",
        "'photo' is not one of",
        {"acme.yaml": good("medium: illustration", "medium: photo")},
    ),
    Case(
        "upload-enum",
        "acme.yaml:9:13",
        "did you mean 'basic'",
        {"acme.yaml": good("  v1:\n", "  v1:\n    upload: basik\n")},
    ),
    Case(
        "training-version-enum",
        "acme.yaml:14:23",
        "did you mean 'max'",
        {"acme.yaml": good("training_version: light", "training_version: maxx")},
    ),
    Case(
        "training-mode-enum",
        "acme.yaml:15:20",
        "is not one of fully_automated, expert",
        {"acme.yaml": GOOD_MANIFEST + "    training_mode: automatic\n"},
    ),
    Case(
        "photography-for-icons",
        "acme.yaml:4:11",
        "photography is not available for icons",
        {
            "acme.yaml": good("type: defined_character", "type: icons").replace(
                "medium: illustration", "medium: photography"
            )
        },
    ),
    Case(
        "ip-name-required",
        "acme.yaml:3:3",
        "ip.name: required when ip.type is defined_character",
        {"acme.yaml": good("  name: Foxy\n", "")},
    ),
    Case(
        "ip-description-required",
        "acme.yaml:3:3",
        "ip.description: required when ip.type is object_variants",
        {
            "acme.yaml": good("type: defined_character", "type: object_variants").replace(
                "  description: An orange fox\n", ""
            )
        },
    ),
    Case(
        "parameters-need-expert",
        "acme.yaml:15:5",
        "only allowed with training_mode: expert",
        {"acme.yaml": GOOD_MANIFEST + "    parameters: {rank: 32}\n"},
    ),
    Case(
        "rank-range",
        "acme.yaml:17:13",
        "parameters.rank: 300 is outside 4..256",
        {"acme.yaml": expert("rank: 300")},
    ),
    Case(
        "learning-rate-range",
        "acme.yaml:17:22",
        "learning_rate: 0.01 is outside 1e-06..0.001",
        {"acme.yaml": expert("learning_rate: 1e-2")},
    ),
    Case(
        "lr-scheduler-enum",
        "acme.yaml:17:21",
        "did you mean 'cosine'",
        {"acme.yaml": expert("lr_scheduler: cosin")},
    ),
    Case(
        "total-steps-range",
        "acme.yaml:17:29",
        "total_training_steps: 6000 is outside 1..5000",
        {"acme.yaml": expert("total_training_steps: 6000")},
    ),
    Case(
        "checkpoint-min",
        "acme.yaml:17:28",
        "checkpoint_interval: 50 is outside 100..5000",
        {"acme.yaml": expert("checkpoint_interval: 50")},
    ),
    Case(
        "checkpoint-over-total",
        "acme.yaml:18:28",
        "more than total_training_steps (1000)",
        {"acme.yaml": expert("total_training_steps: 1000\n      checkpoint_interval: 1200")},
    ),
    Case(
        "checkpoint-over-default-total",
        "acme.yaml:17:28",
        "1500, the legacy default",
        {"acme.yaml": expert("checkpoint_interval: 2000")},
    ),
    Case(
        "warmup-range",
        "acme.yaml:17:24",
        "lr_warmup_steps: 2000 is outside 0..1000",
        {"acme.yaml": expert("lr_warmup_steps: 2000")},
    ),
    Case(
        "project-key",
        "acme.yaml:1:10",
        "'acme mascot' is not a valid key",
        {"acme.yaml": good("project: acme", "project: acme mascot")},
    ),
    Case(
        "dataset-key",
        "acme.yaml:8:3",
        "'v 1' is not a valid key",
        {"acme.yaml": good("  v1:", "  v 1:")},
    ),
    Case(
        "increase-resolution-advanced",
        "acme.yaml:10:26",
        "does not upscale",
        {"acme.yaml": good("  v1:\n", ADVANCED + "    increase_resolution: true\n")},
        setup=_large_images,
        images=False,
    ),
    Case(
        "train-needs-completed",
        "acme.yaml:14:14",
        "training needs a completed dataset",
        {"acme.yaml": good("  v1:\n", "  v1:\n    completed: false\n")},
    ),
    Case(
        "unknown-dataset-ref",
        "acme.yaml:13:14",
        "did you mean 'v1'",
        {"acme.yaml": good("dataset: v1", "dataset: v11")},
    ),
    Case(
        "unknown-dataset-ref-lists-known",
        "acme.yaml:13:14",
        "datasets here: v1",
        {"acme.yaml": good("dataset: v1", "dataset: zz")},
    ),
    Case(
        "caption-prefix-auto-unsupported",
        "acme.yaml:9:21",
        "supports only",
        {
            "acme.yaml": good("type: defined_character", "type: icons").replace(
                "  v1:\n", "  v1:\n    caption_prefix: auto\n"
            )
        },
    ),
    Case(
        "empty-explicit-caption",
        "acme.yaml:11:39",
        "caption must not be empty",
        {
            "acme.yaml": good(
                "      - images/*.png\n",
                "      - images/*.png\n      - {path: images/a.png, caption: ''}\n",
            )
        },
    ),
    Case(
        "blank-caption-prefix",
        "acme.yaml:9:21",
        "datasets.v1.caption_prefix must not be empty",
        {"acme.yaml": good("  v1:\n", "  v1:\n    caption_prefix: '   '\n")},
    ),
    Case(
        "unknown-image-entry-key",
        "acme.yaml:10:30",
        "did you mean 'caption'",
        {"acme.yaml": good("images/*.png", "{path: images/a.png, captoin: A}")},
    ),
    Case(
        "image-entry-wrong-type",
        "acme.yaml:10:9",
        "expected a path or glob, or a mapping with 'path' and 'caption', not 42",
        {"acme.yaml": good("images/*.png", "42")},
    ),
    Case(
        "tailor-yaml-unknown-key",
        "tailor.yaml:1:1",
        "did you mean 'parallelism'",
        {"tailor.yaml": "paralelism: 4\n"},
    ),
    Case(
        "tailor-yaml-bad-value",
        "tailor.yaml:1:14",
        "parallelism: input should be greater",
        {"tailor.yaml": "parallelism: 0\n"},
    ),
    # ---------------------------------------------------------------- workspace
    Case(
        "same-project-twice",
        "other.yaml:1:10",
        "declared in both acme.yaml and other.yaml",
        {"other.yaml": GOOD_MANIFEST},
    ),
    Case(
        "empty-workspace",
        ".",
        "no manifests in the workspace",
        {"tailor.yaml": "api: sandbox\n"},
        images=False,
    ),
    # ---------------------------------------------------------------- images
    Case(
        "glob-matches-nothing",
        "acme.yaml:10:9",
        "'pictures/*.png' matches no image files",
        {"acme.yaml": good("images/*.png", "pictures/*.png")},
    ),
    Case(
        "missing-file",
        "acme.yaml:10:9",
        "image file 'images/zz.png' does not exist",
        {"acme.yaml": good("images/*.png", "images/zz.png")},
    ),
    Case(
        "dotdot-escape",
        "acme.yaml:10:9",
        "'../x.png' points outside the workspace",
        {"acme.yaml": good("images/*.png", "../x.png")},
    ),
    Case(
        "absolute-outside",
        "acme.yaml:10:9",
        "points outside the workspace",
        setup=_absolute_outside,
    ),
    Case(
        "symlink-outside",
        "acme.yaml:10:9",
        "images/c.png' is a link to a file outside",
        setup=_outside_link,
    ),
    Case(
        "duplicate-image-name",
        "acme.yaml:11:9",
        "two images are named 'a.png'",
        {
            "acme.yaml": good(
                "      - images/*.png\n", "      - images/*.png\n      - images/more/a.png\n"
            )
        },
        setup=_same_name_twice,
    ),
    Case(
        "sidecar-empty", "acme.yaml:10:9", "caption file a.txt is empty", {"images/a.txt": "  \n"}
    ),
    Case(
        "sidecar-not-utf8",
        "acme.yaml:10:9",
        "caption file a.txt is not UTF-8",
        {"images/a.txt": b"caf\xe9 au lait"},
    ),
    Case(
        "sidecar-too-big",
        "acme.yaml:10:9",
        "caption file a.txt is 70,000 bytes; the limit is 65,536",
        {"images/a.txt": "x" * 70_000},
    ),
    Case(
        "gif-named-png",
        "acme.yaml:10:9",
        "images/c.png is a GIF image, not a PNG, JPEG or WebP",
        setup=_gif_named_png,
    ),
    Case(
        "text-named-png",
        "acme.yaml:10:9",
        "images/c.png is a text file",
        {"images/c.png": "hello, I am not a picture\n"},
    ),
    Case("truncated-png", "acme.yaml:10:9", "images/c.png is truncated", setup=_truncated_png),
    Case(
        "truncated-jpeg",
        "acme.yaml:10:9",
        "images/c.jpg is truncated",
        {"acme.yaml": good("images/*.png", "images/*.*")},
        setup=_truncated_jpeg,
    ),
    Case(
        "too-small-for-upscale",
        "acme.yaml:10:9",
        "200x400 px; the shortest side must be at least 256",
        setup=_small_extra_image,
    ),
    Case(
        "too-small-strict",
        "acme.yaml:11:9",
        "with increase_resolution: false the shortest side",
        {"acme.yaml": good("  v1:\n", "  v1:\n    increase_resolution: false\n")},
        count=2,
    ),
    Case(
        "too-small-advanced",
        "acme.yaml:11:9",
        "an advanced upload needs a shortest side of at least 1024",
        {"acme.yaml": good("  v1:\n", "  v1:\n    upload: advanced\n")},
        count=2,
    ),
    Case(
        "over-200-basic",
        "acme.yaml:9:5",
        "datasets.v1.images: 201 images; a basic dataset holds at most 200",
        {"acme.yaml": good("images/*.png", "many/*.png")},
        setup=_copies(201, (256, 256), "many"),
    ),
    Case(
        "completed-needs-image",
        "acme.yaml:8:3",
        "a completed dataset needs at least one",
        {"acme.yaml": good("    images:\n      - images/*.png\n", "    images: []\n")},
    ),
    Case(
        "over-12mb-basic",
        "acme.yaml:10:9",
        "images/c.png: 13.0 MiB; a basic upload takes images up to 12 MiB",
        setup=_sparse("images/c.png", 13 * 1024 * 1024),
    ),
    Case(
        "decompression-bomb",
        "acme.yaml:10:9",
        "pixels",
        {"images/c.png": png_header_only(100_000, 100_000)},
    ),
    Case(
        "dataset-display-name-twice",
        "acme.yaml:12:19",
        "datasets.v2 is named 'v1' at Bria, like datasets.v1 (acme.yaml:8:3)",
        {"acme.yaml": good("models:\n", "  v2:\n    display_name: v1\n    completed: false\n"
                                         "models:\n")},
    ),
    Case(
        "model-display-name-twice",
        "acme.yaml:18:19",
        "models.max is named 'Fox' at Bria, like models.light (acme.yaml:15:19); names must "
        "be unique within dataset 'v1'",
        {
            "acme.yaml": good("    training_version: light\n", "    training_version: light\n"
                              "    display_name: Fox\n  max:\n    dataset: v1\n"
                              "    display_name: Fox\n    training_version: max\n")
        },
    ),
    Case(
        "project-display-name-twice",
        "zoo.yaml:1:10",
        "project 'zoo' is named 'acme' at Bria, like project 'acme' (acme.yaml:1:10)",
        {"zoo.yaml": GOOD_MANIFEST.replace("project: acme", "project: zoo\ndisplay_name: acme")},
    ),
    Case(
        "sparse-1gb-advanced",
        "acme.yaml:11:9",
        "images/c.png: 1024.0 MiB; an advanced upload takes images up to 12 MiB",
        {"acme.yaml": good("  v1:\n", "  v1:\n    upload: advanced\n")},
        setup=_large_images_and_sparse_gigabyte,
        images=False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_workspace_fails_with_location(tmp_path: Path, case: Case) -> None:
    files: dict[str, str | bytes] = {"acme.yaml": GOOD_MANIFEST}
    if case.id == "empty-workspace":
        files = {}
    files.update(case.files)
    write_files(tmp_path, files)
    if case.images:
        write_image(tmp_path / "images" / "a.png")
        write_image(tmp_path / "images" / "b.png", color=(10, 20, 30))
    if case.setup is not None:
        case.setup(tmp_path)

    result = run_validate(tmp_path)

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    matching = [line for line in lines if line.startswith(f"{case.where}: ")]
    assert matching, f"no line starts with {case.where}:\n{result.output}"
    assert any(case.message in line for line in lines), result.output
    plural = "s" if case.count > 1 else ""
    summary = f"{case.count} error{plural} found; nothing was sent to Bria."
    assert lines[-1] == summary, result.output


def test_case_list_covers_enough_mistakes() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)
