"""The rules every file tailor reads obeys: regular, inside the workspace, bounded in size.

A pull request controls the workspace, so any file in it may be a link to `/etc/shadow`, a
FIFO that blocks the reader forever, or `/dev/zero`. Every read of a workspace file (manifests,
`tailor.yaml`, sidecar captions) goes through `read_workspace_file`, and image files through
`check_workspace_file`, so the rules are written once:
- the file's real path (links resolved) must be inside the workspace;
- it must be a regular file, judged from stat() before it is opened (opening a FIFO can
  block and opening a device can have side effects), then again from the open descriptor
  (opened non-blocking), so a swap between the two checks is caught;
- it is refused from its size alone when over the caller's limit, and never read past it.
"""

from __future__ import annotations

import functools
import os
import stat
from pathlib import Path

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_READ_BLOCK = 64 * 1024


class FileProblem(Exception):
    """Why one workspace file cannot be read; the caller names the file and adds the location."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_workspace_file(
    path: str | Path, root: Path, *, limit: int | None = None
) -> os.stat_result:
    """The stat of a regular file whose real path is inside `root`; FileProblem otherwise."""
    return _checked(path, root, limit)[1]


def read_workspace_file(path: str | Path, root: Path, *, limit: int) -> bytes:
    """At most `limit` bytes of a regular file inside `root`, never blocking on a FIFO."""
    real, before = _checked(path, root, limit)
    try:
        descriptor = os.open(real, _OPEN_FLAGS)
    except OSError as error:
        raise FileProblem(f"cannot be read: {error.strerror or error}") from None
    try:
        info = os.fstat(descriptor)
        if (info.st_dev, info.st_ino) != (before.st_dev, before.st_ino):
            raise FileProblem("changed while it was being read", hint="run the command again")
        _check_regular(info, limit)
        os.set_blocking(descriptor, True)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(_READ_BLOCK, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise FileProblem(f"cannot be read: {error.strerror or error}") from None
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if len(data) > limit:
        raise FileProblem(f"is larger than the limit of {limit:,} bytes")
    return data


def _checked(path: str | Path, root: Path, limit: int | None) -> tuple[str, os.stat_result]:
    """The real path and stat of a regular file inside `root`.

    One lstat decides: a file that is not a link, in a folder whose real path is inside
    (cached per folder), is its own real path; only links pay for a full realpath. A run
    reads thousands of captions, mostly from a handful of folders.
    """
    text = os.fspath(path)
    try:
        info = os.lstat(text)
    except OSError as error:
        raise FileProblem(f"cannot be read: {error.strerror or error}") from None
    folder, name = os.path.split(text)
    if stat.S_ISLNK(info.st_mode):
        real = os.path.realpath(text)
    else:
        real = os.path.join(_real(folder), name)
    if not _inside(real, root):
        raise FileProblem(
            "is a link to a file outside the workspace",
            hint="copy the file into the workspace instead of linking to it",
        )
    if stat.S_ISLNK(info.st_mode):
        try:
            info = os.stat(real)
        except OSError as error:
            raise FileProblem(f"cannot be read: {error.strerror or error}") from None
    _check_regular(info, limit)
    return real, info


def _check_regular(info: os.stat_result, limit: int | None) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(f"is {kind_of(info.st_mode)}, not a regular file")
    if limit is not None and info.st_size > limit:
        raise FileProblem(f"is {info.st_size:,} bytes; the limit is {limit:,}")


def inside_workspace(path: str | Path, root: Path) -> bool:
    """Whether `path`, links resolved, is `root` or below it."""
    return _inside(os.path.realpath(path), root)


@functools.lru_cache(maxsize=256)
def _real(folder: str) -> str:
    return os.path.realpath(folder)


def _inside(real: str, root: Path) -> bool:
    text = _real(os.fspath(root))
    return real == text or real.startswith(text.rstrip(os.sep) + os.sep)
