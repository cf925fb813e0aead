"""ANSI colouring that is a no-op unless the caller asked for it (a TTY).

Plain escape codes rather than a console object: renderers return strings, and a string with
no codes must be byte-for-byte what a CI log or a golden file holds.
"""

from __future__ import annotations

from reconciler.records import record

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "magenta": "35",
    "cyan": "36",
    "bold_red": "1;31",
    "bold_yellow": "1;33",
}

SYMBOL_STYLE = {
    "+": "green",
    "~": "yellow",
    "-": "red",
    "-/+": "magenta",
    "+/-": "magenta",
}


@record
class Style:
    """Colours text with ANSI codes, or leaves it plain."""

    color: bool

    def __call__(self, text: str, style: str) -> str:
        if not self.color or not text:
            return text
        return f"\x1b[{_CODES[style]}m{text}\x1b[0m"

    def symbol(self, marker: str) -> str:
        style = SYMBOL_STYLE.get(marker.strip())
        return self(marker, style) if style else marker
