"""Text from outside tailor made inert for the format it lands in.

Names chosen in Bria's Console, file names, captions and manifest strings reach the plan that
CI posts on a pull request. Every renderer passes them through one of these, so that no such
text can print a fake plan line, flip the reading order, ping a user, link, load a remote
image, or open an HTML element. Each starts with `reconciler.unprintable.visible` (control,
line-breaking and bidi characters shown as escapes such as `\\n`, `\\u202e`), then:
- `md_code`: an inline code span for Markdown prose and tables (code is never linked,
  mentioned or parsed); `md_fence`: a code block no line can close; `md_text`: prose with
  Markdown syntax, autolinks and mentions defused.
- `html_text` / `html_code`: HTML, also for Markdown's raw-HTML lines (`<summary>`), where
  Markdown is not parsed but GitHub still links mentions outside `<code>`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from reconciler.unprintable import visible

_WORD_JOINER = "\u2060"
"""Invisible, and breaks `@name`, `https://` and `www.` so that nothing links them."""
_LINKABLE = re.compile(r"@|(?<=:)//|(?<=[wW]{3})\.")
_MARKDOWN_SYNTAX = re.compile(r"([\\`*_\[\]<>&|~!])")
"""What can open a link, image, emphasis, code, HTML, an entity or a table cell mid-line."""


def md_code(text: str, *, table: bool = False) -> str:
    """An inline code span that no backtick, pipe or newline in `text` can end early."""
    shown = visible(text)
    fence = "`" * (_longest_backtick_run(shown) + 1)
    if shown.startswith(("`", " ")) or shown.endswith(("`", " ")):
        shown = f" {shown} "
    if table:
        shown = shown.replace("|", "\\|")
    return f"{fence}{shown}{fence}" if shown else "` `"


def md_fence(lines: Sequence[str], lang: str) -> str:
    """A code block whose fence is longer than any backtick run inside, so no line can close it."""
    longest = max((_longest_backtick_run(line) for line in lines), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n" + "".join(f"{line}\n" for line in lines) + f"{fence}\n\n"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def md_text(text: str) -> str:
    """Markdown prose within a line: the characters that open links, images, emphasis, code,
    HTML, entities or table cells backslash-escaped, and mentions and autolinks broken by an
    invisible word joiner."""
    return _MARKDOWN_SYNTAX.sub(r"\\\1", _defuse_links(visible(text)))


def html_text(text: object) -> str:
    return html.escape(visible(str(text)), quote=True)


def html_prose(text: object) -> str:
    """HTML text outside `<code>`, where GitHub would still link `@name` and URLs."""
    return _defuse_links(html_text(text))


def html_code(text: object) -> str:
    return f"<code>{html_text(text)}</code>"


def _defuse_links(text: str) -> str:
    return _LINKABLE.sub(lambda match: _join(match.group(0)), text)


def _join(found: str) -> str:
    return f"{found}{_WORD_JOINER}" if found == "@" else f"{_WORD_JOINER}{found}"
