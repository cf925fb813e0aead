"""Dataset rules (REFERENCE section 6 and 7.6), in-process."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.helpers import (
    advance,
    completed_dataset,
    covers,
    dataset,
    expect_error,
    model,
    ok,
    project,
    training_model,
    upload,
)

pytestmark = pytest.mark.anyio
DATASETS = "/tailored-gen/datasets"


@covers("DS-PROJECT-REQUIRED", "DS-NAME-REQUIRED", "DS-UPLOAD-TYPE-ENUM")
async def test_create_dataset_validation(sandbox_http: httpx.AsyncClient) -> None:
    created = await project(sandbox_http)
    expect_error(await sandbox_http.post(DATASETS, json={"name": "d"}), 400, "DS-PROJECT-REQUIRED")
    expect_error(
        await sandbox_http.post(DATASETS, json={"project_id": 99, "name": "d"}),
        404,
        "DS-PROJECT-REQUIRED",
    )
    expect_error(
        await sandbox_http.post(DATASETS, json={"project_id": created["id"]}),
        400,
        "DS-NAME-REQUIRED",
    )
    bad_type = {"project_id": created["id"], "name": "d", "upload_type": "huge"}
    expect_error(await sandbox_http.post(DATASETS, json=bad_type), 400, "DS-UPLOAD-TYPE-ENUM")


@covers("DS-DEFAULT-PREFIX")
async def test_new_dataset_gets_a_default_prefix(sandbox_http: httpx.AsyncClient) -> None:
    scene = await project(sandbox_http, "stylized_scene", "photography")
    character = await project(
        sandbox_http, "defined_character", "illustration", ip_name="Lora", ip_description="d"
    )
    response = await sandbox_http.post(
        DATASETS, json={"project_id": scene["id"], "name": "d", "caption_prefix": "ignored"}
    )
    first = ok(response, 201)
    assert first["caption_prefix"] == "A photo of stylized scene, "
    assert first["status"] == "draft" and first["captions_update_status"] == "empty"
    assert first["images_count"] == 0 and first["captions_source"] is None
    second = ok(
        await sandbox_http.post(DATASETS, json={"project_id": character["id"], "name": "d"}), 201
    )
    assert second["caption_prefix"] == "An illustration of Lora, "


async def test_dataset_lists_and_get(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    for seed in range(3):
        await upload(sandbox_http, created["id"], seed)
    listed = ok(await sandbox_http.get(DATASETS))
    assert [d["images_count"] for d in listed] == [3] and "images" not in listed[0]
    by_project = ok(
        await sandbox_http.get(f"/tailored-gen/projects/{created['project_id']}/datasets")
    )
    assert [d["id"] for d in by_project] == [created["id"]]
    got = ok(await sandbox_http.get(f"{DATASETS}/{created['id']}", params={"max_images": 2}))
    assert got["images_count"] == 3 and len(got["images"]) == 2
    assert got["captions_update_status"] == "completed"
    expect_error(
        await sandbox_http.get(f"{DATASETS}/{created['id']}", params={"max_images": 201}),
        400,
        "QUERY-PARAM",
    )
    expect_error(await sandbox_http.get("/tailored-gen/projects/77/datasets"), 404, "NOT-FOUND")


@covers(
    "DS-COMPLETE-MIN-1-IMAGE",
    "DS-STATUS-ENUM",
    "DS-COMPLETED-PREFIX-LOCKED",
    "DS-COMPLETED-NO-REOPEN",
)
async def test_update_dataset_status_rules(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    url = f"{DATASETS}/{created['id']}"
    expect_error(
        await sandbox_http.put(url, json={"status": "completed"}), 409, "DS-COMPLETE-MIN-1-IMAGE"
    )
    expect_error(await sandbox_http.put(url, json={"status": "archived"}), 400, "DS-STATUS-ENUM")
    await upload(sandbox_http, created["id"])
    done = ok(await sandbox_http.put(url, json={"status": "completed", "caption_prefix": "P, "}))
    assert done["status"] == "completed" and done["caption_prefix"] == "P, "
    expect_error(
        await sandbox_http.put(url, json={"caption_prefix": "Other, "}),
        409,
        "DS-COMPLETED-PREFIX-LOCKED",
    )
    expect_error(
        await sandbox_http.put(url, json={"status": "draft"}), 409, "DS-COMPLETED-NO-REOPEN"
    )
    renamed = ok(await sandbox_http.put(url, json={"name": "New name"}))
    assert renamed["name"] == "New name" and renamed["status"] == "completed"


@covers("DS-PREFIX-CHANGE-NO-AUTO-RECAPTION")
async def test_prefix_change_leaves_captions(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    image = await upload(sandbox_http, created["id"])
    assert image["caption"].startswith(created["caption_prefix"])
    response = await sandbox_http.put(
        f"{DATASETS}/{created['id']}", json={"caption_prefix": "Brand new, "}
    )
    assert ok(response)["caption_prefix"] == "Brand new, "
    again = ok(await sandbox_http.get(f"{DATASETS}/{created['id']}/images/{image['id']}"))
    assert again["caption"] == image["caption"]


@covers("DS-REGEN-EMPTY", "DS-REGEN-RUNNING", "DS-COMPLETE-WHILE-CAPTIONING", "DS-REGEN-COMPLETED")
async def test_regenerate_all_captions(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    url = f"{DATASETS}/{created['id']}"
    empty = ok(await sandbox_http.put(f"{url}/images"), 202)
    assert empty["captions_update_status"] == "empty"
    image = await upload(sandbox_http, created["id"])
    ok(await sandbox_http.put(f"{url}/images/{image['id']}", json={"caption": "manual"}))
    ok(await sandbox_http.put(url, json={"caption_prefix": "Fresh, "}))
    running = ok(await sandbox_http.put(f"{url}/images"), 202)
    assert running["captions_update_status"] == "in_progress"
    expect_error(await sandbox_http.put(f"{url}/images"), 409, "DS-REGEN-RUNNING")
    expect_error(
        await sandbox_http.put(url, json={"status": "completed"}),
        409,
        "DS-COMPLETE-WHILE-CAPTIONING",
    )
    await advance(sandbox_http, 2)
    got = ok(await sandbox_http.get(url))
    assert got["captions_update_status"] == "completed"
    assert got["images"][0]["caption"].startswith("Fresh, ")
    assert got["images"][0]["caption_source"] == "automatic"
    ok(await sandbox_http.put(url, json={"status": "completed"}))
    expect_error(await sandbox_http.put(f"{url}/images"), 409, "DS-REGEN-COMPLETED")


@covers("DS-DELETE-IN-TRAINING")
async def test_dataset_delete_rules(sandbox_http: httpx.AsyncClient) -> None:
    trained = await training_model(sandbox_http)
    url = f"{DATASETS}/{trained['dataset_id']}"
    expect_error(await sandbox_http.delete(url), 409, "DS-DELETE-IN-TRAINING")
    await advance(sandbox_http, 31)
    assert (await sandbox_http.delete(url)).status_code == 204
    expect_error(await sandbox_http.get(url), 404, "NOT-FOUND")
    kept = ok(await sandbox_http.get(f"/tailored-gen/models/{trained['id']}"))
    assert kept["dataset_id"] == trained["dataset_id"] and kept["status"] == "Completed"


@covers("DS-CLONE-DRAFT")
async def test_clone_is_a_draft_copy(sandbox_http: httpx.AsyncClient) -> None:
    source = await completed_dataset(sandbox_http, images=2)
    url = f"{DATASETS}/{source['id']}"
    source_images = ok(await sandbox_http.get(f"{url}/images"))
    clone = ok(await sandbox_http.post(f"{url}/clone"), 201)
    assert clone["status"] == "draft" and clone["id"] != source["id"]
    assert clone["name"] == f"Copy of {source['name']}"
    assert clone["caption_prefix"] == source["caption_prefix"]
    assert [i["caption"] for i in clone["images"]] == [i["caption"] for i in source_images]
    assert {i["id"] for i in clone["images"]}.isdisjoint({i["id"] for i in source_images})
    named = ok(await sandbox_http.post(f"{url}/clone", json={"name": "v2"}), 201)
    assert named["name"] == "v2" and named["images_count"] == 2
    expect_error(await sandbox_http.post(f"{DATASETS}/999/clone"), 404, "NOT-FOUND")


@covers("DS-DOWNLOAD-ADVANCED-ONLY")
async def test_download_only_advanced(sandbox_http: httpx.AsyncClient) -> None:
    basic = await dataset(sandbox_http)
    expect_error(
        await sandbox_http.get(f"/datasets/{basic['id']}/download"),
        409,
        "DS-DOWNLOAD-ADVANCED-ONLY",
    )
    advanced = await dataset(sandbox_http, basic["project_id"], upload_type="advanced")
    body = ok(await sandbox_http.get(f"/datasets/{advanced['id']}/download"))
    assert body["download_url"].startswith("http://127.0.0.1:8787/_sandbox/files/")
    assert (await sandbox_http.get(body["download_url"])).status_code == 200


async def test_datasets_by_project_can_include_their_models(
    sandbox_http: httpx.AsyncClient,
) -> None:
    made = await model(sandbox_http)
    url = f"/tailored-gen/projects/{made['project_id']}/datasets"
    [plain] = ok(await sandbox_http.get(url))
    assert "models" not in plain and "model_ids" not in plain
    [both] = ok(await sandbox_http.get(url, params={"include_models": 1, "include_models_ids": 1}))
    assert both["model_ids"] == [str(made["id"])]
    assert [m["id"] for m in both["models"]] == [made["id"]]
    ok(await sandbox_http.delete(f"/tailored-gen/models/{made['id']}"), 204)
    [after] = ok(await sandbox_http.get(url, params={"include_models_ids": "true"}))
    assert after["model_ids"] == [] and "models" not in after, "deleted models are not listed"
