"""Small previews for the HTML plan review: local files downscaled, live thumbnails fetched.

The review page embeds every preview as a data: URI, so each one is made small here (at most
256 px and a byte budget) and the renderer stays pure. Fetching is bounded in count, bytes and
time; anything that fails is simply left out and the page shows "no preview" instead. The
downloads themselves are `reconciler.client.downloads`' (the HTTP edge, which says why they
do not take the API's paced path); here they are only downscaled, in a thread as each arrives.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from PIL import Image, ImageOps, UnidentifiedImageError

from reconciler.client.downloads import (
    CONCURRENCY,
    MAX_FILES,
    REQUEST_TIMEOUT_S,
    TOTAL_S,
    Mounts,
    fetch_files,
)
from reconciler.resources import LiveSnapshot

MAX_SIDE = 256
MAX_BYTES = 40_000
"""Default budget of one preview (encoded)."""
MIN_BYTES = 3_000
"""Smallest per-preview budget worth asking for; a 96 px JPEG fits."""
MAX_SOURCE_BYTES = 64 * 1024 * 1024
"""A local or fetched file larger than this gets no preview (it would only be downscaled)."""

K = TypeVar("K")

_QUALITIES = (80, 70, 60, 50, 40)


def per_preview_budget(count: int, page_bytes: int = 6_000_000) -> int:
    """Bytes each of `count` previews may take so that all of them fit in `page_bytes`."""
    if count <= 0:
        return MAX_BYTES
    return max(MIN_BYTES, min(MAX_BYTES, page_bytes // count))


def downscale(data: bytes, *, max_side: int = MAX_SIDE, max_bytes: int = MAX_BYTES) -> bytes | None:
    """A JPEG of at most `max_side` px and `max_bytes`, or None when `data` is no image.

    Lower quality is tried first, then smaller sides: a bounded number of encodes.
    """
    if len(data) > MAX_SOURCE_BYTES:
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.draft("RGB", (max_side, max_side))
            image = ImageOps.exif_transpose(opened)
            image.thumbnail((max_side, max_side))
            image = _flatten(image)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    side = max(image.size)
    while True:
        for quality in _QUALITIES:
            encoded = _jpeg(image, quality)
            if len(encoded) <= max_bytes:
                return encoded
        side //= 2
        if side < 16:
            return None
        image.thumbnail((side, side))


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no alpha, and transparent pixels should not turn black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=False)
    return out.getvalue()


def read_local_thumbnails(
    root: Path,
    paths: Mapping[K, str],
    *,
    max_bytes: int = MAX_BYTES,
    workers: int = 4,
) -> dict[K, bytes]:
    """Previews of workspace files (`paths` relative to `root`); unreadable files are left out."""
    base = root.resolve()

    def one(relative: str) -> bytes | None:
        path = (base / relative).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            return None
        try:
            if path.stat().st_size > MAX_SOURCE_BYTES:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        return downscale(data, max_bytes=max_bytes)

    keys = list(paths)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(one, (paths[k] for k in keys)))
    return {key: data for key, data in zip(keys, results, strict=True) if data is not None}


def live_image_urls(live: LiveSnapshot, remote_ids: Mapping[K, int]) -> dict[K, str]:
    """The thumbnail URL (else the image URL) Bria gave for each remote image id."""
    by_id = {image.remote_id: image for images in live.images.values() for image in images}
    urls: dict[K, str] = {}
    for key, remote_id in remote_ids.items():
        image = by_id.get(remote_id)
        url = image and (image.thumbnail_url or image.image_url)
        if url:
            urls[key] = url
    return urls


async def fetch_thumbnails(
    urls: Mapping[K, str],
    *,
    mounts: Mounts | None = None,
    max_count: int = MAX_FILES,
    max_bytes: int = MAX_BYTES,
    total_seconds: float = TOTAL_S,
    request_seconds: float = REQUEST_TIMEOUT_S,
    concurrency: int = CONCURRENCY,
) -> dict[K, bytes]:
    """Download and downscale up to `max_count` images; whatever is not done within
    `total_seconds`, fails, or is not http(s) is left out (the page says "no preview").

    `mounts` maps an origin (e.g. the embedded sandbox's) to the transport that serves it.
    """
    return await fetch_files(
        urls,
        functools.partial(downscale, max_bytes=max_bytes),
        mounts=mounts,
        max_count=max_count,
        total_seconds=total_seconds,
        request_seconds=request_seconds,
        concurrency=concurrency,
    )
