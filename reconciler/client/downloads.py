"""Files Bria hosts, fetched by the URLs it gives (presigned image thumbnails), bounded.

Kept apart from `transport` on purpose: these GETs are not API calls. They carry no token,
Bria's per-minute API limit does not count them (pacing 500 previews at 10 a minute would take
50 minutes), and a file that cannot be fetched is no error, only a missing preview, so nothing
is retried. What they share with the API's seam is injected the same way: `mounts` routes an
origin (the embedded sandbox's) to its in-process transport. Logs name the host only: the
query string of a presigned URL is a credential.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import TypeVar
from urllib.parse import urlsplit

import httpx

logger = logging.getLogger("reconciler.client.downloads")

MAX_FILE_BYTES = 8 * 1024 * 1024
"""A file larger than this is not downloaded to the end (it would only be downscaled)."""
REQUEST_TIMEOUT_S = 10.0
TOTAL_S = 30.0
MAX_FILES = 500
CONCURRENCY = 8

Mounts = Mapping[str, httpx.AsyncBaseTransport]
"""Origin -> the transport that serves it, e.g. the embedded sandbox's file host in process."""

K = TypeVar("K")
R = TypeVar("R")


async def fetch_files(
    urls: Mapping[K, str],
    transform: Callable[[bytes], R | None],
    *,
    mounts: Mounts | None = None,
    max_count: int = MAX_FILES,
    total_seconds: float = TOTAL_S,
    request_seconds: float = REQUEST_TIMEOUT_S,
    concurrency: int = CONCURRENCY,
) -> dict[K, R]:
    """Download up to `max_count` http(s) URLs and keep `transform(body)` of each (run in a
    thread, as each body arrives, so at most `concurrency` bodies are held at once). Whatever
    is not done within `total_seconds`, fails, or transforms to None is left out."""
    wanted = [(k, u) for k, u in urls.items() if urlsplit(u).scheme in ("http", "https")]
    wanted = wanted[:max_count]
    results: dict[K, R] = {}
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
        kept = await asyncio.to_thread(transform, data)
        if kept is not None:
            results[key] = kept

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
                if size > MAX_FILE_BYTES:
                    return None
                chunks.append(chunk)
            return b"".join(chunks)
    except (httpx.HTTPError, OSError) as error:
        # The URL is presigned: log only the host, never the query string.
        logger.debug("no file from %s: %s", urlsplit(url).hostname, type(error).__name__)
        return None
