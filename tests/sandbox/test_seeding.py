"""Seeding control routes: objects of the other generation, and objects with fields tailor does
not know, beside the ones made through Bria's API."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.sandbox.store import ADDED_COLUMNS, Store
from tests.sandbox.helpers import control, dataset, expect_error, ok, project, upload

pytestmark = pytest.mark.anyio


async def _seed(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = ok(await control(client, "POST", "/seed", json=body), 201)
    return result


async def test_fibo_seed_makes_the_current_generation(sandbox_http: httpx.AsyncClient) -> None:
    made = await _seed(sandbox_http)
    assert len(made["dataset_ids"]) == 2 and len(made["image_ids"]) == 6
    projects = ok(await sandbox_http.get("/tailored-gen/projects"))
    assert [p["training_version"] for p in projects] == ["fibo"]
    completed_id, draft_id = made["dataset_ids"]
    completed = ok(await sandbox_http.get(f"/tailored-gen/datasets/{completed_id}"))
    assert completed["training_version"] == "fibo" and completed["caption_prefix"] is None
    assert completed["status"] == "completed" and completed["images_count"] == 5
    assert json.loads(completed["visual_schema"])
    assert all(json.loads(image["caption"]) for image in completed["images"])
    draft = ok(await sandbox_http.get(f"/tailored-gen/datasets/{draft_id}"))
    assert draft["status"] == "draft" and draft["visual_schema"] is None
    [pending] = draft["images"]
    assert (pending["caption_source"], pending["caption"]) == ("pending", None)
    assert (await sandbox_http.get(pending["image_url"])).status_code == 200
    model = ok(await sandbox_http.get(f"/tailored-gen/models/{made['model_id']}"))
    assert (model["training_version"], model["generation_prefix"]) == ("fibo", None)
    assert model["status"] == "Completed" and model["dataset_id"] == completed_id


async def test_legacy_seed_into_an_existing_project(sandbox_http: httpx.AsyncClient) -> None:
    mine = await project(sandbox_http)
    made = await _seed(sandbox_http, generation="light", project_id=mine["id"], images=2)
    assert made["project_id"] == mine["id"] and len(made["dataset_ids"]) == 1
    seeded = ok(await sandbox_http.get(f"/tailored-gen/datasets/{made['dataset_ids'][0]}"))
    assert seeded["training_version"] == "light" and seeded["visual_schema"] is None
    assert all(i["caption"].startswith(seeded["caption_prefix"]) for i in seeded["images"])
    model = ok(await sandbox_http.get(f"/tailored-gen/models/{made['model_id']}"))
    assert model["training_version"] == "light"
    assert model["generation_prefix"] == seeded["caption_prefix"]
    locked = ok(await sandbox_http.get(f"/tailored-gen/projects/{mine['id']}"))
    assert locked["training_version"] == "light"


async def test_overrides_add_unknown_fields_and_values(sandbox_http: httpx.AsyncClient) -> None:
    made = await _seed(
        sandbox_http,
        generation="max",
        model=True,
        overrides={
            "model": {"set": {"status": "Archived", "lineage": {"v": 2}}, "omit": ["updated_at"]},
            "image": {"set": {"caption_source": "ai_v2"}},
        },
    )
    for listed in (
        ok(await sandbox_http.get("/tailored-gen/models")),
        [ok(await sandbox_http.get(f"/tailored-gen/models/{made['model_id']}"))],
    ):
        [model] = listed
        assert model["status"] == "Archived" and model["lineage"] == {"v": 2}
        assert "updated_at" not in model and model["created_at"]
    images = ok(await sandbox_http.get(f"/tailored-gen/datasets/{made['dataset_ids'][0]}/images"))
    assert {image["caption_source"] for image in images} == {"ai_v2"}


async def test_any_object_can_be_given_overrides(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    image = await upload(sandbox_http, created["id"])
    path = f"/objects/images/{image['id']}"
    body = {"set": {"caption_source": "pending_review", "score": 0.5}, "omit": ["thumbnail_url"]}
    answer = ok(await control(sandbox_http, "PUT", path, json=body))
    assert answer == {"kind": "images", "id": image["id"], **body}
    url = f"/tailored-gen/datasets/{created['id']}/images/{image['id']}"
    shown = ok(await sandbox_http.get(url))
    assert shown["caption_source"] == "pending_review" and shown["score"] == 0.5
    assert "thumbnail_url" not in shown
    clone = ok(await sandbox_http.post(f"/tailored-gen/datasets/{created['id']}/clone"), 201)
    assert clone["images"][0]["caption_source"] == "automatic", "a clone is Bria's own object"
    ok(await control(sandbox_http, "PUT", path, json={}))
    assert ok(await sandbox_http.get(url))["caption_source"] == "automatic"


async def test_bad_seed_bodies_are_refused(sandbox_http: httpx.AsyncClient) -> None:
    for body in (
        {"generation": "sdxl"},
        {"images": 0},
        {"model": "yes"},
        {"project_id": "1"},
        {"overrides": {"checkpoint": {}}},
        {"overrides": {"model": {"set": []}}},
        {"overrides": {"model": {"omit": "updated_at"}}},
    ):
        expect_error(await control(sandbox_http, "POST", "/seed", json=body), 400, "BODY-FIELD")
    expect_error(
        await control(sandbox_http, "PUT", "/objects/models/1", json={"drop": []}),
        400,
        "BODY-FIELD",
    )
    expect_error(await control(sandbox_http, "PUT", "/objects/models/1", json={}), 404, "NOT-FOUND")
    expect_error(await control(sandbox_http, "PUT", "/objects/users/1", json={}), 400, "BODY-FIELD")
    expect_error(
        await control(sandbox_http, "POST", "/seed", json={"project_id": 99}), 404, "NOT-FOUND"
    )


def test_an_older_database_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    Store(str(path)).close()
    with sqlite3.connect(path) as old:
        for table, column, _declaration, _backfill in ADDED_COLUMNS:
            old.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        old.execute(
            "INSERT INTO projects VALUES (1, 'p', '', NULL, NULL, 'photography', "
            "'stylized_scene', 'active', 0, 0)"
        )
        old.execute(
            "INSERT INTO projects VALUES (2, 'q', '', NULL, NULL, 'photography', "
            "'stylized_scene', 'active', 0, 0)"
        )
        old.execute(
            "INSERT INTO datasets VALUES (1, 1, 'd', 'A photo of x, ', 'draft', 'basic', NULL, "
            "0, NULL, 0, 0)"
        )
    store = Store(str(path))
    project_versions = [row["training_version"] for row in store.select("projects")]
    assert project_versions == ["max", None], "a project with datasets was locked to max"
    [row] = store.select("datasets")
    assert (row["training_version"], row["visual_schema"], row["overrides"]) == ("max", None, None)
