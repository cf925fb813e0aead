"""How every renderer and command counts a noun ("1 image", "12,000 images").

Apart from `planview` so that `tailor validate` can count without importing the plan model.
"""

from __future__ import annotations


def counted(number: int, noun: str) -> str:
    """"1 image", "12,000 images": how every renderer and command counts a noun."""
    return f"{number:,} {noun}{'s' * (number != 1)}"
