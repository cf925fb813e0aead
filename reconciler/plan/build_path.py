"""How a replaced dataset's successor is built: by clone or from scratch, and why.

Every plan format shows it (a note in text, Markdown and HTML; `replace_path` in the JSON),
so a reviewer sees before apply whether a new version re-uploads every image.
"""

from __future__ import annotations

from enum import StrEnum

from reconciler.records import record


class BuildPath(StrEnum):
    """How the successor of a replaced dataset is built."""

    CLONE = "clone"
    """Clone Dataset As Draft (Bria's way to a new version), then only the changed images."""
    REBUILD = "rebuild"
    """A new dataset, every image uploaded again."""


@record
class ReplacePath:
    """Which way a dataset replace is built, and why: shown in every plan format."""

    path: BuildPath
    why: str

    def describe(self) -> str:
        if self.path is BuildPath.CLONE:
            return f"built by clone: {self.why}"
        return f"built from scratch (every image uploaded again): {self.why}"
