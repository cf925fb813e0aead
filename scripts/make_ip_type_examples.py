"""Draws the images of the per-IP-type example workspaces in examples/ip-types/.

Run `python scripts/make_ip_type_examples.py` to regenerate them; the output is deterministic.
The manifests beside the images are written by hand; this script only draws pictures and
sidecar captions. Flat colours keep every PNG a few kilobytes, even the 1024 px ones the
advanced (zip) upload needs, so each example stays far under 200 KB.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

RGB = tuple[int, int, int]
Painter = Callable[[ImageDraw.ImageDraw, int, int], None]
"""Draws one picture on a canvas of the given width and height."""
DARK: RGB = (35, 35, 45)
WHITE: RGB = (250, 250, 250)


@dataclass(frozen=True)
class Picture:
    folder: str
    """Relative to examples/ip-types/."""
    name: str
    size: tuple[int, int]
    draw: Painter
    background: RGB
    caption: str | None = None
    """Written to a sidecar NAME.txt when set."""


def robot(body: RGB, arm_angle: float) -> Painter:
    """Bolt, the tin robot of the defined_character example, photographed on a table."""

    def draw(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        d.rectangle([0, h * 0.78, w, h], fill=(150, 110, 80))
        cx = w / 2
        d.rectangle([cx - 60, h * 0.40, cx + 60, h * 0.72], fill=body)
        d.rectangle([cx - 45, h * 0.18, cx + 45, h * 0.38], fill=body)
        d.line([cx, h * 0.18, cx, h * 0.10], fill=DARK, width=6)
        d.ellipse([cx - 10, h * 0.07, cx + 10, h * 0.11], fill=(250, 200, 40))
        for side in (-1, 1):
            d.ellipse([cx + side * 22 - 9, h * 0.25, cx + side * 22 + 9, h * 0.30], fill=WHITE)
            angle = math.radians(arm_angle * side)
            x0, y0 = cx + side * 60, h * 0.45
            d.line([x0, y0, x0 + side * 55 * math.cos(angle), y0 - 55 * math.sin(angle)],
                   fill=body, width=14)
            d.rectangle([cx + side * 30 - 12, h * 0.72, cx + side * 30 + 12, h * 0.80], fill=DARK)

    return draw


def scene(sky: RGB, hill: RGB, sun: RGB, sun_x: float) -> Painter:
    """Rolling hills in the flat, poster-like style of the stylized_scene example."""

    def draw(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        d.rectangle([0, 0, w, h], fill=sky)
        d.ellipse([w * sun_x - 30, h * 0.15, w * sun_x + 30, h * 0.15 + 60], fill=sun)
        d.ellipse([-w * 0.3, h * 0.55, w * 0.7, h * 1.6], fill=hill)
        darker = tuple(max(0, c - 40) for c in hill)
        d.ellipse([w * 0.35, h * 0.65, w * 1.3, h * 1.7], fill=darker)

    return draw


def kitchen_object(kind: str, colour: RGB) -> Painter:
    """One piece of the multi_object_set kitchenware set (1024 px for the advanced upload)."""

    def draw(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        cx, cy = w / 2, h / 2
        if kind == "cup":
            d.rectangle([cx - 180, cy - 160, cx + 140, cy + 200], fill=colour)
            d.ellipse([cx + 100, cy - 90, cx + 260, cy + 90], outline=colour, width=40)
        elif kind == "teapot":
            d.ellipse([cx - 250, cy - 180, cx + 250, cy + 220], fill=colour)
            d.polygon([(cx + 200, cy), (cx + 380, cy - 150), (cx + 240, cy + 60)], fill=colour)
            d.ellipse([cx - 60, cy - 260, cx + 60, cy - 160], fill=DARK)
        elif kind == "plate":
            d.ellipse([cx - 380, cy - 380, cx + 380, cy + 380], fill=colour)
            d.ellipse([cx - 250, cy - 250, cx + 250, cy + 250], fill=WHITE)
        else:  # spoon
            d.ellipse([cx - 110, cy - 380, cx + 110, cy - 80], fill=colour)
            d.rectangle([cx - 30, cy - 100, cx + 30, cy + 400], fill=colour)

    return draw


def sneaker(upper: RGB, laces: RGB) -> Painter:
    """The same running sneaker in another colour: the object_variants example."""

    def draw(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        d.polygon([(40, h * 0.70), (60, h * 0.40), (140, h * 0.35), (200, h * 0.50),
                   (w - 30, h * 0.58), (w - 30, h * 0.70)], fill=upper)
        d.rectangle([35, h * 0.70, w - 25, h * 0.78], fill=WHITE)
        for i in range(3):
            x = 110 + i * 28
            d.line([x, h * 0.40, x + 20, h * 0.50], fill=laces, width=6)

    return draw


def icon(kind: str) -> Painter:
    """A bold single-colour pictogram: the icons example."""

    def draw(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        c = w / 2
        if kind == "house":
            d.polygon([(c, 40), (w - 40, 120), (40, 120)], fill=DARK)
            d.rectangle([70, 120, w - 70, h - 40], fill=DARK)
            d.rectangle([c - 20, h - 100, c + 20, h - 40], fill=WHITE)
        elif kind == "star":
            points = []
            for i in range(10):
                r = 100 if i % 2 == 0 else 42
                a = math.radians(-90 + i * 36)
                points.append((c + r * math.cos(a), c + r * math.sin(a)))
            d.polygon(points, fill=DARK)
        elif kind == "mail":
            d.rectangle([36, 70, w - 36, h - 70], fill=DARK)
            d.line([36, 70, c, c + 10, w - 36, 70], fill=WHITE, width=10)
        elif kind == "bell":
            d.pieslice([60, 40, w - 60, h - 40], 180, 360, fill=DARK)
            d.rectangle([60, c, w - 60, h - 70], fill=DARK)
            d.ellipse([c - 18, h - 80, c + 18, h - 44], fill=DARK)
        else:  # search
            d.ellipse([50, 50, 170, 170], outline=DARK, width=18)
            d.line([160, 160, 215, 215], fill=DARK, width=24)

    return draw


def blob(colour: RGB, hat: RGB | None, eyes_closed: bool) -> Painter:
    """Pip, a round sprite in different outfits: the character_variants example."""

    def draw(d: ImageDraw.ImageDraw, w: int, h: int) -> None:
        c = w / 2
        d.ellipse([c - 100, h * 0.30, c + 100, h * 0.30 + 190], fill=colour)
        for side in (-1, 1):
            x = c + side * 38
            if eyes_closed:
                d.line([x - 12, h * 0.50, x + 12, h * 0.50], fill=DARK, width=6)
            else:
                d.ellipse([x - 12, h * 0.46, x + 12, h * 0.54], fill=DARK)
        if hat is not None:
            d.polygon([(c - 70, h * 0.33), (c + 70, h * 0.33), (c, h * 0.05)], fill=hat)

    return draw


PICTURES: tuple[Picture, ...] = (
    # defined_character, photography: Bolt the tin robot; sidecars on three of five.
    Picture("defined_character/images", "bolt-01.png", (384, 448), robot((200, 40, 40), 20),
            (225, 225, 220), "Bolt standing on a wooden table, arms raised"),
    Picture("defined_character/images", "bolt-02.png", (384, 448), robot((200, 40, 40), -30),
            (200, 215, 230), "Bolt with arms lowered against a pale blue wall"),
    Picture("defined_character/images", "bolt-03.png", (384, 448), robot((200, 40, 40), 60),
            (235, 220, 200), "Bolt waving both arms in warm light"),
    Picture("defined_character/images", "bolt-04.png", (384, 448), robot((200, 40, 40), 0),
            (210, 230, 210)),
    Picture("defined_character/images", "bolt-05.png", (384, 448), robot((200, 40, 40), 40),
            (240, 240, 240)),
    # stylized_scene, illustration: flat hills at different times of day.
    Picture("stylized_scene/images", "dawn.png", (448, 256),
            scene((250, 200, 170), (110, 160, 90), (250, 240, 200), 0.2), (0, 0, 0)),
    Picture("stylized_scene/images", "noon.png", (448, 256),
            scene((150, 200, 245), (90, 170, 80), (255, 230, 80), 0.5), (0, 0, 0)),
    Picture("stylized_scene/images", "dusk.png", (448, 256),
            scene((220, 120, 110), (80, 110, 70), (250, 170, 90), 0.8), (0, 0, 0)),
    Picture("stylized_scene/images", "night.png", (448, 256),
            scene((30, 40, 80), (30, 60, 40), (230, 230, 210), 0.7), (0, 0, 0)),
    # multi_object_set, illustration, advanced upload: 1024 px kitchenware, every image captioned.
    Picture("multi_object_set/images", "cup.png", (1024, 1024),
            kitchen_object("cup", (60, 120, 190)), (245, 240, 230),
            "a blue enamel cup with a round handle"),
    Picture("multi_object_set/images", "teapot.png", (1024, 1024),
            kitchen_object("teapot", (190, 70, 60)), (245, 240, 230),
            "a round red teapot with a black lid"),
    Picture("multi_object_set/images", "plate.png", (1024, 1024),
            kitchen_object("plate", (70, 150, 110)), (245, 240, 230),
            "a white plate with a wide green rim"),
    Picture("multi_object_set/images", "spoon.png", (1024, 1024),
            kitchen_object("spoon", (150, 150, 160)), (245, 240, 230), "a plain steel spoon"),
    # object_variants, illustration: one sneaker, four colourways.
    Picture("object_variants/images", "sneaker-red.png", (320, 256),
            sneaker((210, 50, 50), WHITE), (240, 240, 240), "the sneaker in red with white laces"),
    Picture("object_variants/images", "sneaker-blue.png", (320, 256),
            sneaker((50, 90, 200), WHITE), (240, 240, 240)),
    Picture("object_variants/images", "sneaker-black.png", (320, 256),
            sneaker((30, 30, 30), (230, 60, 60)), (240, 240, 240)),
    Picture("object_variants/images", "sneaker-mint.png", (320, 256),
            sneaker((150, 220, 190), DARK), (240, 240, 240)),
    # icons, illustration: five pictograms at the 256 px minimum.
    Picture("icons/images", "house.png", (256, 256), icon("house"), WHITE, "a house"),
    Picture("icons/images", "star.png", (256, 256), icon("star"), WHITE, "a five-pointed star"),
    Picture("icons/images", "mail.png", (256, 256), icon("mail"), WHITE, "an envelope"),
    Picture("icons/images", "bell.png", (256, 256), icon("bell"), WHITE, "a notification bell"),
    Picture("icons/images", "search.png", (256, 256), icon("search"), WHITE, "a magnifying glass"),
    # character_variants, illustration: Pip in four outfits (captions are in the manifest).
    Picture("character_variants/images", "pip-plain.png", (300, 300),
            blob((120, 200, 120), None, False), (250, 245, 225)),
    Picture("character_variants/images", "pip-party.png", (300, 300),
            blob((120, 200, 120), (230, 80, 150), False), (250, 245, 225)),
    Picture("character_variants/images", "pip-sleepy.png", (300, 300),
            blob((120, 180, 220), None, True), (225, 225, 250)),
    Picture("character_variants/images", "pip-wizard.png", (300, 300),
            blob((190, 150, 230), (60, 50, 140), False), (240, 235, 250)),
)


def main(root: Path) -> None:
    for picture in PICTURES:
        folder = root / picture.folder
        folder.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", picture.size, picture.background)
        picture.draw(ImageDraw.Draw(image), *picture.size)
        image = image.quantize(colors=16)
        target = folder / picture.name
        image.save(target, optimize=True)
        sidecar = target.with_suffix(".txt")
        if picture.caption:
            sidecar.write_text(picture.caption + "\n", encoding="utf-8")
        elif sidecar.exists():
            sidecar.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("examples/ip-types"))
