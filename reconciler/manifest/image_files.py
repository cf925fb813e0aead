"""Finding a dataset's image files: the globs and paths a manifest names, expanded in the
workspace (never outside it, not through links), and the caption files beside them.

A workspace can hold tens of thousands of images, so each folder is listed once per load
(`FolderIndex`) and files are strings, as a glob gives them. Inspecting what is found (format,
size, hash) is images.py's.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from pathlib import Path

from reconciler.manifest.files import FileProblem, read_workspace_file
from reconciler.manifest.images import ImageProblem
from reconciler.manifest.jsondocs import read_json_object
from reconciler.resources import IMAGE_SUFFIXES

MAX_SIDECAR_BYTES = 64 * 1024
"""A caption is a sentence or two; Bria documents no limit, so 64 KiB bounds what is read."""


class FolderIndex:
    """Each folder listed once (os.scandir) for a whole load.

    A workspace of 12,000 images would otherwise cost three or four system calls per image
    (is it a file, is it a link, its stat, is there a sidecar caption); a directory entry
    answers the first two from the listing. The stat is taken with os.stat, not DirEntry.stat,
    which would keep it: a stat result is 15 objects (18 MiB at 30,000 images), needed once.
    """

    def __init__(self) -> None:
        self._folders: dict[str, dict[str, os.DirEntry[str]]] = {}

    def listing(self, folder: str) -> dict[str, os.DirEntry[str]]:
        """The folder's entries by name (empty when it cannot be listed)."""
        entries = self._folders.get(folder)
        if entries is None:
            try:
                with os.scandir(folder) as listing:
                    entries = {item.name: item for item in listing}
            except OSError:
                entries = {}
            self._folders[folder] = entries
        return entries

    def entry(self, path: str) -> os.DirEntry[str] | None:
        """A file's entry, when a glob or a single file names it (a folder's own glob takes
        its entries from `glob_listed`, without looking each up by its path)."""
        folder, name = os.path.split(path)
        return self.listing(folder).get(name)

    def glob_listed(self, pattern: str) -> list[os.DirEntry[str]] | None:
        """What `glob.glob(pattern, recursive=True)` finds, as entries in name order, when
        the folder's listing answers it (only the last part has wildcards: `images/*.png`;
        glob would list the folder again); else None."""
        folder, leaf = os.path.split(pattern)
        if has_glob_magic(folder) or "**" in leaf:
            return None
        entries = self.listing(folder)
        hidden_too = leaf.startswith(".")  # as glob: wildcards do not match a leading dot
        names = [name for name in entries if hidden_too or not name.startswith(".")]
        return [entries[name] for name in sorted(fnmatch.filter(names, leaf))]


def has_glob_magic(spec: str) -> bool:
    return any(char in spec for char in "*?[")


def expand_spec(
    spec: str, manifest_dir: Path, root: Path, index: FolderIndex | None = None
) -> list[str]:
    """Files named by one manifest entry, in a stable order, each checked to stay in `root`.

    `root` and `manifest_dir` must be absolute and resolved. Returned paths are absolute and
    lexical (not symlink-resolved), so an image keeps the name the user sees; they are strings,
    as a glob gives them, because a workspace can hold thousands of images.
    """
    if "\x00" in spec:
        raise ImageProblem(f"{spec!r} contains a NUL character")
    try:
        return _expand(spec, manifest_dir, root, index or FolderIndex())
    except OSError as error:
        raise ImageProblem(f"'{spec}' cannot be read: {error.strerror or error}") from None


def _expand(spec: str, manifest_dir: Path, root: Path, index: FolderIndex) -> list[str]:
    pattern = os.path.normpath(manifest_dir / spec)
    if not _inside(Path(pattern), root):
        raise ImageProblem(
            f"'{spec}' points outside the workspace",
            hint="keep images inside the workspace folder, next to the manifests",
        )
    if has_glob_magic(spec):
        listed = index.glob_listed(pattern)
        if listed is not None:
            return _listed_images(spec, listed, root)
        found = glob.glob(pattern, recursive=True)
        matches = [
            p for p in sorted(found) if p.lower().endswith(IMAGE_SUFFIXES) and _is_file(p, index)
        ]
        if not matches:
            raise _no_images(spec)
    else:
        if not Path(pattern).exists():
            raise ImageProblem(f"image file '{spec}' does not exist")
        if Path(pattern).is_dir():
            raise ImageProblem(
                f"'{spec}' is a folder", hint=f"use a glob such as '{spec.rstrip('/')}/*.png'"
            )
        matches = [pattern]
    real_dirs: dict[str, bool] = {}
    for match in matches:
        folder = match.rpartition(os.sep)[0] or os.sep  # os.path.dirname, for normalised paths
        parent_inside = real_dirs.get(folder)
        if parent_inside is None:
            parent_inside = _inside(Path(os.path.realpath(folder)), root)
            real_dirs[folder] = parent_inside
        if not parent_inside or (
            _is_link(match, index) and not _inside(Path(os.path.realpath(match)), root)
        ):
            raise ImageProblem(
                f"'{relative_posix(match, root)}' is a link to a file outside the workspace",
                hint="copy the image into the workspace instead of linking to it",
            )
    return matches


