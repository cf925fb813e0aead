"""Previews for `tailor plan --format html`, gathered at the edge so that `render.html` stays pure.

Local files are downscaled by `engine.thumbnails`; live thumbnails are downloaded by
`client.downloads` (not on the API's paced path) and downscaled as they arrive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

import httpx

from reconciler.engine.thumbnails import (
    fetch_thumbnails,
    live_image_urls,
    per_preview_budget,
    read_local_thumbnails,
)
from reconciler.plan.model import Plan
from reconciler.render.html import Previews, wanted_previews
from reconciler.resources import LiveSnapshot

MAX_PREVIEWS = 1_000
"""Per side; a larger change shows names and captions for the rest."""


async def collect_previews(
    plan: Plan,
    live: LiveSnapshot,
    root: Path,
    mounts: Mapping[str, httpx.AsyncBaseTransport],
) -> Previews:
    wanted = wanted_previews(plan)
    new_paths = dict(list(wanted.new_paths.items())[:MAX_PREVIEWS])
    urls = live_image_urls(live, wanted.old_ids)
    budget = per_preview_budget(len(new_paths) + min(len(urls), MAX_PREVIEWS))
    local = asyncio.to_thread(read_local_thumbnails, root, new_paths, max_bytes=budget)
    fetched = fetch_thumbnails(urls, mounts=mounts, max_count=MAX_PREVIEWS, max_bytes=budget)
    new, old = await asyncio.gather(local, fetched)
    return Previews(new=new, old=old)
