"""FIBO's schema work and v2 generation (PUBLISHED-OPENAPI 1.5 and 1.10)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest

from tests.conftest import SANDBOX_ORIGIN
from tests.sandbox.helpers import (
    advance,
    b64,
    control,
    covers,
    expect_error,
    image_bytes,
    model,
    ok,
    png_b64,
    project,
    put_file,
    trained_model,
    upload,
)

pytestmark = pytest.mark.anyio
DATASETS = "/tailored-gen/datasets"
MODELS = "/tailored-gen/models"
SCHEMA_URL = "/tailored-gen/generate_visual_schema"
REFINE_URL = "/tailored-gen/refine_structured_prompt"
V2 = f"{SANDBOX_ORIGIN}/v2/image/generate/tailored"


def samples(count: int, first: int = 0) -> list[str]:
    return [png_b64(seed=seed) for seed in range(first, first + count)]


async def fibo_dataset(client: httpx.AsyncClient, schema: str | None = None) -> dict[str, Any]:
    body = {"project_id": (await project(client))["id"], "name": "f", "training_version": "fibo"}
    created: dict[str, Any] = ok(await client.post(DATASETS, json=body), 201)
    if schema is not None:
        ok(await client.put(f"{DATASETS}/{created['id']}", json={"visual_schema": schema}))
    return created


async def generated_schema(client: httpx.AsyncClient, images: list[str]) -> str:
    answer = ok(await client.post(SCHEMA_URL, json={"images": images}))
    assert set(answer) == {"visual_schema"}
    schema: str = answer["visual_schema"]
    return schema


async def fibo_model(client: httpx.AsyncClient) -> dict[str, Any]:
    """A trained FIBO model on a completed dataset with a generated schema."""
    created = await fibo_dataset(client, await generated_schema(client, samples(5)))
    for seed in range(5):
        await upload(client, created["id"], seed)
    ok(await client.put(f"{DATASETS}/{created['id']}", json={"status": "completed"}))
    made = ok(await client.post(MODELS, json={"name": "m", "dataset_id": created["id"]}), 201)
    ok(await client.post(f"{MODELS}/{made['id']}/start_training", json={}))
    await advance(client, 31)
    trained: dict[str, Any] = ok(await client.get(f"{MODELS}/{made['id']}"))
    assert trained["status"] == "Completed"
    return trained


async def test_a_schema_is_derived_from_the_images_content(
    sandbox_http: httpx.AsyncClient,
) -> None:
    images = samples(6)
    schema = json.loads(await generated_schema(sandbox_http, images))
    assert set(schema) == {"style", "subjects", "settings", "moods", "palette"}
    colours = {
        f"#{(s * 37) % 256:02x}{(s * 91 + 50) % 256:02x}{(s * 13 + 100) % 256:02x}"
        for s in range(6)
    }
    assert set(schema["palette"]) == colours
    again = json.loads(await generated_schema(sandbox_http, list(reversed(images))))
    assert again == schema, "the same images in another order give the same schema"
    other = json.loads(await generated_schema(sandbox_http, samples(6, first=10)))
    assert other["palette"] != schema["palette"]
    url = await put_file(sandbox_http, "sample.png", image_bytes(color=(0, 0, 0)))
    mixed = json.loads(await generated_schema(sandbox_http, [*samples(4), url]))
    assert "#000000" in mixed["palette"]


@covers("VS-IMAGES-5-10")
async def test_a_schema_takes_five_to_ten_images(sandbox_http: httpx.AsyncClient) -> None:
    for body in ({"images": samples(4)}, {"images": samples(11)}, {}, {"images": "x"}):
        expect_error(await sandbox_http.post(SCHEMA_URL, json=body), 400, "VS-IMAGES-5-10")
    for count in (5, 10):
        assert await generated_schema(sandbox_http, samples(count))


@covers("VS-IMAGE-INVALID")
async def test_every_sample_must_be_an_image(sandbox_http: httpx.AsyncClient) -> None:
    for bad, status in (
        (b64(b"not an image"), 415),
        (b64(image_bytes(fmt="GIF")), 415),
        ("%%%", 415),
        ("http://127.0.0.1:9/gone.png", 422),
    ):
        response = await sandbox_http.post(SCHEMA_URL, json={"images": [*samples(4), bad]})
        expect_error(response, status, "VS-IMAGE-INVALID")


@covers("VS-MODERATION")
async def test_moderation_refuses_a_blocked_sample(sandbox_http: httpx.AsyncClient) -> None:
    blocked = image_bytes(color=(9, 9, 9))
    block = {"moderation_block": [hashlib.sha256(blocked).hexdigest()]}
    ok(await control(sandbox_http, "PUT", "/faults", json=block))
    images = [*samples(4), b64(blocked)]
    assert await generated_schema(sandbox_http, images), "moderation is off by default"
    body = {"images": images, "content_moderation": True}
    expect_error(await sandbox_http.post(SCHEMA_URL, json=body), 422, "VS-MODERATION")


async def test_captions_follow_the_schema(sandbox_http: httpx.AsyncClient) -> None:
    schema = json.dumps({"style": "flat vector", "subject": "", "palette": ["red", "teal"]})
    created = await fibo_dataset(sandbox_http, schema)
    image = await upload(sandbox_http, created["id"])
    caption = json.loads(image["caption"])
    assert list(caption) == ["style", "subject", "palette"]
    assert caption["style"] == "flat vector" and caption["palette"] in ("red", "teal")
    assert image["caption_source"] == "automatic"
    again = await upload(sandbox_http, (await fibo_dataset(sandbox_http, schema))["id"])
    assert json.loads(again["caption"]) == caption, "the same image, the same caption"


async def test_regenerating_captions_applies_a_new_schema(
    sandbox_http: httpx.AsyncClient,
) -> None:
    created = await fibo_dataset(sandbox_http)
    url = f"{DATASETS}/{created['id']}"
    for seed in range(2):
        assert (await upload(sandbox_http, created["id"], seed))["caption_source"] == "pending"
    ok(await sandbox_http.put(url, json={"visual_schema": json.dumps({"lighting": "soft"})}))
    regenerating = ok(await sandbox_http.put(f"{url}/images"), 202)
    assert regenerating["captions_update_status"] == "in_progress"
    await advance(sandbox_http, 5)
    shown = ok(await sandbox_http.get(url))
    assert shown["captions_update_status"] == "completed"
    assert [json.loads(i["caption"]) for i in shown["images"]] == [{"lighting": "soft"}] * 2


async def test_refine_reflects_the_instruction(sandbox_http: httpx.AsyncClient) -> None:
    created = await fibo_dataset(sandbox_http)
    start = json.dumps({"style": "cartoon", "colors": ["red", "blue"]})
    body = {
        "dataset_id": created["id"],
        "structured_prompt": start,
        "instruction": "Change the style to 'realistic 3D render' and remove blue from colors.",
    }
    refined = ok(await sandbox_http.post(REFINE_URL, json=body))
    assert set(refined) == {"structured_prompt"}
    assert json.loads(refined["structured_prompt"]) == {
        "style": "realistic 3D render",
        "colors": ["red"],
    }
    again = ok(await sandbox_http.post(REFINE_URL, json=body))
    assert again == refined, "deterministic"
    loose = {**body, "instruction": "make it feel like winter", "context_images": samples(1)}
    noted = json.loads(ok(await sandbox_http.post(REFINE_URL, json=loose))["structured_prompt"])
    assert noted == {**json.loads(start), "refinements": ["make it feel like winter"]}
    steps = {**body, "instruction": "add a lighting field: soft daylight; remove colors"}
    changed = json.loads(ok(await sandbox_http.post(REFINE_URL, json=steps))["structured_prompt"])
    assert changed == {"style": "cartoon", "lighting": "soft daylight"}


@covers("REFINE-FIELDS")
async def test_refine_needs_its_three_fields(sandbox_http: httpx.AsyncClient) -> None:
    created = await fibo_dataset(sandbox_http)
    good = {"dataset_id": created["id"], "structured_prompt": "{}", "instruction": "add mood"}
    for change in (
        {"dataset_id": None},
        {"dataset_id": "1"},
        {"structured_prompt": None},
        {"structured_prompt": "not json"},
        {"structured_prompt": "[1]"},
        {"instruction": " "},
        {"context_images": "x"},
    ):
        body = {k: v for k, v in {**good, **change}.items() if v is not None}
        expect_error(await sandbox_http.post(REFINE_URL, json=body), 400, "REFINE-FIELDS")
    assert json.loads(ok(await sandbox_http.post(REFINE_URL, json=good))["structured_prompt"])


@covers("REFINE-DATASET")
async def test_refine_names_a_dataset_that_exists(sandbox_http: httpx.AsyncClient) -> None:
    body = {"dataset_id": 999, "structured_prompt": "{}", "instruction": "add mood"}
    expect_error(await sandbox_http.post(REFINE_URL, json=body), 404, "REFINE-DATASET")


@covers("REFINE-DRAFT")
async def test_refine_needs_a_draft_dataset(sandbox_http: httpx.AsyncClient) -> None:
    created = await fibo_dataset(sandbox_http, json.dumps({"style": "flat"}))
    for seed in range(5):
        await upload(sandbox_http, created["id"], seed)
    ok(await sandbox_http.put(f"{DATASETS}/{created['id']}", json={"status": "completed"}))
    body = {"dataset_id": created["id"], "structured_prompt": "{}", "instruction": "add mood"}
    expect_error(await sandbox_http.post(REFINE_URL, json=body), 400, "REFINE-DRAFT")


async def test_a_fibo_model_generates_on_v2(sandbox_http: httpx.AsyncClient) -> None:
    trained = await fibo_model(sandbox_http)
    body = {"tailored_model_id": str(trained["id"]), "prompt": "a red fox", "sync": True}
    image = ok(await sandbox_http.post(V2, json=body))
    assert set(image) == {"image_url", "structured_prompt"}
    structured = json.loads(image["structured_prompt"])
    assert structured["subjects"] == "a red fox"
    assert set(structured) == {"style", "subjects", "settings", "moods", "palette"}
    assert (await sandbox_http.get(image["image_url"])).content.startswith(b"\x89PNG")
    assert ok(await sandbox_http.post(V2, json=body)) == image, "deterministic"
    refine = {
        **body,
        "structured_prompt": image["structured_prompt"],
        "prompt": "set moods to calm",
    }
    refined = json.loads(ok(await sandbox_http.post(V2, json=refine))["structured_prompt"])
    assert refined == {**structured, "moods": "calm"}
    recreate = {
        "tailored_model_id": trained["id"],
        "structured_prompt": image["structured_prompt"],
        "seed": 7,
        "sync": True,
    }
    assert json.loads(ok(await sandbox_http.post(V2, json=recreate))["structured_prompt"]) == (
        structured
    )
    accepted = ok(await sandbox_http.post(V2, json={**body, "sync": False}), 202)
    assert set(accepted) == {"request_id", "status_url"}
    status = ok(await sandbox_http.get(accepted["status_url"]))
    assert status["status"] == "COMPLETED"
    assert status["result"]["image_url"] == image["image_url"]


@covers("STATUS-REQUEST")
async def test_an_unknown_request_has_no_status(sandbox_http: httpx.AsyncClient) -> None:
    response = await sandbox_http.get(f"{SANDBOX_ORIGIN}/v2/status/nothing-here")
    expect_error(response, 404, "STATUS-REQUEST")


@covers("GEN-FAMILY")
async def test_each_family_generates_on_its_own_path(sandbox_http: httpx.AsyncClient) -> None:
    fibo = await fibo_model(sandbox_http)
    v1 = await sandbox_http.post(f"/text-to-image/tailored/{fibo['id']}", json={"prompt": "x"})
    expect_error(v1, 400, "GEN-FAMILY")
    legacy = await trained_model(sandbox_http)
    body = {"tailored_model_id": str(legacy["id"]), "prompt": "x", "sync": True}
    expect_error(await sandbox_http.post(V2, json=body), 400, "GEN-FAMILY")


@covers("GEN2-MODEL-ORG")
async def test_v2_needs_a_model_of_the_organization(sandbox_http: httpx.AsyncClient) -> None:
    for model_id in ("999", "model_123", 999):
        body = {"tailored_model_id": model_id, "prompt": "x"}
        expect_error(await sandbox_http.post(V2, json=body), 403, "GEN2-MODEL-ORG")


async def test_v2_needs_a_trained_model(sandbox_http: httpx.AsyncClient) -> None:
    created = await fibo_dataset(sandbox_http, json.dumps({"style": "flat"}))
    for seed in range(5):
        await upload(sandbox_http, created["id"], seed)
    ok(await sandbox_http.put(f"{DATASETS}/{created['id']}", json={"status": "completed"}))
    fresh = await model(sandbox_http, created["id"], version="fibo")
    body = {"tailored_model_id": str(fresh["id"]), "prompt": "x"}
    expect_error(await sandbox_http.post(V2, json=body), 400, "GEN-MODEL-READY")


@covers("GEN2-INPUT")
async def test_v2_takes_a_prompt_or_a_structured_prompt(sandbox_http: httpx.AsyncClient) -> None:
    trained = await fibo_model(sandbox_http)
    base = {"tailored_model_id": str(trained["id"])}
    for extra in (
        {},
        {"prompt": " "},
        {"structured_prompt": "{}"},
        {"structured_prompt": "nope", "prompt": "x"},
    ):
        expect_error(await sandbox_http.post(V2, json={**base, **extra}), 400, "GEN2-INPUT")


@covers("GEN2-RANGE")
async def test_v2_fields_stay_in_range(sandbox_http: httpx.AsyncClient) -> None:
    trained = await fibo_model(sandbox_http)
    base = {"tailored_model_id": str(trained["id"]), "prompt": "x", "sync": True}
    for extra in (
        {"tailored_model_influence": 1.6},
        {"guidance_scale": 2},
        {"guidance_scale": 4.5},
        {"steps_num": 51},
        {"aspect_ratio": "7:3"},
    ):
        expect_error(await sandbox_http.post(V2, json={**base, **extra}), 400, "GEN2-RANGE")
    edges = {
        "tailored_model_influence": 0,
        "guidance_scale": 3,
        "steps_num": 20,
        "aspect_ratio": "16:9",
    }
    assert ok(await sandbox_http.post(V2, json={**base, **edges}))["image_url"]


@covers("GEN2-MODERATION")
async def test_v2_moderates_prompts_by_default(sandbox_http: httpx.AsyncClient) -> None:
    trained = await fibo_model(sandbox_http)
    block = {"moderation_block": [hashlib.sha256(b"a blocked prompt").hexdigest()]}
    ok(await control(sandbox_http, "PUT", "/faults", json=block))
    body = {"tailored_model_id": str(trained["id"]), "prompt": "a blocked prompt", "sync": True}
    expect_error(await sandbox_http.post(V2, json=body), 422, "GEN2-MODERATION")
    unmoderated = {**body, "prompt_content_moderation": False}
    assert ok(await sandbox_http.post(V2, json=unmoderated))["image_url"]
