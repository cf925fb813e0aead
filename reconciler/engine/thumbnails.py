"""Small previews for the HTML plan review: local files downscaled, live thumbnails fetched.

The review page embeds every preview as a data: URI, so each one is made small here (at most
256 px and a byte budget) and the renderer stays pure. Fetching is bounded in count, bytes and
time; anything that fails is simply left out and the page shows "no preview" instead. No
request carries the API token: thumbnail URLs are presigned (Bria) or public (the sandbox's
file host), and the embedded sandbox's origin is reached through its in-process transport.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from PIL import Image, ImageOps, UnidentifiedImageError

from reconciler.resources import LiveSnapshot

logger = logging.getLogger("reconciler.engine.thumbnails")

MAX_SIDE = 256
MAX_BYTES = 40_000
"""Default budget of one preview (encoded)."""
MIN_BYTES = 3_000
"""Smallest per-preview budget worth asking for; a 96 px JPEG fits."""
MAX_SOURCE_BYTES = 64 * 1024 * 1024
"""A local or fetched file larger than this gets no preview (it would only be downscaled)."""
MAX_FETCH_BYTES = 8 * 1024 * 1024
FETCH_TIMEOUT_S = 10.0
TOTAL_FETCH_S = 30.0
MAX_FETCHES = 500
FETCH_CONCURRENCY = 8

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
    mounts: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    max_count: int = MAX_FETCHES,
    max_bytes: int = MAX_BYTES,
    total_seconds: float = TOTAL_FETCH_S,
    request_seconds: float = FETCH_TIMEOUT_S,
    concurrency: int = FETCH_CONCURRENCY,
) -> dict[K, bytes]:
    """Download and downscale up to `max_count` images; whatever is not done within
    `total_seconds`, fails, or is not http(s) is left out (the page says "no preview").

    `mounts` maps an origin (e.g. the embedded sandbox's) to the transport that serves it.
    """
    wanted = [(k, u) for k, u in urls.items() if urlsplit(u).scheme in ("http", "https")]
    wanted = wanted[:max_count]
    results: dict[K, bytes] = {}
    if not wanted:
        return results
    semaphore = asyncio.Semaphore(max(1, concurrency))
    deadline = time.monotonic() + total_seconds
    client = httpx.AsyncClient(
        mounts=dict(mounts or {}),
        timeout=httpx.Timeout(request_seconds),
        follow_redirects=True,
        max_redirects=3,
    )

    async def one(key: K, url: str) -> None:
        async with semaphore:
            if time.monotonic() >= deadline:
                return
            data = await _download(client, url)
        if data is None:
            return
        preview = await asyncio.to_thread(downscale, data, max_bytes=max_bytes)
        if preview is not None:
            results[key] = preview

    async with client:
        tasks = [asyncio.create_task(one(key, url)) for key, url in wanted]
        _done, pending = await asyncio.wait(tasks, timeout=total_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return results


async def _download(client: httpx.AsyncClient, url: str) -> bytes | None:
    try:
        async with client.stream("GET", url) as response:
            if response.status_code != 200:
                return None
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_FETCH_BYTES:
                    return None
                chunks.append(chunk)
            return b"".join(chunks)
    except (httpx.HTTPError, OSError) as error:
        # The URL is presigned: log only the host, never the query string.
        logger.debug("no preview from %s: %s", urlsplit(url).hostname, type(error).__name__)
        return None
