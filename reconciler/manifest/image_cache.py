"""The image cache: sha256 and header facts of each image by (path, size, mtime_ns, inode).

Kept in `.tailor/image-cache.json`, so a second run over thousands of unchanged images opens
none of them: it costs a stat per image (the stamp) and a look-up here.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from reconciler.manifest.files import FileProblem, inside_workspace, read_workspace_file
from reconciler.manifest.images import FORMAT_NAMES, FileStamp, ImageFacts
from reconciler.resources import ImageFormat

CACHE_FILE = Path(".tailor") / "image-cache.json"
MAX_CACHE_BYTES = 256 * 1024 * 1024
"""About 150 bytes an image: far above the 5,000 images of the largest dataset, times many."""
_CACHE_VERSION = 3
"""3: each entry one string, "SIZE MTIME_NS INODE SHA256 WIDTH HEIGHT FORMAT". Version 2's
lists of seven values cost 8 objects an entry to decode (14 MiB and 0.08 s at 30,000 images);
a string is one, and is split only when looked up."""
_FORMATS: dict[str, ImageFormat] = {name: name for name in FORMAT_NAMES}
"""One string object per format name, shared by every image that has it."""
_SHA256_HEX = 64
_new_tuple = tuple.__new__
_STAMP_AND_DIGEST = 4
"""An entry's values before its header ("WIDTH HEIGHT FORMAT"), which is split apart once."""


class ImageCache:
    """sha256 and header facts by (path, size, mtime_ns, inode), kept in .tailor/.

    A missing or corrupt cache file is simply an empty cache; a cache that cannot be written
    is reported as a warning by the caller, never an error.
    """

    def __init__(self, root: Path) -> None:
        self._root = root
        self._file = root / CACHE_FILE
        self._entries: dict[str, object] = {}
        """As the file has them: an entry becomes facts when it is looked up (`get`), so a
        run that needs few of them does not build them all."""
        self._seen: dict[str, str] = {}
        """The entries of this run's images, as the file will hold them."""
        self._headers: dict[str, tuple[int, int, ImageFormat]] = {}
        """"WIDTH HEIGHT FORMAT" as read, by its text: thousands of images share a few."""
        self._loaded_text = ""
        self._changed = False
        self._load()

    def _load(self) -> None:
        if not os.path.lexists(self._file):
            return
        try:
            # A pull request can commit .tailor/ too: the cache obeys the workspace file rules
            # (a link to /dev/zero or a FIFO would otherwise be read without end or block).
            raw = read_workspace_file(self._file, self._root, limit=MAX_CACHE_BYTES)
            self._loaded_text = raw.decode("utf-8")
            payload = json.loads(self._loaded_text)
            if isinstance(payload, dict) and payload.get("version") == _CACHE_VERSION:
                images = payload.get("images")
                self._entries = images if isinstance(images, dict) else {}
        except (FileProblem, OSError, ValueError):
            self._entries = {}

    def get(self, rel: str, size: int, mtime_ns: int, inode: int) -> ImageFacts | None:
        """The facts of the file at `rel` if its stamp (size, mtime_ns, inode) is the one
        cached: taken apart, not made into a FileStamp first (one per image)."""
        entry = self._entries.get(rel)
        if type(entry) is not str:
            return None
        parts = entry.split(" ", _STAMP_AND_DIGEST)
        if len(parts) != _STAMP_AND_DIGEST + 1:
            return None
        cached_size, cached_mtime_ns, cached_inode, digest, header_text = parts
        header = self._headers.get(header_text)
        if header is None:
            header = _header(header_text)
            if header is None:
                return None
            self._headers[header_text] = header
        if len(digest) != _SHA256_HEX:
            return None
        try:  # comparing numbers: formatting the stamp as text would cost twice as much
            if (
                int(cached_size) != size
                or int(cached_mtime_ns) != mtime_ns
                or int(cached_inode) != inode
            ):
                return None
        except ValueError:
            return None
        self._seen[rel] = entry
        # tuple.__new__ is what ImageFacts(...) calls, through a Python-level __new__ that
        # costs as much again: this runs once for each of tens of thousands of images.
        return _new_tuple(ImageFacts, (digest, *header, size))

    def put(self, rel: str, stamp: FileStamp, facts: ImageFacts) -> None:
        self._seen[rel] = (
            f"{stamp.size} {stamp.mtime_ns} {stamp.inode} "
            f"{facts.sha256} {facts.width} {facts.height} {facts.format}"
        )
        self._changed = True

    def save(self) -> str | None:
        """Write the entries seen in this run; returns a warning when that is impossible."""
        if not self._changed and len(self._seen) == len(self._entries):
            return None  # every cached entry was hit and none added: the file says it already
        payload = {"version": _CACHE_VERSION, "images": dict(sorted(self._seen.items()))}
        text = json.dumps(payload, separators=(",", ":"))
        if text == self._loaded_text:
            return None
        if os.path.lexists(self._file.parent) and not inside_workspace(
            self._file.parent, self._root
        ):
            return (
                f"not writing the image cache: {CACHE_FILE.parent} is a link leaving the workspace"
            )
        temporary = self._file.with_name(f"{self._file.name}.{os.getpid()}.tmp")
        try:
            self._file.parent.mkdir(exist_ok=True)
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, self._file)
        except OSError as error:
            _remove_quietly(temporary)
            return f"could not write the image cache {CACHE_FILE.as_posix()}: " + (
                error.strerror or str(error)
            )
        self._loaded_text = text
        self._changed = False
        return None


def _header(text: str) -> tuple[int, int, ImageFormat] | None:
    """(width, height, format) from an entry's "WIDTH HEIGHT FORMAT", None if malformed."""
    parts = text.split(" ")
    if len(parts) != 3:
        return None
    width, height, image_format = parts
    known_format = _FORMATS.get(image_format)
    if known_format is None or not (
        width.isdigit() and height.isdigit() and (width + height).isascii()
    ):
        return None  # digits only: int() would also take spaces, signs and underscores
    return int(width), int(height), known_format


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
