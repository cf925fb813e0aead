"""Characters a reader cannot see as themselves: controls, line breaks, bidi and zero-width.

A file name or a name at Bria holding a newline can print a fake plan line, and U+202E can
make `gnp.exe` read as `exe.png`. Validate refuses such file names (`unprintable_at`), and
every renderer shows such characters as escapes (`visible`).
"""

from __future__ import annotations

import unicodedata

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")
"""Cc: C0/C1 controls and DEL; Cf: bidi controls (U+202A-202E, U+2066-2069, U+200E/F),
zero-width characters and the like; Zl/Zp: U+2028/U+2029, which end a line."""


def is_hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def visible(text: str) -> str:
    """`text` with every control, line-breaking and invisible format character escaped."""
    if text.isprintable():
        return text
    return "".join(
        (_ESCAPES.get(char) or f"\\u{ord(char):04x}") if is_hidden(char) else char for char in text
    )


def unprintable_at(text: str) -> int | None:
    """Index of the first character `visible` would escape, or None."""
    if text.isprintable():
        return None
    for index, char in enumerate(text):
        if is_hidden(char):
            return index
    return None
