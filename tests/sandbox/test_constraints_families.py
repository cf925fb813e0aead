"""Training-version families (PUBLISHED-OPENAPI, first part): legacy and FIBO side by side."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import advance, covers, expect_error, ok, project, put_file, upload

pytestmark = pytest.mark.anyio
DATASETS = "/tailored-gen/datasets"
MODELS = "/tailored-gen/models"
SCHEMA = json.dumps({"style": "flat", "palette": "warm"})


async def _dataset(
    client: httpx.AsyncClient, project_id: int, version: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"project_id": project_id, "name": "d"}
    if version is not None:
        body["training_version"] = version
    return await client.post(DATASETS, json=body)


async def _fibo_dataset(
    client: httpx.AsyncClient, images: int = 0, schema: str | None = None
) -> dict[str, Any]:
    created: dict[str, Any] = ok(await _dataset(client, (await project(client))["id"], "fibo"), 201)
    if schema is not None:
        ok(await client.put(f"{DATASETS}/{created['id']}", json={"visual_schema": schema}))
    for seed in range(images):
        await upload(client, created["id"], seed)
    return created


async def _completed_fibo(client: httpx.AsyncClient) -> dict[str, Any]:
    created = await _fibo_dataset(client, images=5, schema=SCHEMA)
    done: dict[str, Any] = ok(
        await client.put(f"{DATASETS}/{created['id']}", json={"status": "completed"})
    )
    return done


@covers("DS-VERSION-ENUM")
async def test_create_dataset_takes_a_training_version(sandbox_http: httpx.AsyncClient) -> None:
    legacy = (await project(sandbox_http))["id"]
    default = ok(await _dataset(sandbox_http, legacy), 201)
    assert default["training_version"] == "max" and default["caption_prefix"]
    assert default["visual_schema"] is None
    for version in ("light", "3.2", "2.3", "max"):
        assert ok(await _dataset(sandbox_http, legacy, version), 201)["training_version"] == version
    fibo = ok(await _dataset(sandbox_http, (await project(sandbox_http))["id"], "fibo"), 201)
    assert (fibo["training_version"], fibo["caption_prefix"]) == ("fibo", None)
    for bad in ("sdxl", "bria-3.2", 3.2):
        expect_error(await _dataset(sandbox_http, legacy, bad), 400, "DS-VERSION-ENUM")  # type: ignore[arg-type]


@covers("DS-FAMILY-LOCK")
async def test_the_first_dataset_locks_the_project(sandbox_http: httpx.AsyncClient) -> None:
    fibo_project = await project(sandbox_http)
    assert fibo_project["training_version"] is None
    ok(await _dataset(sandbox_http, fibo_project["id"], "fibo"), 201)
    shown = ok(await sandbox_http.get(f"/tailored-gen/projects/{fibo_project['id']}"))
    assert shown["training_version"] == "fibo"
    ok(await _dataset(sandbox_http, fibo_project["id"], "fibo"), 201)
    expect_error(await _dataset(sandbox_http, fibo_project["id"]), 400, "DS-FAMILY-LOCK")
    legacy_project = await project(sandbox_http)
    ok(await _dataset(sandbox_http, legacy_project["id"], "light"), 201)
    ok(await _dataset(sandbox_http, legacy_project["id"], "2.3"), 201)
    expect_error(await _dataset(sandbox_http, legacy_project["id"], "fibo"), 400, "DS-FAMILY-LOCK")
    listed = ok(await sandbox_http.get("/tailored-gen/projects"))
    assert [p["training_version"] for p in listed] == ["fibo", "light"]


@covers("DS-VERSION-IMMUTABLE")
async def test_training_version_never_changes(sandbox_http: httpx.AsyncClient) -> None:
    created = ok(await _dataset(sandbox_http, (await project(sandbox_http))["id"]), 201)
    url = f"{DATASETS}/{created['id']}"
    expect_error(
        await sandbox_http.put(url, json={"training_version": "light"}), 400, "DS-VERSION-IMMUTABLE"
    )
    assert ok(await sandbox_http.put(url, json={"training_version": "max"}))["name"] == "d"


@covers("DS-FIELD-FAMILY")
async def test_prefix_and_schema_belong_to_their_family(sandbox_http: httpx.AsyncClient) -> None:
    legacy = ok(await _dataset(sandbox_http, (await project(sandbox_http))["id"]), 201)
    fibo = await _fibo_dataset(sandbox_http)
    for url, body in (
        (f"{DATASETS}/{legacy['id']}", {"visual_schema": SCHEMA}),
        (f"{DATASETS}/{fibo['id']}", {"caption_prefix": "A photo of "}),
        (f"{DATASETS}/{fibo['id']}", {"visual_schema": "not json"}),
        (f"{DATASETS}/{fibo['id']}", {"visual_schema": "[1, 2]"}),
    ):
        expect_error(await sandbox_http.put(url, json=body), 400, "DS-FIELD-FAMILY")
    updated = ok(await sandbox_http.put(f"{DATASETS}/{fibo['id']}", json={"visual_schema": SCHEMA}))
    assert updated["visual_schema"] == SCHEMA and updated["caption_prefix"] is None


@covers("DS-FIBO-COMPLETE")
async def test_fibo_completion_needs_five_images_and_a_schema(
    sandbox_http: httpx.AsyncClient,
) -> None:
    done = {"status": "completed"}
    four = await _fibo_dataset(sandbox_http, images=4, schema=SCHEMA)
    expect_error(
        await sandbox_http.put(f"{DATASETS}/{four['id']}", json=done), 409, "DS-FIBO-COMPLETE"
    )
    five = await _fibo_dataset(sandbox_http, images=5)
    body = expect_error(
        await sandbox_http.put(f"{DATASETS}/{five['id']}", json=done), 409, "DS-FIBO-COMPLETE"
    )
    assert "visual_schema" in body["message"]
    together = ok(
        await sandbox_http.put(f"{DATASETS}/{five['id']}", json={**done, "visual_schema": SCHEMA})
    )
    assert together["status"] == "completed"


@covers("DS-COMPLETED-SCHEMA-LOCKED")
async def test_a_completed_schema_is_locked(sandbox_http: httpx.AsyncClient) -> None:
    done = await _completed_fibo(sandbox_http)
    response = await sandbox_http.put(f"{DATASETS}/{done['id']}", json={"visual_schema": "{}"})
    expect_error(response, 409, "DS-COMPLETED-SCHEMA-LOCKED")


@covers("IMG-FIBO-PENDING")
async def test_fibo_images_wait_for_a_schema(sandbox_http: httpx.AsyncClient) -> None:
    created = await _fibo_dataset(sandbox_http)
    image = await upload(sandbox_http, created["id"])
    assert (image["caption"], image["caption_source"]) == (None, "pending")
    url = f"{DATASETS}/{created['id']}"
    ok(await sandbox_http.put(url, json={"visual_schema": SCHEMA}))
    assert ok(await sandbox_http.get(url))["images"][0]["caption_source"] == "pending"
    ok(await sandbox_http.put(f"{url}/images"), 202)
    await advance(sandbox_http, 5)
    [captioned] = ok(await sandbox_http.get(f"{url}/images"))
    assert captioned["caption_source"] == "automatic" and json.loads(captioned["caption"])
    second = await upload(sandbox_http, created["id"], seed=1)
    assert second["caption_source"] == "automatic" and json.loads(second["caption"])


@covers("IMG-CAPTION-JSON")
async def test_fibo_captions_are_json(sandbox_http: httpx.AsyncClient) -> None:
    created = await _fibo_dataset(sandbox_http, schema=SCHEMA)
    image = await upload(sandbox_http, created["id"])
    url = f"{DATASETS}/{created['id']}/images/{image['id']}"
    expect_error(await sandbox_http.put(url, json={"caption": "a fox"}), 400, "IMG-CAPTION-JSON")
    caption = json.dumps({"subject": "a fox"})
    changed = ok(await sandbox_http.put(url, json={"caption": caption}))
    assert (changed["caption"], changed["caption_source"]) == (caption, "manual")


@covers("MODEL-VERSION-FAMILY")
async def test_models_train_on_their_own_family(sandbox_http: httpx.AsyncClient) -> None:
    fibo = await _completed_fibo(sandbox_http)
    legacy = ok(await _dataset(sandbox_http, (await project(sandbox_http))["id"]), 201)
    for dataset_id, version in ((fibo["id"], "light"), (legacy["id"], "fibo")):
        body = {
            "name": "m",
            "dataset_id": dataset_id,
            "training_mode": "fully_automated",
            "training_version": version,
        }
        expect_error(await sandbox_http.post(MODELS, json=body), 400, "MODEL-VERSION-FAMILY")
    model = ok(await sandbox_http.post(MODELS, json={"name": "m", "dataset_id": fibo["id"]}), 201)
    assert (model["training_version"], model["training_mode"]) == ("fibo", "fully_automated")
    assert model["generation_prefix"] is None
    expect_error(
        await sandbox_http.post(MODELS, json={"name": "m", "dataset_id": legacy["id"]}),
        400,
        "MODEL-MODE-ENUM",
    )
    weights = await put_file(sandbox_http, "lora.safetensors", b"weights")
    upload = {
        "model_url": weights,
        "project_id": fibo["project_id"],
        "training_version": "bria-3.2",
    }
    response = await sandbox_http.post(f"{MODELS}/upload_model", json=upload)
    expect_error(response, 400, "MODEL-VERSION-FAMILY")


@covers("TRAIN-FAMILY-DEFAULTS")
async def test_training_defaults_follow_the_family(sandbox_http: httpx.AsyncClient) -> None:
    fibo = await _completed_fibo(sandbox_http)
    body = {"name": "m", "dataset_id": fibo["id"], "training_mode": "expert"}
    model = ok(await sandbox_http.post(MODELS, json=body), 201)
    started = ok(await sandbox_http.post(f"{MODELS}/{model['id']}/start_training", json={}))
    params = started["training_parameters"]
    assert (params["lr_scheduler"], params["total_training_steps"]) == (
        "constant_with_warmup",
        750,
    )
    assert params["lr_warmup_steps"] == 100 and started["generation_prefix"] is None
    legacy_project = (await project(sandbox_http))["id"]
    legacy = ok(await _dataset(sandbox_http, legacy_project), 201)
    await upload(sandbox_http, legacy["id"])
    ok(await sandbox_http.put(f"{DATASETS}/{legacy['id']}", json={"status": "completed"}))
    body = {**body, "dataset_id": legacy["id"], "training_version": "max"}
    model = ok(await sandbox_http.post(MODELS, json=body), 201)
    started = ok(await sandbox_http.post(f"{MODELS}/{model['id']}/start_training", json={}))
    params = started["training_parameters"]
    assert (params["lr_scheduler"], params["total_training_steps"]) == ("constant", 1500)
    assert params["lr_warmup_steps"] is None


async def test_a_fibo_model_downloads_as_bria_fibo(sandbox_http: httpx.AsyncClient) -> None:
    fibo = await _completed_fibo(sandbox_http)
    model = ok(await sandbox_http.post(MODELS, json={"name": "m", "dataset_id": fibo["id"]}), 201)
    ok(await sandbox_http.post(f"{MODELS}/{model['id']}/start_training", json={}))
    await advance(sandbox_http, 31)
    download = ok(await sandbox_http.get(f"{MODELS}/{model['id']}/download"))
    assert download["base_model_name"] == "BRIA-FIBO"
    assert download["base_model_card"] == "https://huggingface.co/briaai/BRIA-FIBO"
