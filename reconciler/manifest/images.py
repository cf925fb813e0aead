"""Inspecting one image file: its format, dimensions and sha256, from its header and bytes.

Finding the files a manifest names (globs, sidecar captions) is image_files.py's. Images are
untrusted files that can be huge, so nothing here decodes pixels:
- the format is sniffed from the first bytes (the extension is not trusted);
- the dimensions come from the header: read here with struct for the well-formed common cases
  (PNG, JPEG and WebP), by Pillow for anything else, so every error is still Pillow's verdict;
  a pixel cap refuses decompression bombs from the declared size alone;
- truncation is caught from each format's end marker;
- a file up to 1 MiB is read whole in one call and looked at in memory; a larger one is read
  at its start and end, and hashed in 1 MiB blocks, so memory stays bounded for any size.

Facts about an image (sha256, size, dimensions, format) are cached by `image_cache`, so a
second run over thousands of unchanged images opens none of them.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import warnings
from pathlib import Path
from typing import BinaryIO, NamedTuple

from reconciler.manifest.files import FileProblem, kind_of
from reconciler.manifest.headers import jpeg_size, png_size, webp_size
from reconciler.resources import ImageFormat

MAX_IMAGE_PIXELS = 100_000_000
"""Declared width x height above this is refused before any pixel is decoded."""
_HASH_BLOCK = 1024 * 1024
THREADED_HASH_BYTES = 1024 * 1024
"""Files at least this large are hashed on threads (sha256 releases the GIL: ~2 ms a MiB).
Below it the header read holds the GIL and the hand-offs cost more than they save: 8 threads
over 5,000 small files spent 97% of their system time in futex, 3x slower than one."""
MAX_HASHING_THREADS = 8
WHOLE_READ_BYTES = 1024 * 1024
"""Files up to this size are read in one piece (and the piece looked at in memory)."""
_HEAD_BYTES = 64
_TAIL_BYTES = 1024
_PREFIX_BYTES = 256 * 1024
"""A large file's headers are looked for in its first bytes (JPEG EXIF is at most 64 KiB)."""

_FORMAT_BY_PIL: dict[str, ImageFormat] = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}
_PIL_BY_FORMAT = {v: k for k, v in _FORMAT_BY_PIL.items()}
FORMAT_NAMES = frozenset(_PIL_BY_FORMAT)
"""The formats tailor accepts, as ImageFacts name them."""
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


class ImageProblem(FileProblem):
    """Why one image file cannot be used; the caller adds the location."""


class ImageFacts(NamedTuple):
    """One per image per load: a named tuple is made in a third of a frozen dataclass's time."""

    sha256: str
    width: int
    height: int
    format: ImageFormat
    size_bytes: int


class FileStamp(NamedTuple):
    """What must be unchanged for a cached ImageFacts to still hold."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileStamp:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ino)


# ------------------------------------------------------------------ inspecting one file


def check_regular(info: os.stat_result) -> None:
    """An image must be a regular file: opening a FIFO blocks, a device never ends."""
    if not stat.S_ISREG(info.st_mode):
        raise ImageProblem(f"is {kind_of(info.st_mode)}, not a regular file")


def hashing_threads(sizes: list[int]) -> int:
    """Threads for hashing files of these sizes: 0 (all in the calling thread) unless at least
    two are large, then one per large file up to the cores (at most 8)."""
    large = sum(1 for size in sizes if size >= THREADED_HASH_BYTES)
    threads = min(large, MAX_HASHING_THREADS, os.cpu_count() or 1)
    return threads if threads >= 2 else 0


def inspect_image(path: str | Path, stamp: FileStamp) -> ImageFacts:
    """Format, dimensions and sha256 of one image, reading no pixel data."""
    size = stamp.size
    if size == 0:
        raise ImageProblem("is an empty file")
    try:
        data = _read_whole(path, size) if size <= WHOLE_READ_BYTES else None
        if data is not None:
            head = data[:_HEAD_BYTES]
            image_format = _sniff(head)
            _check_complete(data[max(0, size - _TAIL_BYTES) : size], image_format, head, size)
            width, height = _header_size(data, image_format, None)
            digest = hashlib.sha256(data).hexdigest()
        else:
            with open(path, "rb") as file:
                head = file.read(_HEAD_BYTES)
                image_format = _sniff(head)
                file.seek(max(0, size - _TAIL_BYTES))
                _check_complete(file.read(min(size, _TAIL_BYTES)), image_format, head, size)
                file.seek(0)
                width, height = _header_size(file.read(_PREFIX_BYTES), image_format, file)
                file.seek(0)
                digest = _sha256(file)
    except OSError as error:
        raise ImageProblem(f"cannot be read: {error.strerror or error}") from None
    return ImageFacts(digest, width, height, image_format, size)


def _read_whole(path: str | Path, size: int) -> bytes | None:
    """A small file's bytes, or None when it has grown past the limit since its stat (then it
    is read from disk as a large one). os.read, not open(): no buffered file object for a
    file read once, in one piece, then looked at in memory (its end, header and hash)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, size + 1)
        while data and len(data) <= WHOLE_READ_BYTES:
            more = os.read(fd, WHOLE_READ_BYTES + 1 - len(data))
            if not more:
                break
            data += more
    finally:
        os.close(fd)
    return data if len(data) <= WHOLE_READ_BYTES else None


