"""Draws the small, flat-colour mascot images the examples ship with.

Run `python scripts/make_example_images.py` to regenerate them; the output is deterministic.
Flat colours keep each PNG a few kilobytes, so the examples stay far under 1 MB.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 512
ORANGE = (236, 120, 38)
CREAM = (250, 236, 214)
SCARF = (40, 90, 200)
DARK = (30, 30, 40)


def draw_fox(background: tuple[int, int, int], tilt_deg: float, scale: float) -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), background)
    draw = ImageDraw.Draw(image)
    cx, cy = SIZE / 2, SIZE / 2 + 20
    r = 140 * scale

    def rotate(x: float, y: float) -> tuple[float, float]:
        angle = math.radians(tilt_deg)
        dx, dy = x - cx, y - cy
        return (
            cx + dx * math.cos(angle) - dy * math.sin(angle),
            cy + dx * math.sin(angle) + dy * math.cos(angle),
        )

    for side in (-1, 1):
        ear = [
            rotate(cx + side * r * 0.9, cy - r * 0.3),
            rotate(cx + side * r * 0.75, cy - r * 1.5),
            rotate(cx + side * r * 0.2, cy - r * 0.8),
        ]
        draw.polygon(ear, fill=ORANGE)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=ORANGE)
    muzzle = [rotate(cx - r * 0.55, cy + r * 0.1), rotate(cx + r * 0.55, cy + r * 0.1),
              rotate(cx, cy + r * 0.85)]
    draw.polygon(muzzle, fill=CREAM)
    for side in (-1, 1):
        ex, ey = rotate(cx + side * r * 0.38, cy - r * 0.2)
        draw.ellipse([ex - 14, ey - 14, ex + 14, ey + 14], fill=DARK)
    nx, ny = rotate(cx, cy + r * 0.75)
    draw.ellipse([nx - 12, ny - 10, nx + 12, ny + 10], fill=DARK)
    draw.rectangle([cx - r * 1.1, cy + r * 0.95, cx + r * 1.1, cy + r * 1.25], fill=SCARF)
    return image


POSES = [
    ("fox-01", (200, 230, 250), 0.0, 1.0, "Foxy smiling at the viewer on a sky-blue background"),
    ("fox-02", (210, 245, 210), -12.0, 0.9, "Foxy tilting its head to the left in a green meadow"),
    ("fox-03", (250, 225, 235), 10.0, 1.1, "Foxy tilting its head to the right, pink background"),
    ("fox-04", (250, 250, 210), 0.0, 0.8, None),
    ("fox-05", (225, 215, 250), -5.0, 1.05, None),
    ("fox-06", (240, 240, 240), 6.0, 0.95, None),
]


def main(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, background, tilt, scale, caption in POSES:
        draw_fox(background, tilt, scale).save(target / f"{name}.png", optimize=True)
        sidecar = target / f"{name}.txt"
        if caption:
            sidecar.write_text(caption + "\n", encoding="utf-8")
        elif sidecar.exists():
            sidecar.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples/quickstart/images/v1"))