def _listed_images(spec: str, listed: list[os.DirEntry[str]], root: Path) -> list[str]:
    """`_expand` of a pattern whose matches are all in one listed folder: the same checks,
    asked of each directory entry once (thousands of images in a folder) and of the folder
    once."""
    images = [
        entry for entry in listed if entry.name.lower().endswith(IMAGE_SUFFIXES) and entry.is_file()
    ]
    if not images:
        raise _no_images(spec)
    folder = images[0].path.rpartition(os.sep)[0] or os.sep
    folder_inside = _inside(Path(os.path.realpath(folder)), root)
    for entry in images:
        if not folder_inside or (
            entry.is_symlink() and not _inside(Path(os.path.realpath(entry.path)), root)
        ):
            raise ImageProblem(
                f"'{relative_posix(entry.path, root)}' is a link to a file outside the workspace",
                hint="copy the image into the workspace instead of linking to it",
            )
    return [entry.path for entry in images]


def _no_images(spec: str) -> ImageProblem:
    return ImageProblem(
        f"'{spec}' matches no image files ({', '.join(IMAGE_SUFFIXES)})",
        hint="check the folder and the pattern; paths are relative to the manifest",
    )


def _is_file(path: str, index: FolderIndex) -> bool:
    found = index.entry(path)
    return found.is_file() if found is not None else os.path.isfile(path)


def _is_link(path: str, index: FolderIndex) -> bool:
    found = index.entry(path)
    return found.is_symlink() if found is not None else os.path.islink(path)


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def relative_posix(path: str | Path, root: Path) -> str:
    text, prefix = str(path), str(root) + os.sep
    if text.startswith(prefix):
        return text[len(prefix) :].replace(os.sep, "/")
    return Path(path).as_posix()


def read_sidecar(folder: str, name: str, index: FolderIndex, root: Path) -> str | None:
    """The caption in NAME.txt beside the image NAME.png in `folder`, or None when there is
    none.

    Looked up in the folder's listing by name (no Path built per image: most images have
    no sidecar, and this runs once per image); read under the workspace file rules.
    """
    found = _sidecar_entry(folder, name, index, ".txt")
    if found is None:
        return None
    sidecar = found.name
    try:
        raw = read_workspace_file(found.path, root, limit=MAX_SIDECAR_BYTES)
    except FileProblem as problem:
        raise ImageProblem(f"caption file {sidecar} {problem.message}", problem.hint) from None
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise ImageProblem(
            f"caption file {sidecar} is not UTF-8 text", hint="save it as UTF-8"
        ) from None
    if "\x00" in text:
        raise ImageProblem(f"caption file {sidecar} contains NUL characters; it must be text")
    if not text:
        raise ImageProblem(
            f"caption file {sidecar} is empty",
            hint="write a caption, or delete the file to let Bria caption the image",
        )
    return text


def read_json_sidecar(folder: str, name: str, index: FolderIndex, root: Path) -> str | None:
    """A FIBO image's caption: the JSON object in NAME.json beside NAME.png, as canonical
    text, or None when there is none. JsonProblem (with its line) when it is not one."""
    found = _sidecar_entry(folder, name, index, ".json")
    return None if found is None else read_json_object(found.path, root)


def _sidecar_entry(
    folder: str, name: str, index: FolderIndex, suffix: str
) -> os.DirEntry[str] | None:
    dot = name.rfind(".")
    sidecar = (name[:dot] if 0 < dot < len(name) - 1 else name) + suffix  # Path.with_suffix
    return index.listing(folder).get(sidecar)
