"""Safe YAML loading that remembers where every key and value came from.

Manifests are written by hand and reviewed in pull requests, so every problem must point at a
line and column. PyYAML's composer already gives each node a position; we keep them in a map
from data path to position while we turn the node graph into plain Python values.

Hardening, because a manifest is untrusted input:
- a file over MAX_MANIFEST_BYTES is refused from its size alone, before it is read;
- bytes must be UTF-8; one document per file; mapping keys must be unique;
- aliases are bounded: at most MAX_ALIASES per file and MAX_EXPANDED_NODES nodes once they are
  expanded, so a "billion laughs" file fails fast instead of eating memory;
- only YAML's safe tags (no Python objects);
- nesting is at most MAX_DEPTH levels, also once aliases are expanded, so a small file of
  `[[[[...` ends in a located error instead of a RecursionError.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from reconciler.errors import Location, ManifestError
from reconciler.manifest.files import FileProblem, read_workspace_file

MAX_MANIFEST_BYTES = 1024 * 1024
"""1 MiB: far above any real manifest (images are listed by glob), far below a memory risk."""
MAX_ALIASES = 100
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 64
"""Far deeper than any manifest (about 6 levels); far below Python's recursion limit."""

PathKey = tuple[str | int, ...]
_MERGE_TAG = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass(frozen=True)
class Position:
    """1-based line and column."""

    line: int
    column: int


@dataclass
class LoadedYaml:
    """Plain data plus the position of every value and every mapping key, by data path."""

    file: str
    data: Any
    values: dict[PathKey, Position] = field(default_factory=dict)
    keys: dict[PathKey, Position] = field(default_factory=dict)

    def location(self, path: PathKey, *, key: bool = False) -> Location:
        """The position of `path` (its key when `key`), else of its nearest located parent."""
        if key and path in self.keys:
            pos = self.keys[path]
            return Location(self.file, pos.line, pos.column)
        for end in range(len(path), -1, -1):
            pos_or_none = self.values.get(path[:end])
            if pos_or_none is not None:
                return Location(self.file, pos_or_none.line, pos_or_none.column)
        return Location(self.file, 1, 1)


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts aliases and reads YAML 1.2 floats such as 1e-4."""

    alias_count = 0
    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.depth >= MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _depth_problem(mark.line, mark.column)
        if self.check_event(AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _LoadProblem(
                    f"too many YAML aliases (more than {MAX_ALIASES})", mark.line, mark.column
                )
        self.depth += 1
        try:
            node: Node | None = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        assert node is not None
        return node


def _depth_problem(line: int, column: int) -> _LoadProblem:
    return _LoadProblem(
        f"values are nested more than {MAX_DEPTH} levels deep",
        line,
        column,
        hint="a manifest needs about 6 levels; check for a runaway [ or { or indentation",
    )


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _fast_loader() -> type[_Loader] | None:
    """`_Loader` on libyaml's scanner and parser (a manifest in a tenth of the time): only the
    events come from C; composing (with its alias and depth checks), resolving and
    constructing stay `_Loader`'s own, so the data and positions are the same."""
    try:
        from yaml._yaml import CParser as parser
    except ImportError:  # PyYAML built without libyaml
        return None

    class FastLoader(parser, _Loader):
        def __init__(self, stream: str) -> None:
            parser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        def compose_scalar_node(self, anchor: Any) -> ScalarNode:
            event = self.peek_event()
            if isinstance(event, ScalarEvent) and not event.value and not event.style:
                # An empty value (`key:` alone; libyaml's plain style is ""): libyaml may
                # place it at the next token, Python's parser after the colon, and an error
                # about it names that place.
                raise _PythonOnly
            return super().compose_scalar_node(anchor)

    return FastLoader


class _PythonOnly(Exception):
    """Raised by `_fast_loader`'s loader where only Python's parser gives the positions."""


