"""Models, training, checkpoints, upload, download and generation (REFERENCE 8 and 9)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox.helpers import (
    advance,
    completed_dataset,
    control,
    covers,
    dataset,
    expect_error,
    model,
    ok,
    project,
    put_file,
    trained_model,
    training_model,
)

pytestmark = pytest.mark.anyio
MODELS = "/tailored-gen/models"


@covers("MODEL-NAME-REQUIRED", "MODEL-DATASET-REQUIRED", "MODEL-MODE-ENUM", "MODEL-VERSION-ENUM")
async def test_create_model_validation(sandbox_http: httpx.AsyncClient) -> None:
    created = await dataset(sandbox_http)
    good = {
        "name": "m",
        "dataset_id": created["id"],
        "training_mode": "expert",
        "training_version": "max",
    }
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**good, "name": ""}, 400, "MODEL-NAME-REQUIRED"),
        ({k: v for k, v in good.items() if k != "dataset_id"}, 400, "MODEL-DATASET-REQUIRED"),
        ({**good, "dataset_id": 999}, 404, "MODEL-DATASET-REQUIRED"),
        ({k: v for k, v in good.items() if k != "training_mode"}, 400, "MODEL-MODE-ENUM"),
        ({**good, "training_mode": "auto"}, 400, "MODEL-MODE-ENUM"),
        ({**good, "training_version": "huge"}, 400, "MODEL-VERSION-ENUM"),
    ]
    for body, status, constraint_id in cases:
        expect_error(await sandbox_http.post(MODELS, json=body), status, constraint_id)
    made = ok(await sandbox_http.post(MODELS, json={**good, "training_version": "bria-3.2"}), 201)
    assert made["status"] == "Created" and made["training_version"] == "bria-3.2"
    assert made["generation_prefix"] == "" and made["active_model_version"] == "default"
    assert made["project_id"] == created["project_id"]


@covers("MODEL-UPDATE-NAME-DESC-ONLY", "MODEL-DELETED-IMMUTABLE")
async def test_update_and_delete_model(sandbox_http: httpx.AsyncClient) -> None:
    created = await model(sandbox_http)
    url = f"{MODELS}/{created['id']}"
    renamed = ok(await sandbox_http.put(url, json={"name": "n2", "description": "d"}))
    assert (renamed["name"], renamed["description"]) == ("n2", "d")
    expect_error(
        await sandbox_http.put(url, json={"training_version": "max"}),
        400,
        "MODEL-UPDATE-NAME-DESC-ONLY",
    )
    assert (await sandbox_http.delete(url)).status_code == 204
    assert ok(await sandbox_http.get(url))["status"] == "Deleted"
    assert ok(await sandbox_http.get(MODELS)) == []
    assert (await sandbox_http.delete(url)).status_code == 204
    expect_error(await sandbox_http.put(url, json={"name": "x"}), 409, "MODEL-DELETED-IMMUTABLE")


@covers("MODEL-DELETE-TRAINING", "STOP-NOT-TRAINING", "TRAIN-ALREADY-STARTED")
async def test_training_lifecycle(sandbox_http: httpx.AsyncClient) -> None:
    started = await training_model(sandbox_http)
    url = f"{MODELS}/{started['id']}"
    assert started["generation_prefix"] == "A photo of stylized scene, "
    assert started["training_parameters"] == {}
    expect_error(await sandbox_http.delete(url), 409, "MODEL-DELETE-TRAINING")
    expect_error(await sandbox_http.post(f"{url}/start_training"), 409, "TRAIN-ALREADY-STARTED")
    stopped = await sandbox_http.post(f"{url}/stop_training")
    assert (stopped.status_code, stopped.content) == (200, b""), "Bria documents no body"
    assert ok(await sandbox_http.get(url))["status"] == "Stopping"
    expect_error(await sandbox_http.delete(url), 409, "MODEL-DELETE-TRAINING")
    expect_error(await sandbox_http.post(f"{url}/stop_training"), 409, "STOP-NOT-TRAINING")
    await advance(sandbox_http, 1)
    assert ok(await sandbox_http.get(url))["status"] == "Stopped"
    expect_error(await sandbox_http.post(f"{url}/start_training"), 409, "TRAIN-ALREADY-STARTED")
    done = await trained_model(sandbox_http)
    expect_error(
        await sandbox_http.post(f"{MODELS}/{done['id']}/stop_training"), 409, "STOP-NOT-TRAINING"
    )
    listed = ok(await sandbox_http.get(f"/tailored-gen/projects/{done['project_id']}/models"))
    assert [m["status"] for m in listed] == ["Completed"]


async def test_training_failure_rate(sandbox_http: httpx.AsyncClient) -> None:
    ok(await control(sandbox_http, "PUT", "/faults", json={"training_failure_rate": 1.0}))
    started = await training_model(sandbox_http)
    await advance(sandbox_http, 31)
    assert ok(await sandbox_http.get(f"{MODELS}/{started['id']}"))["status"] == "Failed"


@covers(
    "TRAIN-DATASET-COMPLETED",
    "TRAIN-EXPERT-PARAMS-ONLY",
    "TRAIN-RANGE",
    "TRAIN-CHECKPOINT-LE-STEPS",
    "TRAIN-DELETED",
)
async def test_start_training_rules(sandbox_http: httpx.AsyncClient) -> None:
    draft = await dataset(sandbox_http)
    on_draft = await model(sandbox_http, draft["id"])
    expect_error(
        await sandbox_http.post(f"{MODELS}/{on_draft['id']}/start_training"),
        412,
        "TRAIN-DATASET-COMPLETED",
    )
    auto = await model(sandbox_http)
    expect_error(
        await sandbox_http.post(f"{MODELS}/{auto['id']}/start_training", json={"rank": 16}),
        400,
        "TRAIN-EXPERT-PARAMS-ONLY",
    )
    expert = await model(sandbox_http, auto["dataset_id"], mode="expert")
    start = f"{MODELS}/{expert['id']}/start_training"
    body = expect_error(
        await sandbox_http.post(start, json={"total_training_steps": 1000000, "rank": 2}),
        400,
        "TRAIN-RANGE",
    )
    assert {e["field_name"] for e in body["errors"]} == {"total_training_steps", "rank"}
    expect_error(await sandbox_http.post(start, json={"lr_scheduler": "fast"}), 400, "TRAIN-RANGE")
    expect_error(
        await sandbox_http.post(
            start, json={"total_training_steps": 400, "checkpoint_interval": 500}
        ),
        400,
        "TRAIN-CHECKPOINT-LE-STEPS",
    )
    started = ok(await sandbox_http.post(start, json={"lr_scheduler": "constant_with_warmup"}))
    assert started["training_parameters"] == {
        "learning_rate": 0.0001,
        "lr_scheduler": "constant_with_warmup",
        "rank": 128,
        "total_training_steps": 1500,
        "checkpoint_interval": 500,
        "lr_warmup_steps": 100,
    }
    gone = await model(sandbox_http, auto["dataset_id"])
    assert (await sandbox_http.delete(f"{MODELS}/{gone['id']}")).status_code == 204
    expect_error(
        await sandbox_http.post(f"{MODELS}/{gone['id']}/start_training"), 409, "TRAIN-DELETED"
    )


@covers("CKPT-EXPERT-ONLY", "CKPT-MODEL-COMPLETED", "CKPT-DELETE-ACTIVE")
async def test_checkpoints(sandbox_http: httpx.AsyncClient) -> None:
    auto = await trained_model(sandbox_http)
    expect_error(
        await sandbox_http.get(f"{MODELS}/{auto['id']}/checkpoints"), 400, "CKPT-EXPERT-ONLY"
    )
    running = await training_model(sandbox_http, mode="expert")
    expect_error(
        await sandbox_http.get(f"{MODELS}/{running['id']}/checkpoints"), 400, "CKPT-MODEL-COMPLETED"
    )
    expect_error(
        await sandbox_http.delete(f"{MODELS}/{running['id']}/checkpoints/500"),
        400,
        "CKPT-MODEL-COMPLETED",
    )
    await advance(sandbox_http, 31)
    url = f"{MODELS}/{running['id']}/checkpoints"
    listed = ok(await sandbox_http.get(url))
    assert [c["checkpoint_step"] for c in listed["checkpoints"]] == [500, 1000, 1500]
    assert listed["active_model_version"] == "1500"
    assert ok(await sandbox_http.get(f"{url}/1000"))["training_job_id"] == running["id"]
    expect_error(await sandbox_http.get(f"{url}/700"), 404, "NOT-FOUND")
    expect_error(await sandbox_http.delete(f"{url}/1500"), 400, "CKPT-DELETE-ACTIVE")
    assert (await sandbox_http.delete(f"{url}/500")).status_code == 204
    got = ok(await sandbox_http.get(f"{MODELS}/{running['id']}"))
    assert got["checkpoint_steps"] == ["1000", "1500"]


@covers("MODEL-DOWNLOAD-COMPLETED")
async def test_model_download(sandbox_http: httpx.AsyncClient) -> None:
    fresh = await model(sandbox_http)
    expect_error(
        await sandbox_http.get(f"{MODELS}/{fresh['id']}/download"), 400, "MODEL-DOWNLOAD-COMPLETED"
    )
    done = await trained_model(sandbox_http)
    body = ok(await sandbox_http.get(f"{MODELS}/{done['id']}/download"))
    assert body["base_model_name"] == "BRIA-2.3"
    assert body["generation_prefix"] == done["generation_prefix"]
    assert (await sandbox_http.get(body["download_url"])).status_code == 200


@covers(
    "UPLOAD-SAFETENSORS",
    "UPLOAD-MAX-3GB",
    "UPLOAD-URL-UNREACHABLE",
    "UPLOAD-PROJECT",
    "UPLOAD-VERSION",
)
async def test_upload_model(sandbox_http: httpx.AsyncClient) -> None:
    upload = f"{MODELS}/upload_model"
    weights = await put_file(sandbox_http, "lora.safetensors", b"weights")
    params = {"project_name": "Up", "ip_medium": "illustration"}
    legacy = {"training_version": "bria-3.2"}

    async def refused(body: dict[str, Any], status: int, constraint_id: str) -> None:
        expect_error(await sandbox_http.post(upload, json=body), status, constraint_id)

    for version in (None, "max", "fibo", "bria-4"):
        body = {"model_url": weights, "project_parameters": params, "training_version": version}
        await refused(body, 400, "UPLOAD-VERSION")
    await refused({"model_url": weights, **legacy}, 400, "UPLOAD-PROJECT")
    await refused({"model_url": weights, "project_id": 9, **legacy}, 404, "UPLOAD-PROJECT")
    ckpt = await put_file(sandbox_http, "lora.ckpt", b"weights")
    await refused({"model_url": ckpt, "project_parameters": params}, 415, "UPLOAD-SAFETENSORS")
    big = await put_file(sandbox_http, "big.safetensors", b"", declared_size=3 * 1024**3 + 1)
    await refused({"model_url": big, "project_parameters": params, **legacy}, 400, "UPLOAD-MAX-3GB")
    away = "https://example.com/x.safetensors"
    await refused(
        {"model_url": away, "project_parameters": params, **legacy}, 422, "UPLOAD-URL-UNREACHABLE"
    )
    made = ok(
        await sandbox_http.post(
            upload, json={"model_url": weights, "project_parameters": params, **legacy}
        )
    )
    assert made["status"] == "syncing" and made["name"] == "lora"
    assert made["training_mode"] is None and made["dataset_id"] is None
    assert (made["training_version"], made["generation_prefix"]) == ("bria-3.2", "")
    new_project = ok(await sandbox_http.get(f"/tailored-gen/projects/{made['project_id']}"))
    assert new_project["ip_type"] == "other"
    expect_error(
        await sandbox_http.post(f"{MODELS}/{made['id']}/start_training"), 409, "TRAIN-DELETED"
    )
    await advance(sandbox_http, 3)
    assert ok(await sandbox_http.get(f"{MODELS}/{made['id']}"))["status"] == "completed"
    existing = await project(sandbox_http)
    body = {
        "model_url": weights,
        "project_id": existing["id"],
        "model_name": "named",
        "training_version": "bria-2.3",
        "caption_prefix": "A photo of Lora, ",
    }
    into = ok(await sandbox_http.post(upload, json=body))
    assert into["project_id"] == existing["id"] and into["name"] == "named"
    assert (into["training_version"], into["generation_prefix"]) == (
        "bria-2.3",
        body["caption_prefix"],
    )


@covers("GEN-MODEL-READY", "GEN-GUIDANCE-ORDER", "GEN-CHECKPOINT-EXISTS")
async def test_generation(sandbox_http: httpx.AsyncClient) -> None:
    pending = await model(sandbox_http)
    generate = "/text-to-image/tailored"
    expect_error(
        await sandbox_http.post(f"{generate}/{pending['id']}", json={"prompt": "a"}),
        400,
        "GEN-MODEL-READY",
    )
    expert = await trained_model(sandbox_http, mode="expert")
    guided = {"prompt": "a", "guidance_method_2": "controlnet_canny"}
    expect_error(
        await sandbox_http.post(f"{generate}/{expert['id']}", json=guided),
        400,
        "GEN-GUIDANCE-ORDER",
    )
    expect_error(
        await sandbox_http.post(f"{generate}/{expert['id']}/700", json={"prompt": "a"}),
        404,
        "GEN-CHECKPOINT-EXISTS",
    )
    first = ok(
        await sandbox_http.post(
            f"{generate}/{expert['id']}/500", json={"prompt": "a cat", "num_results": 2}
        )
    )
    again = ok(
        await sandbox_http.post(
            f"{generate}/{expert['id']}/500", json={"prompt": "a cat", "num_results": 2}
        )
    )
    assert first == again and len(first["result"]) == 2
    image = await sandbox_http.get(first["result"][0]["urls"][0])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    expect_error(await sandbox_http.post(f"{generate}/999", json={"prompt": "a"}), 404, "NOT-FOUND")


async def test_list_models_hides_parameters_unless_asked(sandbox_http: httpx.AsyncClient) -> None:
    await trained_model(sandbox_http, mode="expert")
    plain = ok(await sandbox_http.get(MODELS))[0]
    assert plain["training_parameters"] == {} and plain["checkpoint_steps"] == []
    full = ok(await sandbox_http.get(MODELS, params={"include_training_parameters": True}))[0]
    assert full["training_parameters"]["rank"] == 128 and full["checkpoint_steps"][-1] == "1500"
    assert (await completed_dataset(sandbox_http))["status"] == "completed"
