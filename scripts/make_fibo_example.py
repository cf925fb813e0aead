"""Draws the images of the FIBO example workspace (examples/fibo/) and its JSON sidecar captions.

Run `python scripts/make_fibo_example.py` to regenerate them; the output is deterministic.
The manifest and README beside them are written by hand. Flat colours keep each 512 px PNG a
few kilobytes (Bria upscales them to 1024 with `increase_resolution`).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 512
RGB = tuple[int, int, int]
WHITE: RGB = (246, 244, 238)
RED: RGB = (214, 72, 58)
ROCK: RGB = (92, 84, 80)
LIGHT: RGB = (255, 226, 120)


@dataclass(frozen=True)
class Scene:
    name: str
    sky: RGB
    sea: RGB
    horizon: float
    """Height of the sea line, as a share of the image."""
    x: float
    """Where the lighthouse stands, as a share of the width."""
    lit: bool
    caption: dict[str, str] | None = None
    """Written to a sidecar NAME.json (the image's FIBO caption) when set."""


def draw(scene: Scene) -> Image.Image:
    """A lighthouse on a rock, flat-coloured, in the poster style of the example's brand."""
    image = Image.new("RGB", (SIZE, SIZE), scene.sky)
    d = ImageDraw.Draw(image)
    sea_y = SIZE * scene.horizon
    d.rectangle([0, sea_y, SIZE, SIZE], fill=scene.sea)
    cx = SIZE * scene.x
    d.ellipse([cx - 110, sea_y - 30, cx + 110, sea_y + 70], fill=ROCK)
    top, base = sea_y - 230, sea_y - 10
    for band in range(4):
        y0 = top + (base - top) * band / 4
        y1 = top + (base - top) * (band + 1) / 4
        d.polygon(
            [(cx - 26 - band * 5, y0), (cx + 26 + band * 5, y0),
             (cx + 31 + band * 5, y1), (cx - 31 - band * 5, y1)],
            fill=RED if band % 2 == 0 else WHITE,
        )
    d.rectangle([cx - 20, top - 34, cx + 20, top], fill=LIGHT if scene.lit else WHITE)
    d.polygon([(cx - 30, top - 34), (cx + 30, top - 34), (cx, top - 64)], fill=RED)
    if scene.lit:
        d.polygon([(cx + 20, top - 24), (SIZE, top - 70), (SIZE, top + 10)], fill=LIGHT)
    return image


SCENES = (
    Scene(
        "dawn", (250, 214, 180), (70, 120, 160), 0.70, 0.50, False,
        {
            "style": "flat vector poster",
            "subjects": "a red-and-white lighthouse on a rocky point",
            "settings": "calm sea at dawn",
            "moods": "quiet",
            "palette": "peach sky, steel-blue sea",
        },
    ),
    Scene(
        "night", (30, 40, 80), (20, 50, 90), 0.72, 0.40, True,
        {
            "style": "flat vector poster",
            "subjects": "a lighthouse sweeping its beam across the sea",
            "settings": "open sea at night",
            "moods": "watchful",
            "palette": "navy sky, yellow beam",
        },
    ),
    Scene("noon", (170, 215, 245), (40, 130, 190), 0.68, 0.60, False),
    Scene("dusk", (240, 150, 120), (90, 80, 140), 0.74, 0.35, True),
    Scene("fog", (215, 220, 222), (150, 165, 170), 0.70, 0.55, True),
    Scene("storm", (90, 100, 110), (50, 70, 80), 0.66, 0.45, True),
)


def main(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for scene in SCENES:
        draw(scene).save(target / f"{scene.name}.png", optimize=True)
        sidecar = target / f"{scene.name}.json"
        if scene.caption:
            sidecar.write_text(json.dumps(scene.caption, indent=2) + "\n", encoding="utf-8")
        elif sidecar.exists():
            sidecar.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples/fibo/images/coast"))