class _LoadProblem(Exception):
    """A problem found while loading, with 0-based line/column like PyYAML marks."""

    def __init__(self, message: str, line: int, column: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


_FastLoader = _fast_loader()
_PYTHON_ONLY = re.compile("[\t\ufeff]|[|>][-+0-9]*#")
"""What libyaml and Python's parser read differently (found by tests/manifest/test_yamlload.py
comparing them): tabs, which libyaml takes in places Python refuses; a byte order mark past
the start, which libyaml skips; a comment straight after a block scalar's `|` or `>`."""


def _python_only(text: str) -> bool:
    """Whether `text` has something libyaml reads otherwise, or may have: also a `?` where
    there can be a flow collection (libyaml lets `[a?]` hold the scalar `a?`)."""
    return _PYTHON_ONLY.search(text) is not None or ("?" in text and ("[" in text or "{" in text))


def _position(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def load_yaml_file(path: Path, display_name: str, root: Path | None = None) -> LoadedYaml:
    """Read one YAML file (one document) or raise ManifestError located in it.

    The file must obey the workspace file rules (`manifest.files`) for `root`, by default the
    folder the file is in: a regular file, not a link leaving it, at most MAX_MANIFEST_BYTES.
    """
    folder = root if root is not None else Path(os.path.realpath(path.parent))
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ManifestError(
            f"cannot read the file: {error.strerror or error}", location=Location(display_name)
        ) from error
    if size > MAX_MANIFEST_BYTES:
        raise ManifestError(
            f"file is {size:,} bytes; the limit for a YAML file is {MAX_MANIFEST_BYTES:,}",
            hint="list images by glob instead of one by one, or split the project",
            location=Location(display_name, 1, 1),
        )
    try:
        raw = read_workspace_file(path, folder, limit=MAX_MANIFEST_BYTES)
    except FileProblem as problem:
        raise ManifestError(
            f"the file {problem.message}", hint=problem.hint, location=Location(display_name)
        ) from None
    return load_yaml_bytes(raw, display_name)


def load_yaml_bytes(raw: bytes, display_name: str) -> LoadedYaml:
    """Parse bytes that are already in memory (bounded by the caller)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line, column = _line_col_of_byte(raw, error.start)
        raise ManifestError(
            f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x} cannot be decoded)",
            hint="save the file as UTF-8",
            location=Location(display_name, line, column),
        ) from None
    try:
        return _compose(text, display_name)
    except _LoadProblem as problem:
        raise ManifestError(
            problem.message,
            hint=problem.hint,
            location=Location(display_name, problem.line + 1, problem.column + 1),
        ) from None
    except yaml.reader.ReaderError as error:
        line, column = _line_col_of_char(text, error.position)
        raise ManifestError(
            f"invalid YAML: control character {_codepoint(error.character)} is not allowed",
            location=Location(display_name, line, column),
        ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = _describe_yaml_error(error)
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        hint = "indent with spaces; YAML does not allow tabs" if "\\t" in message else None
        raise ManifestError(
            message, hint=hint, location=Location(display_name, line, column)
        ) from None
    except yaml.YAMLError as error:
        raise ManifestError(
            f"invalid YAML: {error}", location=Location(display_name, 1, 1)
        ) from None


def _describe_yaml_error(error: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (error.context, error.problem) if p]
    text = "; ".join(parts) if parts else "malformed YAML"
    start, mark = error.context_mark, error.problem_mark
    if (
        start is not None
        and mark is not None
        and (start.line, start.column)
        != (
            mark.line,
            mark.column,
        )
    ):
        text += f" (it started at line {start.line + 1}, column {start.column + 1})"
    return f"invalid YAML: {text}"


def _line_col_of_byte(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


def _codepoint(character: object) -> str:
    code = character if isinstance(character, int) else ord(str(character)[:1] or "?")
    return f"U+{code:04X}"


def _line_col_of_char(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _compose(text: str, display_name: str) -> LoadedYaml:
    """Parsed by libyaml when PyYAML has it; any problem is found again by the pure-Python
    parser, so every error (message, line, column) is the one it reports. Text with what
    the two read differently (`_PYTHON_ONLY`) is left to Python's parser."""
    if _FastLoader is not None and not _python_only(text):
        try:
            return _compose_with(_FastLoader, text, display_name)
        except Exception:  # whatever it is, Python's parser words it its own way
            pass
    return _compose_with(_Loader, text, display_name)


def _compose_with(kind: type[_Loader], text: str, display_name: str) -> LoadedYaml:
    loader = kind(text)
    try:
        loader.get_event()  # type: ignore[no-untyped-call]  # the StreamStart event
        node: Node | None = None
        if not loader.check_event(yaml.StreamEndEvent):
            node = loader.compose_document()
        if not loader.check_event(yaml.StreamEndEvent):
            mark = loader.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _LoadProblem(
                "more than one YAML document in the file ('---' starts a second one)",
                mark.line,
                mark.column,
                hint="put one project per file",
            )
        loaded = LoadedYaml(display_name, None)
        if node is None:
            return loaded
        _check_expanded_size(node)
        loaded.data = _Converter(loader, loaded).convert(node, ())
        return loaded
    finally:
        loader.dispose()


def _check_expanded_size(root: Node) -> None:
    """Count the nodes the data would have once aliases are expanded; refuse cycles."""
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    in_progress: set[int] = set()

    def size_of(node: Node, depth: int) -> int:
        if depth > MAX_DEPTH:  # aliases can stack nodes deeper than the text shows
            raise _depth_problem(node.start_mark.line, node.start_mark.column)
        ident = id(node)
        if ident in sizes and depth + heights[ident] <= MAX_DEPTH:
            return sizes[ident]
        if ident in in_progress:
            raise _LoadProblem(
                "a YAML alias refers to a node that contains it (recursive alias)",
                node.start_mark.line,
                node.start_mark.column,
            )
        in_progress.add(ident)
        total = 1
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [item for pair in node.value for item in pair]
        height = 0
        for child in children:
            total += size_of(child, depth + 1)
            height = max(height, heights[id(child)] + 1)
            _check_total(total, node)
        in_progress.discard(ident)
        sizes[ident] = total
        heights[ident] = height
        return total

    size_of(root, 0)


def _check_total(total: int, node: Node) -> None:
    if total > MAX_EXPANDED_NODES:
        raise _LoadProblem(
            f"the document expands to more than {MAX_EXPANDED_NODES:,} values "
            "through aliases (an alias bomb?)",
            node.start_mark.line,
            node.start_mark.column,
        )


class _Converter:
    """Node graph -> plain dict/list/scalars, recording positions and refusing duplicate keys."""

    def __init__(self, loader: _Loader, out: LoadedYaml) -> None:
        self._loader = loader
        self._out = out

    def convert(self, node: Node, path: PathKey) -> Any:
        self._out.values[path] = _position(node)
        if not isinstance(node, ScalarNode) and node.tag not in _COLLECTION_TAGS:
            raise _LoadProblem(
                f"unsupported YAML tag {node.tag}", node.start_mark.line, node.start_mark.column
            )
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.convert(child, (*path, i)) for i, child in enumerate(node.value)]
        if isinstance(node, ScalarNode):
            return self._loader.construct_object(node, deep=True)
        raise _LoadProblem("unsupported YAML node", node.start_mark.line, node.start_mark.column)

    def _mapping(self, node: MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[str, Position] = {}
        merged: list[MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.extend(self._merge_sources(value_node))
                continue
            if not isinstance(key_node, ScalarNode):
                raise _LoadProblem(
                    "a mapping key must be a plain value, not a list or mapping",
                    key_node.start_mark.line,
                    key_node.start_mark.column,
                )
            key = str(key_node.value)
            if key in seen:
                first = seen[key]
                raise _LoadProblem(
                    f"duplicate key {key!r} (first defined at line {first.line}, "
                    f"column {first.column})",
                    key_node.start_mark.line,
                    key_node.start_mark.column,
                    hint="a later key would silently replace the earlier one; keep one",
                )
            seen[key] = _position(key_node)
            self._out.keys[(*path, key)] = seen[key]
            result[key] = self.convert(value_node, (*path, key))
        for source in merged:
            for key_node, value_node in source.value:
                key = str(key_node.value)
                if key_node.tag != _MERGE_TAG and key not in result:
                    self._out.keys[(*path, key)] = _position(key_node)
                    result[key] = self.convert(value_node, (*path, key))
        return result

    @staticmethod
    def _merge_sources(value_node: Node) -> list[MappingNode]:
        nodes = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        sources: list[MappingNode] = []
        for item in nodes:
            if not isinstance(item, MappingNode):
                raise _LoadProblem(
                    "'<<' merges only mappings", item.start_mark.line, item.start_mark.column
                )
            sources.append(item)
        return sources
