"""A restart on the same database file keeps ids, images, clock offset and training state."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reconciler.sandbox.app import create_app
from tests.sandbox.helpers import (
    advance,
    asgi_client,
    control,
    ok,
    project,
    training_model,
    upload,
)

pytestmark = pytest.mark.anyio


def _client(db: Path) -> httpx.AsyncClient:
    return asgi_client(create_app(db_path=str(db)))


async def test_restart_keeps_everything(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.db"
    async with _client(db) as first:
        started = await training_model(first)
        other = ok(
            await first.post(
                "/tailored-gen/datasets", json={"project_id": started["project_id"], "name": "v2"}
            ),
            201,
        )
        image = await upload(first, other["id"], seed=5)
        await advance(first, 10)
        regenerating = ok(await first.put(f"/tailored-gen/datasets/{other['id']}/images"), 202)
        assert regenerating["captions_update_status"] == "in_progress"
        served = (await first.get(image["image_url"])).content
    async with _client(db) as second:
        clock = ok(await control(second, "GET", "/clock"))
        assert clock["offset_s"] == 10
        model = ok(await second.get(f"/tailored-gen/models/{started['id']}"))
        assert model["status"] == "InProgress"
        assert (await second.get(image["image_url"])).content == served
        assert ok(await second.get(f"/tailored-gen/datasets/{other['id']}/images/{image['id']}"))
        assert (await project(second))["id"] == started["project_id"] + 1
        await advance(second, 25)
        assert ok(await second.get(f"/tailored-gen/models/{started['id']}"))["status"] == (
            "Completed"
        )
        got = ok(await second.get(f"/tailored-gen/datasets/{other['id']}"))
        assert got["captions_update_status"] == "completed"
