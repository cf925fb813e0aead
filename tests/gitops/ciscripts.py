"""Reads the shell out of the example CI files: every script block, and every `tailor` command
line in it, so the tests can prove each command they show is one that really runs."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

OPERATORS = {";", "&&", "||", "|", "&", "(", ")", ";;", "|&"}
REDIRECTS = {">", ">>", "<", "<<", ">&", "<&", "&>", ">|"}
COMMAND_WORDS = {"then", "else", "elif", "do", "if", "while", "until", "!", "{", "time"}
HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


@dataclass(frozen=True)
class ShellBlock:
    job: str
    step: str
    """The step's name (GitHub) or the script key and index (GitLab)."""
    script: str


def load(path: Path) -> dict[str, Any]:
    # PyYAML reads the GitHub key `on:` as the boolean True; BaseLoader keeps every scalar text.
    loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert isinstance(loaded, dict), path
    return loaded


def github_blocks(workflow: dict[str, Any]) -> Iterator[ShellBlock]:
    for job_name, job in workflow["jobs"].items():
        for index, step in enumerate(job.get("steps", [])):
            if "run" in step:
                yield ShellBlock(job_name, step.get("name", f"step {index}"), step["run"])


def gitlab_blocks(pipeline: dict[str, Any]) -> Iterator[ShellBlock]:
    for job_name, job in pipeline.items():
        if not isinstance(job, dict):
            continue
        for key in ("before_script", "script", "after_script"):
            for index, item in enumerate(job.get(key, [])):
                yield ShellBlock(job_name, f"{key}[{index}]", item)


def logical_lines(script: str) -> Iterator[str]:
    """Lines with backslash continuations joined and here-document bodies left out."""
    joined = re.sub(r"\\\n[ \t]*", " ", script)
    terminator: str | None = None
    for line in joined.splitlines():
        if terminator is not None:
            if line.strip() == terminator:
                terminator = None
            continue
        match = HEREDOC.search(line)
        if match:
            terminator = match.group(2)
        yield line


def tailor_commands(script: str) -> list[tuple[str, ...]]:
    """Every `tailor ...` invocation, as argv, cut at the first operator or redirection."""
    found: list[tuple[str, ...]] = []
    for line in logical_lines(script):
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
        at_command = True
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if at_command and token == "tailor":
                argv = [token]
                index += 1
                while index < len(tokens) and tokens[index] not in OPERATORS | REDIRECTS:
                    argv.append(tokens[index])
                    index += 1
                if index < len(tokens) and tokens[index] in REDIRECTS and argv[-1].isdigit():
                    argv.pop()  # the file descriptor of `2> file`
                found.append(tuple(argv))
                at_command = False
                continue
            at_command = token in OPERATORS or (at_command and token in COMMAND_WORDS)
            index += 1
    return found


def commands_in(blocks: list[ShellBlock]) -> set[tuple[str, ...]]:
    return {command for block in blocks for command in tailor_commands(block.script)}
