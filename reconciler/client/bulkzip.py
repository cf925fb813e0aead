"""The ZIP an advanced dataset is bulk-uploaded from, written to disk one file at a time.

Layout Bria expects: images at the top level; with manual captions each image `a.png` has
a same-named `a.txt` beside it holding its caption. Images are stored uncompressed (they are
already compressed) and streamed from disk, so memory does not grow with the dataset.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from reconciler.errors import TailorError
from reconciler.records import record
from reconciler.resources import IMAGE_SUFFIXES


class BulkZipError(TailorError):
    """The images given cannot form a valid bulk-upload ZIP."""


@record
class ZipEntry:
    """One image for the ZIP: where it is on disk, its name in the ZIP, and its caption."""

    path: Path
    name: str
    caption: str | None = None


def caption_name(image_name: str) -> str:
    """`fox-01.png` -> `fox-01.txt`: the caption file Bria pairs with an image."""
    return str(PurePosixPath(image_name).with_suffix(".txt"))


def _check_name(name: str) -> None:
    pure = PurePosixPath(name)
    if pure.is_absolute() or "/" in name or "\\" in name or name in ("", ".", ".."):
        raise BulkZipError(f"image name {name!r} must be a plain file name")
    if pure.suffix.lower() not in IMAGE_SUFFIXES:
        raise BulkZipError(
            f"image {name!r} is not jpg, jpeg, png or webp",
            hint="Bria accepts only these formats in a bulk upload.",
        )


def build_bulk_zip(
    entries: Iterable[ZipEntry], destination: Path, *, require_captions: bool = False
) -> int:
    """Write the ZIP at `destination` and return the number of images in it.

    `require_captions`: every image must have a caption (uploads with
    automatic_captioning=false); otherwise captions are written only where given.
    A partly written file is removed if anything goes wrong.
    """
    import zipfile  # only when an advanced dataset is uploaded: ~2 ms of every apply otherwise

    seen: set[str] = set()
    count = 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_STORED,
                             allowZip64=True) as archive:
            for entry in entries:
                _check_name(entry.name)
                stem_key = PurePosixPath(entry.name).stem.lower()
                if stem_key in seen:
                    raise BulkZipError(
                        f"two images would share the name {PurePosixPath(entry.name).stem!r} "
                        "in the ZIP (their caption files would collide)"
                    )
                seen.add(stem_key)
                if entry.caption is None and require_captions:
                    raise BulkZipError(
                        f"image {entry.name!r} has no caption",
                        hint="With automatic captioning off, every image needs a caption.",
                    )
                try:
                    archive.write(entry.path, arcname=entry.name)
                except OSError as error:
                    raise BulkZipError(
                        f"cannot read image {entry.path}: {error.strerror or error}"
                    ) from error
                if entry.caption is not None:
                    archive.writestr(caption_name(entry.name), entry.caption.encode("utf-8"))
                count += 1
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    if count == 0:
        destination.unlink(missing_ok=True)
        raise BulkZipError("a bulk upload needs at least one image")
    return count
