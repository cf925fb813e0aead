"""The workspace's files as the plan saw them: their content checked by sha256 before use.

A saved plan is checked before anything runs (`changed_files`), and each upload checks its own
file again when it reads it (`checked_bytes`, or `checked_file` for a ZIP that reads it later), so
apply never sends content the plan did not show.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from io import FileIO
from pathlib import Path

from reconciler.engine.run_context import RunContext, StepFailed
from reconciler.engine.step_args import records
from reconciler.plan.model import Plan

HASH_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def changed_files(plan: Plan, root: Path) -> list[str]:
    """Workspace files whose content is no longer what the plan saw (or that are gone).

    A saved plan is checked before anything runs, so a changed image refuses the whole apply
    instead of failing at its own upload after other steps have already been carried out.
    """
    expected: dict[str, str] = {}
    for change in plan.changes:
        for step in change.steps:
            # An upload names its file in its args; a bulk ZIP lists its images.
            entries = [step.args, *records(step.args.get("images"))]
            for entry in entries:
                path, sha256 = entry.get("path"), entry.get("sha256")
                if isinstance(path, str) and isinstance(sha256, str):
                    expected[path] = sha256
    changed: list[str] = []
    for relative, sha256 in sorted(expected.items()):
        try:
            if file_sha256(root / relative) != sha256:
                changed.append(relative)
        except OSError:
            changed.append(relative)
    return changed


INLINE_BYTES = 256 << 10
"""Files up to this size are read on the event loop: a thread hop costs more than the read."""
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _read_sha256(handle: FileIO) -> tuple[bytes, str]:
    data = handle.readall()
    return data, hashlib.sha256(data).hexdigest()


def _read_path_sha256(path: str) -> tuple[bytes, str]:
    with FileIO(path) as handle:
        return _read_sha256(handle)


def _small_contents(fd: int) -> bytes | None:
    """The open file's bytes if it holds at most INLINE_BYTES, else None: read until the
    end (a short read), with no stat."""
    data = os.read(fd, INLINE_BYTES + 1)
    while data:
        if len(data) > INLINE_BYTES:
            return None
        more = os.read(fd, INLINE_BYTES + 1 - len(data))
        if not more:
            break
        data += more
    return data


async def checked_bytes(ctx: RunContext, relative: str, sha256: str | None, what: str) -> bytes:
    """The workspace file's bytes, provided they are still what the plan saw: read once, so
    what is sent is what was checked. (An upload is at most 12 MB.) A small image takes an
    open, two reads and a close: a file object's stats, seek, Path and buffer per upload
    cost more than reading and hashing it."""
    path = os.path.join(ctx.root, relative)
    try:
        fd = os.open(path, _READ_FLAGS)
        try:
            small = _small_contents(fd)
        finally:
            os.close(fd)
        if small is None:  # opened again in the thread: a cancelled await never leaves it open
            data, found = await asyncio.to_thread(_read_path_sha256, path)
        else:
            data, found = small, hashlib.sha256(small).hexdigest()
    except OSError as error:
        raise _unreadable(what, relative, error) from None
    _refuse_changed(what, relative, sha256, found)
    return data


async def checked_file(ctx: RunContext, relative: str, sha256: str | None, what: str) -> Path:
    """The workspace file, provided its content is still what the plan saw."""
    path = ctx.root / relative
    try:
        found = await asyncio.to_thread(file_sha256, path)
    except OSError as error:
        raise _unreadable(what, relative, error) from None
    _refuse_changed(what, relative, sha256, found)
    return path


def _unreadable(what: str, relative: str, error: OSError) -> StepFailed:
    return StepFailed(f"{what}: cannot read {relative}: {error.strerror or error}")


def _refuse_changed(what: str, relative: str, sha256: str | None, found: str) -> None:
    """Apply sends only what the plan showed: a file edited since then stops its step."""
    if sha256 is not None and found != sha256:
        raise StepFailed(
            f"{what}: file changed since plan ({relative})",
            hint="run plan again to see the new content",
        )