def _sniff(head: bytes) -> ImageFormat:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    raise ImageProblem(
        f"is {_name_other_format(head)}, not a PNG, JPEG or WebP image",
        hint="Bria accepts jpg, jpeg, png and webp; convert the file",
    )


_OTHER_FORMATS: tuple[tuple[bytes, int, str], ...] = (
    (b"GIF87a", 0, "a GIF image"),
    (b"GIF89a", 0, "a GIF image"),
    (b"BM", 0, "a BMP image"),
    (b"II*\x00", 0, "a TIFF image"),
    (b"MM\x00*", 0, "a TIFF image"),
    (b"ftypheic", 4, "a HEIC image"),
    (b"ftypheix", 4, "a HEIC image"),
    (b"ftypmif1", 4, "a HEIF image"),
    (b"ftypavif", 4, "an AVIF image"),
    (b"%PDF", 0, "a PDF document"),
    (b"PK\x03\x04", 0, "a ZIP archive"),
    (b"\x00\x00\x01\x00", 0, "an ICO icon"),
    (b"8BPS", 0, "a Photoshop document"),
)


def _name_other_format(head: bytes) -> str:
    for magic, offset, name in _OTHER_FORMATS:
        if head[offset : offset + len(magic)] == magic:
            return name
    stripped = head.lstrip()
    if stripped.startswith((b"<svg", b"<?xml")):
        return "an SVG/XML document"
    if not head.strip(b"\x00"):
        return "empty (only zero bytes)"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "not an image (unknown content)"
    return "a text file"


def _header_size(
    prefix: bytes, image_format: ImageFormat, file: BinaryIO | None
) -> tuple[int, int]:
    """Width and height from the header; refuses a decompression bomb by its declared size.
    `prefix` is the file's first bytes (all of them when `file` is None), `file` the open
    file, at its start, for Pillow."""
    if image_format == "webp":
        known = webp_size(prefix[:_HEAD_BYTES])
        if known is None:
            raise _damaged(image_format)
        width, height = known
    else:
        known = png_size(prefix) if image_format == "png" else jpeg_size(prefix)
        if known is None or not 0 < known[0] * known[1] <= MAX_IMAGE_PIXELS:
            width, height = _pillow_size(file or io.BytesIO(prefix), image_format)
        else:
            width, height = known
    if width * height > MAX_IMAGE_PIXELS or width <= 0 or height <= 0:
        raise ImageProblem(
            f"declares {width}x{height} pixels; the limit is {MAX_IMAGE_PIXELS:,} pixels"
        )
    return width, height


def _damaged(image_format: ImageFormat) -> ImageProblem:
    return ImageProblem(
        f"has a damaged {image_format.upper()} header", hint="export the image again"
    )


def _pillow_size(handle: BinaryIO, image_format: ImageFormat) -> tuple[int, int]:
    """Pillow's reading of the header, for whatever `headers` leaves to it.
    Pillow is imported here, on the first such image: most runs need none."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(handle, formats=[_PIL_BY_FORMAT[image_format]])
            width, height = image.size
    except Image.DecompressionBombError:
        raise ImageProblem(
            f"declares more than {MAX_IMAGE_PIXELS:,} pixels (a decompression bomb?)"
        ) from None
    except Exception:  # any parser failure on untrusted bytes means a damaged file
        raise _damaged(image_format) from None
    return width, height


def _check_complete(tail: bytes, image_format: ImageFormat, head: bytes, size: int) -> None:
    """A cut-short file is the usual damage; each format's end marker shows it. `tail` is
    what the file holds of the last 1 KiB of its stat's size."""
    if image_format == "png":
        complete = len(tail) == min(size, _TAIL_BYTES) and tail.endswith(_PNG_END)
    elif image_format == "jpeg":
        complete = tail.rstrip(b"\x00").endswith(b"\xff\xd9")
    else:
        declared = int.from_bytes(head[4:8], "little") + 8
        complete = declared <= size
    if not complete:
        raise ImageProblem(
            f"is truncated (the {image_format.upper()} data ends early)",
            hint="export or download the image again",
        )


def _sha256(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    while block := handle.read(_HASH_BLOCK):
        digest.update(block)
    return digest.hexdigest()
