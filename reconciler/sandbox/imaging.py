"""Pillow work: judge an image by its content, preprocess it as Bria does, caption it.

Preprocessing follows the reference: shortest side to 1024 keeping the aspect ratio, centred
1024x1024 crop, transparency onto black. The stored result is JPEG (quality 90): an order of
magnitude cheaper to encode than PNG at this size, and the caption descriptor is derived from
the SHA-256 of exactly those stored bytes.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from PIL import Image, UnidentifiedImageError

SIDE = 1024
THUMB_SIDE = 256
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})

RejectKind = Literal["format", "undecodable", "too_small"]


class ImageRejected(Exception):
    """The bytes are not an acceptable image; `kind` says which rule refused them."""

    def __init__(self, kind: RejectKind, message: str) -> None:
        super().__init__(message)
        self.kind: RejectKind = kind
        self.message = message


@dataclass(frozen=True)
class ProcessedImage:
    """The 1024x1024 training image and its thumbnail, both JPEG, with the stored digest."""

    digest: str
    data: bytes
    thumbnail: bytes


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ImageRejected("format", "Unsupported image format; use jpg, png or webp") from error
    if image.format not in ACCEPTED_FORMATS:
        raise ImageRejected(
            "format", f"Unsupported image format {image.format}; use jpg, png or webp"
        )
    return image


def inspect(data: bytes) -> tuple[int, int]:
    """Width and height, after checking the format by content and that the pixels decode."""
    image = _open(data)
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ImageRejected("undecodable", "The image could not be decoded") from error
    return image.size


_RECENT_LIMIT = 32
_recent: OrderedDict[tuple[str, int], ProcessedImage] = OrderedDict()
_recent_lock = threading.Lock()


def process(data: bytes, *, min_side: int) -> ProcessedImage:
    """`preprocess`, remembering the last few results: the same file is often sent again."""
    key = (hashlib.sha256(data).hexdigest(), min_side)
    with _recent_lock:
        hit = _recent.get(key)
        if hit is not None:
            _recent.move_to_end(key)
            return hit
    result = preprocess(data, min_side=min_side)
    with _recent_lock:
        _recent[key] = result
        while len(_recent) > _RECENT_LIMIT:
            _recent.popitem(last=False)
    return result


def preprocess(data: bytes, *, min_side: int) -> ProcessedImage:
    """Decode, enforce the shortest-side rule, crop and resize to 1024x1024, store as JPEG."""
    image = _open(data)
    width, height = image.size
    shortest = min(width, height)
    if shortest < min_side:
        raise ImageRejected(
            "too_small",
            f"Image resolution too low: {width}x{height}; the shortest side must be at least "
            f"{min_side} px",
        )
    if image.format == "JPEG" and shortest > SIDE:
        scale = SIDE / shortest
        image.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise ImageRejected("undecodable", "The image could not be decoded") from error
    rgb = _flatten(image)
    width, height = rgb.size
    shortest = min(width, height)
    left = (width - shortest) / 2
    top = (height - shortest) / 2
    box = (left, top, left + shortest, top + shortest)
    if shortest == SIDE:
        square = rgb.crop((int(left), int(top), int(left) + SIDE, int(top) + SIDE))
    else:
        square = rgb.resize(
            (SIDE, SIDE),
            Image.Resampling.BILINEAR,
            box=box,
            reducing_gap=2.0 if shortest > SIDE else None,
        )
    stored = _jpeg(square, quality=90)
    thumbnail = _jpeg(square.reduce(SIDE // THUMB_SIDE), quality=80)
    return ProcessedImage(
        digest=hashlib.sha256(stored).hexdigest(),
        data=stored,
        thumbnail=thumbnail,
    )


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent pixels become black, as Bria's preprocessing does."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if not has_alpha:
        return image.convert("RGB") if image.mode != "RGB" else image
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
    background.alpha_composite(rgba)
    return background.convert("RGB")


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


_MOODS = (
    "bright",
    "muted",
    "warm",
    "cool",
    "soft",
    "bold",
    "calm",
    "vivid",
    "dark",
    "airy",
    "rustic",
    "sleek",
    "playful",
    "serene",
    "dramatic",
    "gentle",
)
_SUBJECTS = (
    "figure",
    "scene",
    "object",
    "composition",
    "character",
    "arrangement",
    "landscape",
    "portrait",
    "still life",
    "pattern",
    "interior",
    "group",
    "close-up",
    "silhouette",
    "street view",
    "study",
)
_SETTINGS = (
    "in soft daylight",
    "against a plain background",
    "in a cozy room",
    "under evening light",
    "in an open field",
    "on a wooden table",
    "in a studio",
    "by the sea",
    "in a busy street",
    "in a quiet forest",
    "under a clear sky",
    "in warm lamplight",
    "on a white backdrop",
    "in morning mist",
    "at golden hour",
    "in a city park",
)


def descriptor_parts(digest: str) -> tuple[str, str, str]:
    """(mood, subject, setting): what the emulated captioner "sees" in an image's SHA-256."""
    raw = bytes.fromhex(digest)
    return (
        _MOODS[raw[0] % len(_MOODS)],
        _SUBJECTS[raw[1] % len(_SUBJECTS)],
        _SETTINGS[raw[2] % len(_SETTINGS)],
    )


def descriptor(digest: str) -> str:
    """A deterministic caption continuation derived from an image's stored SHA-256."""
    mood, subject, setting = descriptor_parts(digest)
    return f"a {mood} {subject} {setting}"


def mean_colour(data: bytes) -> str:
    """The image's average colour as `#rrggbb` (callers have checked it decodes)."""
    with Image.open(io.BytesIO(data)) as image:
        pixel = image.convert("RGB").resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))
    red, green, blue = pixel if isinstance(pixel, tuple) else (0, 0, 0)
    return f"#{red:02x}{green:02x}{blue:02x}"


def style_word(seed: bytes) -> str:
    return _MOODS[hashlib.sha256(seed).digest()[0] % len(_MOODS)]


def tiny_png(seed: bytes, side: int = 64) -> bytes:
    """A small solid-colour PNG whose colour follows `seed`; cheap and deterministic."""
    red, green, blue = hashlib.sha256(seed).digest()[:3]
    raw = b"".join(b"\x00" + bytes((red, green, blue)) * side for _ in range(side))

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
